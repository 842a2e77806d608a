"""Which device a worker evaluates on, and what it is."""

import os
import socket
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from django.conf import settings

VERSIONED_PACKAGES = ("inspect-ai", "inspect-evals", "torch", "transformers")


@dataclass(frozen=True)
class Device:
    name: str  # "cpu", "cuda:0"
    gpu_name: str = ""
    gpu_memory_mb: int | None = None

    @property
    def is_gpu(self) -> bool:
        return self.name.startswith("cuda")


def select_device() -> Device:
    """The first visible GPU, else the CPU; AIKB_EVAL_DEVICE forces one.

    One GPU worker per GPU: CUDA_VISIBLE_DEVICES decides which physical GPU
    this process sees as cuda:0."""
    import torch

    wanted = settings.AIKB_EVAL_DEVICE
    if wanted == "cpu" or (wanted == "auto" and not torch.cuda.is_available()):
        return Device("cpu")
    name = "cuda:0" if wanted == "auto" else wanted
    if not torch.cuda.is_available():
        return Device("cpu")
    index = torch.device(name).index or 0
    properties = torch.cuda.get_device_properties(index)
    return Device(name, gpu_name=properties.name, gpu_memory_mb=properties.total_memory // 2**20)


def resolve_dtype(requested: str, device: Device) -> str:
    """bfloat16 on a GPU that supports it (float16 otherwise), float32 on a
    CPU, unless the model pins one."""
    if requested and requested != "auto":
        return requested
    if not device.is_gpu:
        return "float32"
    import torch

    return "bfloat16" if torch.cuda.is_bf16_supported() else "float16"


def stack_versions() -> dict[str, str]:
    """Versions of the evaluation stack; Inspect's log records only its own."""
    versions = {}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def pinned_versions() -> dict[str, str]:
    """The evaluation stack's pins, read from requirements-eval.txt (the one
    place they are written): package name -> version."""
    pins = {}
    path = Path(settings.BASE_DIR) / "requirements-eval.txt"
    for line in path.read_text().splitlines():
        name, sep, version = line.split("#")[0].strip().partition("==")
        if sep:
            pins[name.strip().lower()] = version.strip()
    return pins


def worker_host() -> str:
    return f"{socket.gethostname()} (pid {os.getpid()})"
