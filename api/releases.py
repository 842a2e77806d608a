"""/api/v1/releases/: the dated releases of the whole public dataset, newest
first, each with its files (size, SHA-256, download address), row counts,
changelog and citation (`?format=bibtex`, `?format=csl-json`). A release
is looked up by its date: /api/v1/releases/2026-12-07/."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers

from incidents.citations import absolute_url
from releases.citations import release_bibtex, release_citation_text, release_csl
from releases.models import Release

from .fields import WebUrlField
from .views import CitationMixin, ReadOnlyViewSet


def _file_url(release: Release, name: str) -> str:
    return absolute_url(reverse("release-file", args=[release.version_name, name]))


class ReleaseFileSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="File name, e.g. dataset.json or incidents.csv.")
    bytes = serializers.IntegerField(help_text="Size in bytes.")
    sha256 = serializers.CharField(help_text="SHA-256 of the file, as listed in its SHA256SUMS.")
    media_type = serializers.CharField(help_text="Its media type, e.g. text/csv; charset=utf-8.")
    description = serializers.CharField(help_text="What it holds.")
    url = serializers.SerializerMethodField(help_text="Where to download it (permanent).")

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, entry) -> str:
        return _file_url(self.context["release"], entry["name"])


class ReleaseIncidentSerializer(serializers.Serializer):
    public_id = serializers.CharField(help_text="Public identifier of the incident.")
    title = serializers.CharField(help_text="Its title in this release (or, if removed, in the previous one).")


class ReleaseRemovedIncidentSerializer(ReleaseIncidentSerializer):
    merged_into = serializers.CharField(
        allow_null=True, help_text="The entry it was merged into; null when it was withdrawn from publication."
    )


class ReleaseClaimStatusMoveSerializer(serializers.Serializer):
    incident = serializers.CharField(help_text="Public identifier of the claim's incident.")
    claim = serializers.IntegerField(help_text="Id of the claim (/api/v1/claims/<id>/).")
    statement = serializers.CharField(help_text="The claim, shortened to 200 characters.")
    from_status = serializers.CharField(help_text="Its status in the previous release.")
    to_status = serializers.CharField(help_text="Its status in this release.")
    reason = serializers.CharField(allow_blank=True, help_text="Why it moved, as recorded.")


class ReleaseChangelogSerializer(serializers.Serializer):
    previous = serializers.DateField(allow_null=True, help_text="The release compared with; null for the first.")
    incidents_added = ReleaseIncidentSerializer(many=True, help_text="Public in this release, not in the previous one.")
    incidents_changed = ReleaseIncidentSerializer(
        many=True, help_text="The incident, or a row that belongs to it (claims, evidence, figures...), differs."
    )
    incidents_removed = ReleaseRemovedIncidentSerializer(
        many=True, help_text="Public in the previous release, not in this one."
    )
    claim_status_changes = ReleaseClaimStatusMoveSerializer(many=True, help_text="Claims whose status moved.")


class ReleaseCitationSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="How to cite the release, as one line of plain text.")
    bibtex = serializers.URLField(help_text="Its BibTeX entry.")
    csl_json = serializers.URLField(help_text="Its CSL-JSON item.")


class ReleaseSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api:release-detail", lookup_field="version", help_text="Address of this release in the API."
    )
    web_url = WebUrlField(help_text="The release's permanent page, to cite and link to.")
    version = serializers.DateField(read_only=True, help_text="The release date, which names it.")
    published_at = serializers.DateTimeField(read_only=True, help_text="When it was published (UTC).")
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True, help_text="Rows per table.")
    archive = serializers.SerializerMethodField(help_text="The zip of every file.")
    files = serializers.SerializerMethodField(help_text="Every file: the zip, dataset.json, schema.json, README.md, "
                                              "SHA256SUMS, then one CSV per table.")
    changelog = ReleaseChangelogSerializer(read_only=True, help_text="What changed since the previous release.")
    citation = serializers.SerializerMethodField(help_text="How to cite it, and its citation formats.")

    class Meta:
        model = Release
        fields = ["url", "web_url", "version", "published_at", "counts", "archive", "files", "changelog", "citation"]
        read_only_fields = fields

    @extend_schema_field(ReleaseFileSerializer)
    def get_archive(self, release):
        return ReleaseFileSerializer(release.archive, context={"release": release}).data

    @extend_schema_field(ReleaseFileSerializer(many=True))
    def get_files(self, release):
        return ReleaseFileSerializer(release.files, many=True, context={"release": release}).data

    @extend_schema_field(ReleaseCitationSerializer)
    def get_citation(self, release):
        api = absolute_url(reverse("api:release-detail", args=[release.version_name]))
        return {"text": release_citation_text(release.version), "bibtex": f"{api}?format=bibtex",
                "csl_json": f"{api}?format=csl-json"}


def _bibtex(release):
    return release_bibtex(release.version)


def _csl(release):
    return release_csl(release.version)


@extend_schema_view(
    list=extend_schema(
        summary="Dated releases of the whole public dataset, newest first",
        description="Each release is immutable: its files (JSON, one CSV per table, JSON Schema, README, SHA256SUMS, "
        "and a zip of all) never change. Citations of the page: `?format=bibtex` or `?format=csl-json`. "
        "CSV (`?format=csv`) gives one row per release: version, published_at, web_url, counts.incidents, "
        "archive.url, archive.sha256.",
    ),
    retrieve=extend_schema(
        summary="One release, by its date (e.g. 2026-12-07)",
        description="`?format=bibtex` or `?format=csl-json` give its citation.",
    ),
)
class ReleaseViewSet(CitationMixin, ReadOnlyViewSet):
    serializer_class = ReleaseSerializer
    lookup_field = "version"
    lookup_value_regex = r"\d{4}-\d{2}-\d{2}"
    ordering_fields = ["version"]
    ordering = ["-version"]
    csv_columns = ["version", "published_at", "web_url", "counts.incidents", "archive.url", "archive.sha256"]
    bibtex = staticmethod(_bibtex)
    csl = staticmethod(_csl)

    def get_queryset(self):
        return Release.objects.all()
