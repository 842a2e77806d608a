"""/data/: the releases, one release's permanent page, its files, and the
latest release's addresses. Thin views over releases.models and
releases.citations; the files are answered by config.file_responses."""

import datetime
import re

from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from config.file_responses import StoredFile, serve_file
from incidents.licence import LICENCE_NAME, LICENCE_URL

from . import changelog, citations, files
from .models import Release

PER_PAGE = 25
VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Names under /data/latest/ for the latest release's archive, whatever its date.
LATEST_ARCHIVE = "aikb-dataset-latest.zip"
# A release's files never change: any cache may keep them for good.
IMMUTABLE = "public, max-age=31536000, immutable"


def _release(version: str) -> Release:
    """The release named `version` (2026-12-07 exactly), else 404."""
    if not VERSION_RE.match(version):
        raise Http404("A release is named by its date, e.g. 2026-12-07.")
    try:
        day = datetime.date.fromisoformat(version)
    except ValueError:
        raise Http404("A release is named by its date, e.g. 2026-12-07.") from None
    release = Release.objects.filter(version=day).first()
    if release is None:
        raise Http404("No release has this date.")
    return release


def _citation(release: Release) -> dict:
    api = reverse("api:release-detail", args=[release.version_name])
    return {
        "text": citations.release_citation_text(release.version),
        "bibtex": citations.release_bibtex(release.version),
        "bibtex_url": f"{api}?format=bibtex",
        "csl_url": f"{api}?format=csl-json",
    }


@require_safe
def release_index(request):
    page = Paginator(Release.objects.all(), PER_PAGE).get_page(request.GET.get("page"))
    latest = page.object_list[0] if page.number == 1 and page.object_list else None
    return render(request, "releases/release_index.html", {
        "page": page,
        "latest": latest,
        "older": page.object_list[1:] if latest else page.object_list,
        "citation": _citation(latest) if latest else None,
        "licence": {"name": LICENCE_NAME, "url": LICENCE_URL},
    })


@require_safe
def release_detail(request, version):
    release = _release(version)
    newer = Release.objects.filter(version__gt=release.version).order_by("version").only("version").first()
    return render(request, "releases/release_detail.html", {
        "release": release,
        "newer": newer,
        "summary": changelog.summary(release.changelog),
        "citation": _citation(release),
        "permanent_url": citations.release_url(release.version),
        "licence": {"name": LICENCE_NAME, "url": LICENCE_URL},
    })


@require_safe
def release_file(request, version, filename):
    release = _release(version)
    entry = release.file_named(filename)
    if entry is None:
        raise Http404("This release has no file of that name; its page lists them.")
    stored = StoredFile(
        name=files.storage_name(release.version_name, entry["name"]),
        size=entry["bytes"],
        sha256=entry["sha256"],
        modified=int(release.published_at.timestamp()),
        content_type=entry["media_type"],
        filename=entry["name"],
        disposition="attachment" if entry["name"].endswith(".zip") else "inline",
    )
    headers = {"X-Content-SHA256": entry["sha256"], "Cache-Control": IMMUTABLE}
    return serve_file(request, default_storage, stored, headers)


@require_safe
def latest_release(request, filename=None):
    """A redirect to the latest release (or one of its files by name), so
    a script can always fetch the newest data at one address."""
    release = Release.objects.first()
    if release is None:
        raise Http404("No release has been published yet.")
    if filename is None:
        return redirect(release.get_absolute_url())
    if filename == LATEST_ARCHIVE:
        filename = release.archive["name"]
    if release.file_named(filename) is None:
        raise Http404("The latest release has no file of that name; its page lists them.")
    return redirect(reverse("release-file", args=[release.version_name, filename]))
