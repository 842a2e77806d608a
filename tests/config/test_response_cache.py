"""The shared response cache (config.response_cache) in one process: what
is kept, for whom, and how it is answered."""

import hashlib
import time

import pytest
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.test import RequestFactory

from api.tokens import issue_token
from config import response_cache
from incidents.models import Incident
from tests.at_once import at_once
from tests.factories import ClaimFactory, IncidentFactory


@pytest.fixture
def incident(db):
    incident = IncidentFactory(title="Agent mined cryptocurrency on its training GPUs", is_published=True)
    ClaimFactory(incident=incident, statement="The agent kept mining after the firewall alert.")
    return incident


def get(client, url, **headers):
    return client.get(url, headers=headers)


def test_second_anonymous_read_is_the_first_ones_bytes_from_the_cache(client, incident):
    url = incident.get_absolute_url()
    first = get(client, url)
    second = get(client, url)
    assert first.status_code == second.status_code == 200
    assert (first["X-Cache"], second["X-Cache"]) == ("MISS", "HIT")
    assert first.content == second.content
    assert first["ETag"] == second["ETag"] == '"' + hashlib.sha256(first.content).hexdigest()[:32] + '"'
    assert first["Last-Modified"] == second["Last-Modified"]


def test_shared_pages_let_a_proxy_keep_them_briefly_and_browsers_ask_again(client, settings, incident):
    settings.RESPONSE_PROXY_SECONDS, settings.RESPONSE_STALE_SECONDS = 15, 45
    response = get(client, incident.get_absolute_url())
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert directives == {"public", "max-age=0", "s-maxage=15", "stale-while-revalidate=45"}


def test_a_saved_change_is_never_answered_from_the_cache(client, incident):
    url = incident.get_absolute_url()
    get(client, url)
    assert get(client, url)["X-Cache"] == "HIT"
    incident.title = "Agent mined Monero on its training GPUs"
    incident.save()
    after = get(client, url)
    assert after["X-Cache"] == "MISS"
    assert b"Agent mined Monero" in after.content


def test_a_matching_if_none_match_gets_304_and_another_gets_the_page(client, incident):
    url = incident.get_absolute_url()
    etag = get(client, url)["ETag"]
    not_modified = get(client, url, if_none_match=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert get(client, url, if_none_match='"something-else"').status_code == 200


def test_if_modified_since_the_last_modified_gets_304(client, incident):
    url = incident.get_absolute_url()
    last_modified = get(client, url)["Last-Modified"]
    assert get(client, url, if_modified_since=last_modified).status_code == 304


def test_an_editors_page_is_neither_kept_nor_shown_to_anyone_else(client, incident, user_with_role):
    url = incident.get_absolute_url()
    client.force_login(user_with_role("editor"))
    mine = get(client, url)
    assert mine.status_code == 200
    assert "X-Cache" not in mine
    assert "private" in mine["Cache-Control"]
    client.logout()
    client.cookies.clear()
    anonymous = get(client, url)
    assert anonymous["X-Cache"] == "MISS"  # the editor's render was not kept


def test_a_reader_with_a_messages_cookie_gets_a_render_of_their_own(client, incident):
    url = incident.get_absolute_url()
    get(client, url)
    client.cookies["messages"] = "something"
    response = get(client, url)
    assert "X-Cache" not in response
    assert "private" in response["Cache-Control"]


def test_a_draft_seen_with_a_token_is_never_answered_to_anonymous_readers(client, db, user_with_role):
    draft = IncidentFactory(title="Unpublished draft about self-exfiltration", is_published=False)
    _, secret = issue_token(user_with_role("editor"), "tests")
    url = f"/api/v1/incidents/{draft.public_id}/"
    mine = client.get(url, headers={"Authorization": f"Bearer {secret}"})
    assert mine.status_code == 200
    assert "X-Cache" not in mine and "private" in mine["Cache-Control"]
    assert client.get(url).status_code == 404
    listing = client.get("/api/v1/incidents/", headers={"Authorization": f"Bearer {secret}"})
    assert b"self-exfiltration" in listing.content
    assert b"self-exfiltration" not in client.get("/api/v1/incidents/").content


def test_api_answers_are_kept_per_representation(client, incident):
    url = "/api/v1/incidents/"
    as_json = client.get(url, headers={"Accept": "application/json"})
    as_csv = client.get(url, headers={"Accept": "text/csv"})
    assert as_json["Content-Type"].startswith("application/json")
    assert as_csv["Content-Type"].startswith("text/csv")
    assert (as_json["X-Cache"], as_csv["X-Cache"]) == ("MISS", "MISS")
    again = client.get(url, headers={"Accept": "text/csv"})
    assert again["X-Cache"] == "HIT"
    assert again.content == as_csv.content
    assert again["Last-Modified"] == as_csv["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": as_json["ETag"], "Accept": "application/json"}).status_code == 304


