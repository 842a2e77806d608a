"""Publishing a release, and checking the stored ones.

`publish_release` is what the weekly beat entry (releases.tasks), `manage.py
publish_release` and the first start call. It is safe to call twice and
from two processes at once: a date that has a release answers with it;
otherwise the release is built from one snapshot of the data, its files
staged, and the date claimed by inserting its row, which the unique
constraint on `version` lets only one publisher do (the other gets an
IntegrityError, drops its staged files and answers with the winner's
release). Only the winner moves its files into place (releases.files).
"""

import datetime
import json
import logging
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from incidents.visibility import public_incidents

from . import building, files
from .models import Release

logger = logging.getLogger(__name__)


class ReleaseError(Exception):
    """A release cannot be published as asked; the message says why and what to do."""


def today() -> datetime.date:
    """The date a release published now is named for (UTC, like the beat schedule)."""
    return timezone.now().astimezone(datetime.UTC).date()


def publish_release(on: datetime.date | None = None) -> Release | None:
    """The release of `on` (today by default): the one published already,
    else a new one of the public data now. None when nothing is published
    yet (no release of an empty record). Raises ReleaseError for a date in
    the future or before the latest release (releases only move forward:
    the data is always today's), or when the previous release's
    dataset.json, which the changelog compares with, is missing or altered."""
    on = on or today()
    existing = Release.objects.filter(version=on).first()
    if existing is not None:
        return existing
    if on > today():
        raise ReleaseError(f"{on.isoformat()} is in the future: a release holds the data as it is when published.")
    latest = Release.objects.order_by("-version").first()
    if latest is not None and latest.version > on:
        raise ReleaseError(
            f"The latest release is {latest.version_name}: a new release must be dated after it "
            f"(its data is today's, so an earlier date would misdate it)."
        )
    if not public_incidents().exists():
        return None
    try:
        return _publish(on)
    except IntegrityError:
        # Another publisher (a second beat, a command run at the same time) claimed this date first.
        winner = Release.objects.filter(version=on).first()
        if winner is None:
            raise
        logger.info("Release %s was published by another process first", on)
        return winner


def _publish(on: datetime.date) -> Release:
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            # One snapshot for every table the build reads: no claim without its incident.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        previous = Release.objects.filter(version__lt=on).order_by("-version").first()
        built = building.build_release(on, previous_document(previous) if previous else None)
        version_name = on.isoformat()
        staging = files.stage(version_name, built.files)
        try:
            with transaction.atomic():
                release = Release.objects.create(
                    version=on,
                    published_at=timezone.now(),
                    previous=previous,
                    dataset_sha256=built.file(building.DATASET).sha256,
                    counts=built.counts,
                    files=[f.entry() for f in built.files],
                    changelog=built.changelog,
                )
            files.move_into_place(staging, version_name)
        except BaseException:
            files.discard(staging)
            raise
    logger.info("Published release %s (%s incidents)", version_name, built.counts["incidents"])
    return release


def previous_document(release: Release) -> dict:
    """A release's dataset.json, decoded, after checking it is the file
    published (its SHA-256)."""
    try:
        content = files.read(release.version_name, building.DATASET)
    except FileNotFoundError:
        raise ReleaseError(
            f"The dataset.json of release {release.version_name}, which the changelog compares with, is missing "
            f"from {files.folder(release.version_name)}: restore it from a backup."
        ) from None
    if building.BuiltFile(building.DATASET, content, "").sha256 != release.dataset_sha256:
        raise ReleaseError(
            f"The dataset.json of release {release.version_name} is not the file published (its SHA-256 differs): "
            "restore it from a backup; `manage.py verify_releases` checks every file."
        )
    return json.loads(content)


@dataclass(frozen=True)
class Problem:
    version: str
    name: str
    reason: str

    def __str__(self):
        return f"{self.version}/{self.name}: {self.reason}"


def verify_release(release: Release) -> list[Problem]:
    """Every listed file of `release` read back and hashed: what is missing
    or differs from the SHA-256 recorded (and from SHA256SUMS)."""
    problems = []
    for entry in release.files:
        found = files.sha256_of(release.version_name, entry["name"])
        if found is None:
            problems.append(Problem(release.version_name, entry["name"], "missing"))
        elif found != entry["sha256"]:
            reason = f"SHA-256 is {found}, published {entry['sha256']}"
            problems.append(Problem(release.version_name, entry["name"], reason))
    if not any(p.name == building.CHECKSUMS for p in problems):
        listed = {entry["name"]: entry["sha256"] for entry in release.files}
        for line in files.read(release.version_name, building.CHECKSUMS).decode("ascii").splitlines():
            digest, name = line.split("  ", 1)
            if listed.get(name) != digest:
                problems.append(Problem(release.version_name, name, "SHA256SUMS and the release's record disagree"))
    return problems
