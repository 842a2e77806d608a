"""Atom feeds for following changes: new and updated incidents, and claim
status changes (what moved, from what to what, and why)."""

from django.contrib.syndication.views import Feed

from incidents.citations import absolute_url
from incidents.feeds import FEED_SIZE, IncidentsFeed, XmlSafeAtom1Feed
from incidents.models import ClaimStatusChange
from incidents.rendering import render_markdown
from incidents.visibility import public_incidents


class IncidentUpdatesFeed(IncidentsFeed):
    """The website's feed of incidents (same items and texts) under the API,
    with absolute links; its entry ids are its own, as subscribers know them."""

    subtitle = "Every public incident, most recently changed first."

    def link(self):
        return absolute_url("/api/v1/incidents/?ordering=-updated")

    def feed_url(self, selected):
        return absolute_url(self.filtered_url("/api/v1/feeds/incidents.atom", selected))

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    def item_guid(self, item):
        # One entry per incident across revisions: the public id never changes.
        return f"tag:aikb,2025:incident:{item.public_id}"

    def item_categories(self, item):
        return [item.kind, item.status]


class ClaimStatusFeed(Feed):
    feed_type = XmlSafeAtom1Feed
    title = "AI Incident Knowledge Base: claim status changes"
    subtitle = "Claims that moved (e.g. supported to contested, or reproduced), newest first, with the reason."
    author_name = "AI Incident Knowledge Base"

    def link(self):
        return absolute_url("/api/v1/claims/?ordering=-updated")

    def feed_url(self):
        return absolute_url("/api/v1/feeds/claim-status.atom")

    def items(self):
        return (
            ClaimStatusChange.objects.filter(claim__incident__in=public_incidents())
            .select_related("claim__incident")
            .order_by("-changed_at", "-id")[:FEED_SIZE]
        )

    def item_title(self, item):
        before = item.get_from_status_display() or "new"
        return f"{item.claim.incident.public_id}: claim {before.lower()} \u2192 {item.get_to_status_display().lower()}"

    def item_description(self, item):
        reason = render_markdown(item.reason) if item.reason else ""
        return f"<p>{_escape(item.claim.statement)}</p>{reason}"

    def item_link(self, item):
        return absolute_url(item.claim.incident.get_absolute_url()) + f"#claim-{item.claim_id}"

    def item_pubdate(self, item):
        return item.changed_at

    def item_updateddate(self, item):
        return item.changed_at

    def item_guid(self, item):
        return f"tag:aikb,2025:claim-status-change:{item.pk}"

    def item_guid_is_permalink(self, item):
        return False

    def item_categories(self, item):
        return [item.to_status]


def _escape(text):
    from django.utils.html import escape

    return escape(text)
