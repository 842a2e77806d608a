"""Atom feed of new and updated incidents (/feeds/incidents.atom)."""

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

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


class IncidentsFeed(Feed):
    feed_type = XmlSafeAtom1Feed
    title = "AI Incident Knowledge Base: new and updated incidents"
    subtitle = "Incidents, research findings and hazards, newest revision first."
    author_name = "AI Incident Knowledge Base"

    def link(self):
        return reverse("incident-list")

    def feed_url(self):
        return reverse("feed-incidents")

    def items(self):
        return public_incidents().order_by("-updated", "-id")[:FEED_SIZE]

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
