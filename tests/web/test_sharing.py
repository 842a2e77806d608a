"""What a link shows when it is shared (Open Graph and Twitter cards), the
favicon, and the Atom feed's stylesheet and licence."""

import re
from html import unescape

import pytest
from django.conf import settings

from incidents.licence import LICENCE_NAME, LICENCE_URL
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def meta(page, attribute, name):
    found = re.findall(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)"', page)
    assert len(found) == 1, (name, found)
    return unescape(found[0])


def test_every_page_has_link_preview_tags_with_absolute_urls(client):
    page = client.get("/methodology/?utm_source=x").content.decode()
    assert meta(page, "property", "og:title") == "Methodology"
    assert meta(page, "property", "og:site_name") == "AI Incident Knowledge Base"
    assert meta(page, "property", "og:type") == "website"
    assert meta(page, "property", "og:url") == "http://testserver/methodology/"
    assert meta(page, "property", "og:description")
    assert meta(page, "property", "og:image").startswith("http://testserver/static/")
    assert meta(page, "name", "twitter:card") == "summary"
    assert meta(page, "name", "twitter:title") == "Methodology"


def test_an_incident_page_shares_its_own_title_and_summary(client):
    incident = IncidentFactory(title="Agent mined <crypto>", summary="An **agent** opened a tunnel & mined.")
    page = client.get(incident.get_absolute_url()).content.decode()
    assert meta(page, "property", "og:title") == f"Agent mined <crypto> ({incident.public_id})"
    assert meta(page, "property", "og:description") == "An agent opened a tunnel & mined."
    assert meta(page, "property", "og:type") == "article"
    assert meta(page, "property", "og:url") == f"http://testserver{incident.get_absolute_url()}"
    assert meta(page, "name", "twitter:description") == "An agent opened a tunnel & mined."


def test_the_favicon_is_linked_and_served(client):
    page = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon and icon.group(1).endswith("favicon.svg")
    assert (settings.BASE_DIR / "static" / "favicon.svg").read_text().startswith("<svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/static/favicon.ico")
    assert (settings.BASE_DIR / "static" / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"


def test_the_feed_names_its_stylesheet_and_licence(client):
    IncidentFactory(title="An incident in the feed")
    body = client.get("/feeds/incidents.atom").content.decode()
    head = body.split("<feed", 1)[0]
    assert re.fullmatch(r'<\?xml version="1.0" encoding="utf-8"\?>\n<\?xml-stylesheet href="/static/feeds/atom.xsl"'
                        r' media="screen" type="text/xsl"\?>', head)
    assert f"<rights>Text and data: {LICENCE_NAME} ({LICENCE_URL})</rights>" in body
    xsl = (settings.BASE_DIR / "static" / "feeds" / "atom.xsl").read_text()
    assert "/static/css/site.css" in xsl and "style=" not in xsl and "<script" not in xsl


def test_a_browser_gets_the_feed_as_xml_it_can_style_and_a_reader_as_atom(client):
    browser = client.get("/feeds/incidents.atom", HTTP_ACCEPT="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
    assert browser["Content-Type"] == "application/xml; charset=utf-8"
    reader = client.get("/feeds/incidents.atom", HTTP_ACCEPT="application/atom+xml, application/xml;q=0.9")
    assert reader["Content-Type"].startswith("application/atom+xml")
    def without_timestamps(body):
        return re.sub(rb"<updated>[^<]*</updated>", b"", body)

    assert without_timestamps(browser.content) == without_timestamps(reader.content)
    assert "Accept" in browser["Vary"] and "Accept" in reader["Vary"]


def test_the_feeds_page_gives_each_address_to_copy_and_what_the_feed_holds(client):
    published = IncidentFactory(title="An incident in the feed")
    IncidentFactory(title="A draft not in the feed", is_published=False)
    response = client.get("/feeds/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<code>http://testserver/feeds/incidents.atom</code>" in page
    assert "<code>http://testserver/api/v1/feeds/claim-status.atom</code>" in page
    assert f'<a href="{published.get_absolute_url()}">{published.public_id}: An incident in the feed</a>' in page
    assert "A draft not in the feed" not in page
    # The footer sends people here, not to the raw XML.
    assert '<a href="/feeds/">Feeds of new and updated incidents</a>' in page


def test_the_feed_stylesheet_is_served_as_xsl():
    from whitenoise.middleware import WhiteNoiseMiddleware

    middleware = WhiteNoiseMiddleware(get_response=lambda request: None)
    assert middleware.media_types.get_type("feeds/atom.xsl") == "text/xsl"
