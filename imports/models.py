"""Provenance of imported items: which outside database, which external
identifier, when, and the original document as it was read."""

from django.db import models

from incidents.models import Incident, Source


class Database(models.TextChoices):
    AVID = "avid", "AI Vulnerability Database (AVID)"
    ATLAS = "atlas", "MITRE ATLAS"
    MIT_RISK = "mit-risk", "MIT AI Risk Repository"
    OECD = "oecd-json", "OECD-shaped JSON documents (docs/oecd.md)"


class ImportRecord(models.Model):
    """One item of an outside database and the incident it became.

    The original document is kept unchanged; its SHA-256 tells a re-import
    whether anything changed, so running an importer twice writes nothing."""

    database = models.CharField(max_length=20, choices=Database.choices, db_index=True)
    external_id = models.CharField(max_length=200, help_text="The item's identifier in its database.")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="import_records")
    source = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="import_records",
        help_text="The source the importer cites for this item (the database entry or the paper).",
    )
    release = models.CharField(max_length=100, blank=True, help_text="Version of the database or format read.")
    location = models.CharField(max_length=500, help_text="File and line, row or entry it was last read from.")
    original = models.JSONField(help_text="The item exactly as the database published it.")
    original_sha256 = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True, help_text="When the item was first imported.")
    changed_at = models.DateTimeField(auto_now=True, help_text="When a changed original last updated the incident.")

    class Meta:
        ordering = ["database", "external_id"]
        constraints = [
            models.UniqueConstraint(fields=["database", "external_id"], name="import_record_unique_external_id"),
        ]

    def __str__(self):
        return f"{self.get_database_display()} {self.external_id}"


class ImportRun(models.Model):
    """One run of an importer, with its counts and the per-item error report."""

    database = models.CharField(max_length=20, choices=Database.choices, db_index=True)
    paths = models.JSONField(default=list)
    dry_run = models.BooleanField(default=False)
    started_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{location, external_id, message}, ...]")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.get_database_display()} import of {self.started_at:%Y-%m-%d %H:%M}"