def test_api_answers_from_the_cache_still_count_against_the_rate(client, settings, incident):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "3/minute"}}
    statuses = [client.get("/api/v1/incidents/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_api_item_change_is_never_answered_from_the_cache(client, incident):
    url = f"/api/v1/incidents/{incident.public_id}/"
    assert b"kept mining after the firewall alert" in client.get(url).content
    assert client.get(url)["X-Cache"] == "HIT"
    Incident.objects.get(pk=incident.pk).claims.first().delete()
    after = client.get(url)
    assert after["X-Cache"] == "MISS"
    statements = [claim["statement"] for claim in after.json()["claims"]]
    assert not any("kept mining after the firewall alert" in statement for statement in statements)


def test_feeds_are_kept_per_accept_header(client, incident):
    for_readers = client.get("/feeds/incidents.atom", headers={"Accept": "text/html"})
    for_machines = client.get("/feeds/incidents.atom", headers={"Accept": "application/atom+xml"})
    assert for_readers["Content-Type"] != for_machines["Content-Type"]
    assert client.get("/feeds/incidents.atom", headers={"Accept": "text/html"})["Content-Type"] == (
        for_readers["Content-Type"])


def test_an_address_not_marked_shared_is_not_kept(client, db):
    first = client.get("/digests/")
    assert first.status_code == 200
    assert "X-Cache" not in first


def test_not_found_is_not_kept(client, db):
    assert client.get("/incidents/AIKB-2099-9999/").status_code == 404
    assert "X-Cache" not in client.get("/incidents/AIKB-2099-9999/")


# The rule for what may be kept, on responses made by hand.

def _request(**meta):
    return RequestFactory().get("/incidents/", **meta)


def test_a_response_with_a_form_token_is_not_kept(db):
    request = _request()

    def render():
        return HttpResponse(f"<input name=csrfmiddlewaretoken value={get_token(request)}>")

    response = response_cache.render_shared(request, (), render)
    assert "X-Cache" not in response
    assert "private" in response["Cache-Control"]
    assert response_cache.render_shared(_request(), (), lambda: HttpResponse("plain"))["X-Cache"] == "MISS"


@pytest.mark.parametrize("spoil", [
    lambda r: r.set_cookie("seen", "1"),
    lambda r: r.__setitem__("Cache-Control", "private"),
    lambda r: r.__setitem__("Cache-Control", "no-store"),
    lambda r: r.__setitem__("Vary", "Cookie"),
    lambda r: setattr(r, "status_code", 201),
])
def test_responses_that_are_someones_are_not_kept(db, spoil):
    def render():
        response = HttpResponse("for one reader")
        spoil(response)
        return response

    response_cache.render_shared(_request(), (), render)
    assert response_cache.render_shared(_request(), (), lambda: HttpResponse("fresh"))["X-Cache"] == "MISS"


def test_a_vary_header_named_by_the_view_is_part_of_the_key(db):
    def render_for(accept):
        def render():
            response = HttpResponse(accept)
            response["Vary"] = "Accept"
            return response
        return render

    html = response_cache.render_shared(_request(HTTP_ACCEPT="text/html"), ("Accept",), render_for("text/html"))
    xml = response_cache.render_shared(_request(HTTP_ACCEPT="text/xml"), ("Accept",), render_for("text/xml"))
    assert (html["X-Cache"], xml["X-Cache"]) == ("MISS", "MISS")
    assert response_cache.render_shared(_request(HTTP_ACCEPT="text/xml"), ("Accept",), render_for("x")).content == (
        b"text/xml")


def test_a_response_rendered_across_a_change_is_not_kept(db, incident):
    def render():
        incident.save()  # the data changes while the page is being made
        return HttpResponse("made from old and new data")

    assert "X-Cache" not in response_cache.render_shared(_request(), (), render)
    assert response_cache.render_shared(_request(), (), lambda: HttpResponse("x"))["X-Cache"] == "MISS"


def test_concurrent_first_requests_make_one_render(db):
    renders = []

    def render():
        renders.append(1)
        time.sleep(0.3)
        return HttpResponse("rendered once")

    answers = at_once(lambda: response_cache.render_shared(_request(), (), render), 8)
    assert len(renders) == 1
    assert sorted(a["X-Cache"] for a in answers) == ["HIT"] * 7 + ["MISS"]
    assert {a.content for a in answers} == {b"rendered once"}


def test_when_the_render_is_not_kept_the_next_waiter_renders(db):
    renders = []

    def render():
        renders.append(1)
        time.sleep(0.1)
        return HttpResponse("error", status=500) if len(renders) == 1 else HttpResponse("good")

    answers = at_once(lambda: response_cache.render_shared(_request(), (), render), 4)
    assert len(renders) == 2
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 500]


def test_other_code_never_serves_the_copies_of_the_previous_code(client, incident, monkeypatch):
    url = incident.get_absolute_url()
    get(client, url)
    assert get(client, url)["X-Cache"] == "HIT"
    monkeypatch.setattr(response_cache, "code_fingerprint", lambda: "a later deployment")
    assert get(client, url)["X-Cache"] == "MISS"


def test_code_fingerprint_changes_with_a_template(settings, tmp_path):
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("one")
    settings.BASE_DIR = tmp_path
    response_cache.code_fingerprint.cache_clear()
    try:
        before = response_cache.code_fingerprint()
        page.write_text("two")
        response_cache.code_fingerprint.cache_clear()
        assert response_cache.code_fingerprint() != before
    finally:
        response_cache.code_fingerprint.cache_clear()
