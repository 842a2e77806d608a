"""Rechecking archived source copies against the SHA-256 stored when they were archived."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from incidents.archives import sha256_of
from incidents.models import Source


@dataclass
class ArchiveProblem:
    kind: str  # "missing" or "mismatch"
    source_id: int
    name: str
    detail: str


@dataclass
class ArchiveCheck:
    checked: int = 0
    problems: list[ArchiveProblem] = field(default_factory=list)


def verify_archives(progress: Callable[[Iterable], Iterable] | None = None) -> ArchiveCheck:
    """Hash every archived copy again and compare it with the stored digest."""
    result = ArchiveCheck()
    sources = Source.objects.exclude(archived_file="").only("id", "archived_file", "archived_sha256").order_by("id")
    items = sources.iterator(chunk_size=500)
    for source in progress(items) if progress else items:
        result.checked += 1
        name = source.archived_file.name
        try:
            with source.archived_file.storage.open(name, "rb") as handle:
                digest = sha256_of(handle)
        except FileNotFoundError:
            result.problems.append(ArchiveProblem("missing", source.pk, name, "the file is not in storage"))
            continue
        except OSError as error:
            result.problems.append(ArchiveProblem("missing", source.pk, name, f"cannot read it: {error.strerror}"))
            continue
        if digest != source.archived_sha256:
            result.problems.append(
                ArchiveProblem("mismatch", source.pk, name, f"stored {source.archived_sha256}, file has {digest}")
            )
    return result
