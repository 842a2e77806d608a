"""The API's representation, byte for byte: the bodies (JSON and CSV) and
the headers a client caches by, of every list endpoint and of items, on the
curated data and on synthetic data, compared with files written by the code
as it stood before the list was made faster (issue 26). A faster encoder or
serialiser must give exactly these bytes; a change meant to alter the
representation regenerates them, and the diff shows what changed.

Everything that would differ between runs is fixed before the requests, not
masked out of the comparison: the ids (each table's sequence restarts where
its rows end), the recorded times (`created`/`updated` set from each row's
id, some with microseconds and some without), the dates a synthetic
reproduction ran, and the site's address.

Regenerate (after checking that the change is meant):

    AIKB_REGEN_GOLDEN=1 python -m pytest tests/api/test_representation_unchanged.py

which rewrites tests/api/golden/ and skips the comparison.
"""

import datetime
import json
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

GOLDEN = Path(__file__).parent / "golden"
REGENERATE = os.environ.get("AIKB_REGEN_GOLDEN") == "1"
SITE_URL = "https://aikb.example.org"
# The headers a client reads or caches by; the rest are the framework's.
PINNED_HEADERS = ("Content-Type", "ETag", "Last-Modified", "Link", "X-Total-Count", "X-Page-Size", "Vary", "Location")
SYNTHETIC_INCIDENTS = 300
SYNTHETIC_SEED = 4242
LISTS = ("incidents", "claims", "evidence", "sources", "metrics", "measurements", "organisations", "systems", "taxonomy")
# Text that tests the encoder's escaping: quotes, backslashes, markup,
# non-ASCII letters, and the line and paragraph separators JSON leaves
# raw but JavaScript does not.
AWKWARD_TEXT = 'Agent "quoted" \\ back\\slash <b>&amp;</b> café — naïve 漢字 \U0001F916 sep\u2028line\u2029para /slash/'


def _reset_sequences():
    """Ids count from where each table's rows end, whatever earlier tests
    (rolled back, but sequences are not) consumed."""
    models = [model for app in ("incidents", "reproductions") for model in apps.get_app_config(app).get_models()]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def _fix_times():
    """Recorded times from each row's id: distinct, ordered, a third of them
    with no microseconds (written without a fraction)."""
    with connection.cursor() as cursor:
        for model in apps.get_app_config("incidents").get_models():
            names = {field.name for field in model._meta.concrete_fields}
            if {"created", "updated"} <= names:
                cursor.execute(
                    f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET "
                    "created = timestamptz '2024-03-01 09:00:00+00' + id * interval '17 minutes', "
                    "updated = timestamptz '2025-06-01 12:00:00+00' + id * interval '1 hour 3 seconds' "
                    "+ (id % 3) * interval '0.123457 seconds'"
                )


def _curated():
    from incidents.curated import load_curated

    load_curated(verbosity=0)


def _synthetic():
    from incidents.models import Incident, Measurement
    from reproductions.synthetic import generate_synthetic

    generate_synthetic(SYNTHETIC_INCIDENTS, batch_size=100, seed=SYNTHETIC_SEED, with_history=False)
    # A reproduction's date is the day it ran, relative to today: fixed here.
    reproduced = Measurement.objects.filter(reproduction_run__isnull=False).order_by("id")
    for offset, pk in enumerate(reproduced.values_list("id", flat=True)):
        Measurement.objects.filter(pk=pk).update(as_of=datetime.date(2025, 1, 1) + datetime.timedelta(days=offset))
    # Text and numbers at the edges of what an encoder writes the same way.
    first = Incident.objects.filter(is_published=True).order_by("-reported_on", "-id").first()
    Incident.objects.filter(pk=first.pk).update(title=AWKWARD_TEXT, summary=AWKWARD_TEXT + "\n\nSecond paragraph.\ttab")
    # The first of the list's page (its order: metric, date, id).
    published = Measurement.objects.filter(evidence__isnull=False).order_by("metric_id", "as_of", "id")
    edges = [(1e-07, 0.0, 2.5e-07), (12345678.125, 12345678.0, 12345679.0), (1e16, 9.5e15, 2.5e16), (0.1, None, None)]
    for (value, lower, upper), pk in zip(edges, published.values_list("id", flat=True)):
        Measurement.objects.filter(pk=pk).update(value=value, lower=lower, upper=upper)


