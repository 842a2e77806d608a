"""Dated, immutable releases of the whole public dataset.

A `Release` is named by its date (its `version`, e.g. 2026-12-07) and
records the files published under it, each with its size and SHA-256, the
row counts of its tables and what changed since the release before it.
Readers cite a release and rely on its bytes never changing, so a release
is written once: saving it again, deleting it, or updating or deleting
releases in bulk raises `ReleaseIsImmutable`, and the admin shows it read
only. The files live under MEDIA_ROOT/releases/<version>/ and are never
written again once the row exists (releases.files).
"""

from django.db import models
from django.db.models import Q
from django.urls import reverse


class ReleaseIsImmutable(Exception):
    """A published release was about to be changed or deleted."""

    def __init__(self):
        super().__init__("A published release cannot be changed or deleted; publish a new release instead.")


class ReleaseQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ReleaseIsImmutable

    def delete(self):
        raise ReleaseIsImmutable


class Release(models.Model):
    version = models.DateField(help_text="The release date, which names it: its address is /data/<version>/.")
    published_at = models.DateTimeField(help_text="When the release was stored (not written in any of its files).")
    previous = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="The release its changelog compares with; empty for the first.",
    )
    dataset_sha256 = models.CharField(max_length=64, help_text="SHA-256 of its dataset.json.")
    counts = models.JSONField(default=dict, help_text="Rows per table, e.g. {\"incidents\": 12}.")
    files = models.JSONField(
        default=list, help_text="Its files in the order listed: [{name, bytes, sha256, media_type, description}]."
    )
    changelog = models.JSONField(
        default=dict, help_text="What changed since the previous release (releases.changelog)."
    )

    objects = ReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        constraints = [
            # One release per date, however many publishers race (releases.services).
            models.UniqueConstraint(fields=["version"], name="release_unique_version"),
            models.CheckConstraint(condition=~Q(files=[]), name="release_has_files"),
            models.CheckConstraint(condition=Q(dataset_sha256__regex=r"^[0-9a-f]{64}$"), name="release_dataset_sha256"),
        ]

    def __str__(self):
        return f"Release {self.version_name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ReleaseIsImmutable
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ReleaseIsImmutable

    @property
    def version_name(self) -> str:
        """The version as written in addresses and file names: 2026-12-07."""
        return self.version.isoformat()

    def get_absolute_url(self):
        return reverse("release-detail", args=[self.version_name])

    def file_named(self, name: str) -> dict | None:
        """The listed file called `name`, or None: only listed files are served."""
        return next((entry for entry in self.files if entry["name"] == name), None)

    @property
    def archive(self) -> dict:
        """The zip of the whole release (listed first)."""
        return self.files[0]

    @property
    def incident_count(self) -> int:
        return self.counts.get("incidents", 0)
