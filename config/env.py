"""Small typed readers of the environment, so settings.py says what each value is."""

import os


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be a boolean (true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_storage(name: str, endpoint_url: str = "") -> dict:
    """A STORAGES entry from a variable: empty, the media folder; or
    s3://bucket/prefix, object storage through django-storages (credentials
    as boto3 reads them, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or a
    role; `endpoint_url` for S3-compatible stores such as MinIO)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if not raw.startswith("s3://") or not raw[5:].partition("/")[0]:
        raise ValueError(f"{name} must be empty (the media folder) or s3://bucket/prefix, got {raw!r}")
    bucket, _, prefix = raw[5:].partition("/")
    options = {"bucket_name": bucket, "location": prefix.strip("/"), "file_overwrite": False}
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}
