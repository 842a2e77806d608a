"""llama.cpp's OpenAI-compatible server on a GGUF file, in a process of its
own, until SIGTERM: the `llama-cpp` engine of reproductions.engines.

xllamacpp ships llama.cpp's server prebuilt (a CPU wheel; nothing compiled
on install) and runs it inside Python, so this small entry point stands in
for the `llama-server` executable. It serves with continuous batching over
`--parallel` slots, answers log-probabilities and honours a request's seed.

    python -m reproductions.llamacpp_serve MODEL.gguf --alias NAME --port 8080 \
        [--parallel 8] [--ctx-per-slot 2048] [--threads 1] [--seed 7]
"""

import argparse
import signal
import sys
import threading


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gguf")
    parser.add_argument("--alias", required=True, help="The model name the server lists and answers to.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--parallel", type=int, default=8, help="Slots: requests decoded together.")
    parser.add_argument("--ctx-per-slot", type=int, default=2048, help="Tokens of context each slot holds.")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int)
    args = parser.parse_args(argv)

    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = args.gguf
    params.model_alias = {args.alias}
    params.hostnames = [args.host]
    params.port = args.port
    params.n_parallel = args.parallel
    params.n_ctx = args.parallel * args.ctx_per_slot
    params.cpuparams.n_threads = args.threads
    params.cpuparams_batch.n_threads = args.threads
    params.offline = True
    if args.seed is not None:
        params.sampling.seed = args.seed
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        server = xllamacpp.Server(params)
    except RuntimeError as error:
        print(f"llama.cpp could not start on {args.host}:{args.port}: {error}", file=sys.stderr, flush=True)
        return 1
    print(f"serving {args.alias} at {server.listening_address}", flush=True)
    stop.wait()
    del server
    return 0


if __name__ == "__main__":
    sys.exit(main())
