"""Atom feed of new and updated incidents (/feeds/incidents.atom).

Opened in a browser, the feed reads as a page: it names an XSLT stylesheet
(static/feeds/atom.xsl) that renders it as HTML with the site's CSS, within
the site's Content-Security-Policy (same-origin files only, no inline
script or style). Feed readers ignore the instruction. Chromium shows
application/atom+xml as plain text without applying the stylesheet, so a
browser (one that asks for text/html) gets the same XML as application/xml.
"""

from django.contrib.syndication.views import Feed
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.feedgenerator import Atom1Feed, Stylesheet
from django.utils.xmlutils import SimplerXMLGenerator

from .licence import LICENCE_NAME, LICENCE_URL
from .rendering import render_markdown
from .text import for_xml
from .visibility import public_incidents

FEED_SIZE = 50


def _xml_safe(value):
    if isinstance(value, (list, tuple)):
        return type(value)(_xml_safe(item) for item in value)
    return for_xml(value)


class XmlSafeAtom1Feed(Atom1Feed):
    """Atom with every text stripped of what XML 1.0 cannot carry: one
    stored control character (written before text was checked at the door,
    or by raw SQL) made Django's XML writer fail the whole feed for everyone."""

    def __init__(self, *args, **kwargs):
        super().__init__(*(_xml_safe(a) for a in args), **{k: _xml_safe(v) for k, v in kwargs.items()})

    def add_item(self, *args, **kwargs):
        super().add_item(*(_xml_safe(a) for a in args), **{k: _xml_safe(v) for k, v in kwargs.items()})

    def write(self, outfile, encoding):
        # Atom1Feed.write leaves out the stylesheets that Django writes for RSS
        # only; they must come after the XML declaration and before any tag.
        handler = SimplerXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        for stylesheet in self.feed["stylesheets"] or []:
            handler.processingInstruction("xml-stylesheet", stylesheet)
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")


def latest_entries():
    """The feed's entries: the published incidents changed most recently.
    The feed and its page for people (/feeds/) both show these."""
    return public_incidents().order_by("-updated", "-id")[:FEED_SIZE]


class IncidentsFeed(Feed):
    feed_type = XmlSafeAtom1Feed
    title = "AI Incident Knowledge Base: new and updated incidents"
    subtitle = "Incidents, research findings and hazards, newest revision first."
    author_name = "AI Incident Knowledge Base"
    feed_copyright = f"Text and data: {LICENCE_NAME} ({LICENCE_URL})"

    def stylesheets(self):
        return [Stylesheet(static("feeds/atom.xsl"), mimetype="text/xsl")]

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        if "text/html" in request.headers.get("Accept", ""):
            response["Content-Type"] = "application/xml; charset=utf-8"
        patch_vary_headers(response, ["Accept"])
        return response

    def link(self):
        return reverse("incident-list")

    def feed_url(self):
        return reverse("feed-incidents")

    def items(self):
        return latest_entries()

    def item_title(self, item):
        return f"{item.public_id}: {item.title}"

    def item_description(self, item):
        return render_markdown(item.summary)

    def item_pubdate(self, item):
        return item.created

    def item_updateddate(self, item):
        return item.updated

    def item_guid(self, item):
        # The public id never changes, so readers keep one entry per incident across revisions.
        return f"tag:aikb,2025:{item.public_id}"

    def item_guid_is_permalink(self, item):
        return False

    def item_categories(self, item):
        return [item.get_kind_display(), item.get_status_display()]