def _requests(editor_token) -> list[tuple[str, str, str | None]]:
    """(name, address, token) of every request pinned; names become file names."""
    from incidents.models import Claim, Incident, Source

    anonymous = None
    requests = []
    for resource in LISTS:
        requests.append((f"{resource}-list.json", f"/api/v1/{resource}/?page_size=100", anonymous))
        requests.append((f"{resource}-list.csv", f"/api/v1/{resource}/?page_size=100&format=csv", anonymous))
    requests += [
        ("incidents-default-page.json", "/api/v1/incidents/", anonymous),
        ("incidents-page-2.json", "/api/v1/incidents/?page_size=4&page=2", anonymous),
        ("incidents-filtered-ordered.json",
         "/api/v1/incidents/?page_size=100&kind=incident&kind=research-finding&severity=3&severity=4&severity=5"
         "&ordering=-severity", anonymous),
        ("incidents-filtered-ordered.csv",
         "/api/v1/incidents/?page_size=100&kind=incident&kind=research-finding&severity=3&severity=4&severity=5"
         "&ordering=-severity&format=csv", anonymous),
        ("incidents-ordered-updated.json", "/api/v1/incidents/?page_size=30&ordering=-updated", anonymous),
        ("incidents-search.json", "/api/v1/incidents/?page_size=30&q=model", anonymous),
        ("incidents-cursor.json", "/api/v1/incidents/?page_size=5&pagination=cursor", anonymous),
        ("incidents-editor.json", "/api/v1/incidents/?page_size=30", editor_token),
        ("claims-editor.json", "/api/v1/claims/?page_size=30", editor_token),
        # Citations, and errors (written by the same JSON and CSV renderers).
        ("incidents-list.csl.json", "/api/v1/incidents/?page_size=100&format=csl-json", anonymous),
        ("incidents-list.bib", "/api/v1/incidents/?page_size=20&format=bibtex", anonymous),
        ("sources-list.csl.json", "/api/v1/sources/?page_size=100&format=csl-json", anonymous),
        ("error-unknown-parameter.json", "/api/v1/incidents/?colour=red", anonymous),
        ("error-bad-filter.json", "/api/v1/incidents/?severity=9&ordering=colour", anonymous),
        ("error-bad-filter.csv", "/api/v1/incidents/?severity=9&format=csv", anonymous),
        ("error-not-found.json", "/api/v1/incidents/AIKB-1999-9999/", anonymous),
    ]
    public = Incident.objects.filter(is_published=True, merged_into=None)
    newest = public.order_by("-reported_on", "-id").values_list("public_id", flat=True)[:1]
    for public_id in [*public.order_by("public_id").values_list("public_id", flat=True)[:4], *newest]:
        requests.append((f"incident-{public_id}.json", f"/api/v1/incidents/{public_id}/", anonymous))
    claim = Claim.objects.filter(incident__is_published=True).order_by("id").first()
    requests.append(("claim-item.json", f"/api/v1/claims/{claim.pk}/", anonymous))
    source = Source.objects.filter(evidence__incident__is_published=True).order_by("id").first()
    requests.append(("source-item.json", f"/api/v1/sources/{source.pk}/", anonymous))
    return requests


def _fetch(name, address, token):
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.get(address)
    headers = {header: response[header] for header in PINNED_HEADERS if header in response}
    return {"address": address, "status": response.status_code, "headers": headers}, response.content


def _follow_cursor(record) -> str | None:
    """The second cursor page, by the first one's `next` link as given."""
    link = record["headers"].get("Link", "")
    if 'rel="next"' not in link:
        return None
    return link.split(">", 1)[0].lstrip("<").replace("http://testserver", "")


@pytest.fixture
def fixed_site(settings):
    settings.SITE_URL = SITE_URL


@pytest.mark.parametrize("dataset, load", [("curated", _curated), ("synthetic", _synthetic)])
def test_representation_is_byte_for_byte_unchanged(fixed_site, editor_token, dataset, load):
    _reset_sequences()
    load()
    _fix_times()
    folder = GOLDEN / dataset
    records, bodies = {}, {}
    for name, address, token in _requests(editor_token):
        records[name], bodies[name] = _fetch(name, address, token)
        if name == "incidents-cursor.json":
            following = _follow_cursor(records[name])
            assert following, "the cursor page should have a next page"
            records["incidents-cursor-2.json"], bodies["incidents-cursor-2.json"] = _fetch(
                "incidents-cursor-2.json", following, token)
    statuses = {name: record["status"] for name, record in records.items()}
    assert {name for name, status in statuses.items() if status != 200} == {
        name for name in statuses if name.startswith("error-")}, statuses

    index = json.dumps(records, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if REGENERATE:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.iterdir():
            stale.unlink()
        for name, body in bodies.items():
            (folder / name).write_bytes(body)
        (folder / "_headers.json").write_text(index, encoding="utf-8")
        pytest.skip(f"regenerated {len(bodies)} golden files in {folder}")

    expected_names = {path.name for path in folder.iterdir()} - {"_headers.json"}
    assert expected_names == set(bodies), "the pinned requests changed: regenerate deliberately"
    changed = []
    for name, body in bodies.items():
        expected = (folder / name).read_bytes()
        if body != expected:
            at = next((i for i, (a, b) in enumerate(zip(body, expected)) if a != b), min(len(body), len(expected)))
            changed.append(f"{name}: first difference at byte {at}: "
                           f"got {body[max(0, at - 60):at + 60]!r}, expected {expected[max(0, at - 60):at + 60]!r}")
    assert not changed, "\n".join(changed)
    assert index == (folder / "_headers.json").read_text(encoding="utf-8")
