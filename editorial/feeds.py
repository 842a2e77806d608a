"""One incident's changes as an Atom feed (/incidents/<public-id>/changes.atom):
the entries of its "What changed" section (editorial.changes), for a
reader who follows one story.

The shape is the incidents feed's (incidents.feeds: XML-safe text, the
stylesheet that makes it readable in a browser, Accept handling); only the
hooks that differ are overridden. Each entry's id is a tag: URI built from
the record it tells of (a revision, a status change, a verdict), so a feed
reader never shows the same change twice. A merged entry's feed redirects
to its survivor's, as its page does; a draft's or an unknown id's is a 404.
"""

from typing import NamedTuple

from django.http import HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils.html import escape

from incidents.feeds import IncidentsFeed
from incidents.visibility import public_incidents, resolve_public_id

from .changes import Kind, incident_changes

TAG = "tag:aikb,2025"


class _Item(NamedTuple):
    incident: object
    change: object


class IncidentChangesFeed(IncidentsFeed):
    author_name = "AI Incident Knowledge Base"

    def __call__(self, request, public_id):
        target = resolve_public_id(public_id)  # a 404 for unknown ids and drafts
        if target.public_id != public_id:
            return HttpResponsePermanentRedirect(reverse("incident-changes-feed", args=[target.public_id]))
        return super().__call__(request, public_id=public_id)

    def get_object(self, request, public_id):
        return public_incidents().get(public_id=public_id)

    def title(self, incident):
        return f"What changed: {incident.public_id}: {incident.title}"

    def subtitle(self, incident):
        return "Changes to this entry of the AI Incident Knowledge Base, newest first, in plain words."

    def link(self, incident):
        return incident.get_absolute_url()

    def feed_url(self, incident):
        return reverse("incident-changes-feed", args=[incident.public_id])

    def feed_guid(self, incident):
        return f"{TAG}:{incident.public_id}:changes"

    def items(self, incident):
        return [_Item(incident, change) for change in incident_changes(incident)]

    def item_title(self, item):
        return item.change.sentence

    def item_description(self, item):
        return f"<p>{escape(item.change.text)}</p>"

    def item_link(self, item):
        return item.change.link or f"{item.incident.get_absolute_url()}#changes"

    def item_pubdate(self, item):
        return item.change.when

    def item_updateddate(self, item):
        return item.change.when

    def item_guid(self, item):
        return f"{TAG}:{item.incident.public_id}:change:{item.change.key}"

    def item_categories(self, item):
        return [Kind(item.change.kind).label]
