"""The incident PDF served like a static file: its SHA-256 as ETag, 304s,
byte ranges, one render per change however many readers ask at once."""

import hashlib

import pytest
from django.test import Client

from briefings.models import Briefing
from tests.at_once import at_once


@pytest.fixture
def pdf_url(briefed_incident):
    return f"/incidents/{briefed_incident.public_id}/briefing.pdf"


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_pdf_carries_its_sha256_as_etag_and_says_it_takes_ranges(client, pdf_url):
    response = client.get(pdf_url)
    data = body(response)
    assert response["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert response["Accept-Ranges"] == "bytes"
    assert int(response["Content-Length"]) == len(data)
    assert "Last-Modified" in response
    assert "public" in response["Cache-Control"]
    assert response["X-Cache"] == "MISS"
    assert client.get(pdf_url)["X-Cache"] == "HIT"


def test_a_current_copy_gets_304(client, pdf_url):
    etag = client.get(pdf_url)["ETag"]
    assert client.get(pdf_url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(pdf_url, headers={"If-None-Match": '"0"'}).status_code == 200


@pytest.mark.parametrize("header, piece", [
    ("bytes=0-99", slice(0, 100)),
    ("bytes=100-", slice(100, None)),
    ("bytes=-50", slice(-50, None)),
    ("bytes=10-10", slice(10, 11)),
    ("bytes=0-999999999", slice(0, None)),
])
def test_a_range_request_gets_exactly_those_bytes(client, pdf_url, header, piece):
    whole = body(client.get(pdf_url))
    response = client.get(pdf_url, headers={"Range": header})
    assert response.status_code == 206
    part = body(response)
    assert part == whole[piece]
    first = len(whole) + piece.start if (piece.start or 0) < 0 else (piece.start or 0)
    assert response["Content-Range"] == f"bytes {first}-{first + len(part) - 1}/{len(whole)}"
    assert int(response["Content-Length"]) == len(part)


def test_a_range_past_the_end_gets_416_with_the_length(client, pdf_url):
    size = len(body(client.get(pdf_url)))
    response = client.get(pdf_url, headers={"Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{size}"


@pytest.mark.parametrize("header", ["bytes=0-10,20-30", "pages=1-2", "bytes=9-3", "bytes=-"])
def test_several_or_invalid_ranges_get_the_whole_file(client, pdf_url, header):
    whole = body(client.get(pdf_url))
    response = client.get(pdf_url, headers={"Range": header})
    assert response.status_code == 200
    assert body(response) == whole


def test_if_range_for_an_older_copy_gets_the_whole_new_file(client, pdf_url):
    response = client.get(pdf_url)
    whole, etag = body(response), response["ETag"]
    assert client.get(pdf_url, headers={"Range": "bytes=0-9", "If-Range": etag}).status_code == 206
    older = client.get(pdf_url, headers={"Range": "bytes=0-9", "If-Range": '"an-older-version"'})
    assert older.status_code == 200
    assert body(older) == whole
    by_date = client.get(pdf_url, headers={"Range": "bytes=0-9", "If-Range": response["Last-Modified"]})
    assert by_date.status_code == 206


def test_a_change_gives_a_new_pdf_never_the_old_one(client, pdf_url, briefed_incident):
    before = client.get(pdf_url)["ETag"]
    briefed_incident.title = "Agent opened a reverse SSH tunnel and mined Monero"
    briefed_incident.save()
    after = client.get(pdf_url)
    assert after["X-Cache"] == "MISS"
    assert after["ETag"] != before
    assert Briefing.objects.filter(incident=briefed_incident).count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_build_the_briefing_once(briefed_incident, monkeypatch):
    from briefings import services

    calls = []
    original = services.incident_briefing_html

    def counted(incident):
        calls.append(1)
        return original(incident)

    monkeypatch.setattr(services, "incident_briefing_html", counted)
    url = f"/incidents/{briefed_incident.public_id}/briefing.pdf"
    responses = at_once(lambda: Client().get(url), 6)
    answers = [(response.status_code, response["X-Cache"], response["ETag"]) for response in responses]
    assert len(calls) == 1
    assert sorted(a[1] for a in answers) == ["HIT"] * 5 + ["MISS"]
    assert {a[0] for a in answers} == {200}
    assert len({a[2] for a in answers}) == 1
    assert Briefing.objects.filter(incident=briefed_incident).count() == 1
