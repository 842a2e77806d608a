"""Atom feed of new and updated incidents (/feeds/incidents.atom).

Opened in a browser, the feed reads as a page: it names an XSLT stylesheet
(static/feeds/atom.xsl) that renders it as HTML with the site's CSS, within
the site's Content-Security-Policy (same-origin files only, no inline
script or style). Feed readers ignore the instruction. Chromium shows
application/atom+xml as plain text without applying the stylesheet, so a
browser (one that asks for text/html) gets the same XML as application/xml.

Monitoring (GPAI Code of Practice, measure 9.1: providers keep track of
serious incidents, reviewing incident databases among other sources): the
feed takes repeatable `organisation=<slug>` and `system=<slug>` and a
`role=developer|deployer|affected|researcher`, with the API list's meaning
(values of one parameter are alternatives, parameters combine with AND; a
role narrows the organisation links). An unknown slug or role answers 400
in plain text naming it (never cached: only 200s are). The shared response
cache keys on the full path, so each filter is its own cache entry.
"""

from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.db.models import Q
from django.http import HttpResponseBadRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.feedgenerator import Atom1Feed, Stylesheet
from django.utils.xmlutils import SimplerXMLGenerator

from .licence import LICENCE_NAME, LICENCE_URL
from .models import AISystem, IncidentOrganisation, IncidentSystem, Organisation
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


FILTER_PARAMS = ("organisation", "system", "role")
ROLES = tuple(IncidentOrganisation.Role.values)
MAX_FILTER_VALUES = 20


class FeedFilterError(ValueError):
    """A filter the feed cannot apply; the message names the value."""


@dataclass(frozen=True)
class FeedFilter:
    organisations: tuple = ()  # Organisation rows
    systems: tuple = ()  # AISystem rows
    roles: tuple[str, ...] = ()

    def __bool__(self):
        return bool(self.organisations or self.systems or self.roles)

    def q(self) -> Q:
        """Incidents matching the filter (the API list's `_links` semantics)."""
        match = Q()
        if self.organisations or self.roles:
            links = IncidentOrganisation.objects.all()
            if self.organisations:
                links = links.filter(organisation__in=[o.pk for o in self.organisations])
            if self.roles:
                links = links.filter(role__in=self.roles)
            match &= Q(pk__in=links.values("incident_id"))
        if self.systems:
            match &= Q(pk__in=IncidentSystem.objects.filter(system__in=[s.pk for s in self.systems]).values("incident_id"))
        return match

    def describe(self) -> str:
        parts = []
        if self.organisations:
            names = " or ".join(o.name for o in self.organisations)
            parts.append(f"{names} as {' or '.join(self.roles)}" if self.roles else names)
        elif self.roles:
            parts.append(f"an organisation as {' or '.join(self.roles)}")
        if self.systems:
            parts.append(" or ".join(s.name for s in self.systems))
        return " and ".join(parts)


def _slugs(params, name) -> list[str]:
    values = [v.strip() for v in params.getlist(name)]
    if any(not v for v in values):
        raise FeedFilterError(f"Give a value for {name}=, or leave it out.")
    if len(values) > MAX_FILTER_VALUES:
        raise FeedFilterError(f"At most {MAX_FILTER_VALUES} values of {name}=.")
    return sorted(set(values))


def feed_filter(params) -> FeedFilter:
    """Read `organisation`, `system` and `role` from query parameters.
    Raises FeedFilterError naming an unknown slug or role. Drafts do not
    matter here: a slug only drafts name matches nothing public."""
    found = {}
    for name, model in (("organisation", Organisation), ("system", AISystem)):
        slugs = _slugs(params, name)
        rows = list(model.objects.filter(slug__in=slugs).order_by("name", "pk")) if slugs else []
        missing = sorted(set(slugs) - {row.slug for row in rows})
        if missing:
            shown = ", ".join(repr(m[:60]) for m in missing)
            raise FeedFilterError(f"Unknown {name} {shown}; use the slug from its page (/{name}s/).")
        found[name] = tuple(rows)
    roles = _slugs(params, "role")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise FeedFilterError(f"Unknown role {unknown[0][:40]!r}; use {', '.join(ROLES)}.")
    return FeedFilter(organisations=found["organisation"], systems=found["system"], roles=tuple(roles))


def latest_entries(selected: FeedFilter | None = None):
    """The feed's entries: the published incidents changed most recently
    (those matching the filter, if one is given). The feed and its page for
    people (/feeds/) both show these."""
    incidents = public_incidents()
    if selected:
        incidents = incidents.filter(selected.q())
    return incidents.order_by("-updated", "-id")[:FEED_SIZE]


class IncidentsFeed(Feed):
    feed_type = XmlSafeAtom1Feed
    base_title = "AI Incident Knowledge Base: new and updated incidents"
    subtitle = "Incidents, research findings and hazards, newest revision first."
    author_name = "AI Incident Knowledge Base"
    feed_copyright = f"Text and data: {LICENCE_NAME} ({LICENCE_URL})"

    def stylesheets(self):
        return [Stylesheet(static("feeds/atom.xsl"), mimetype="text/xsl")]

    def __call__(self, request, *args, **kwargs):
        try:
            response = super().__call__(request, *args, **kwargs)
        except FeedFilterError as error:
            return HttpResponseBadRequest(f"{error}\n", content_type="text/plain; charset=utf-8")
        if "text/html" in request.headers.get("Accept", ""):
            response["Content-Type"] = "application/xml; charset=utf-8"
        patch_vary_headers(response, ["Accept"])
        return response

    def get_object(self, request, *args, **kwargs):
        """The filter asked for (empty when none): organisation, system, role."""
        return feed_filter(request.GET)

    def title(self, selected):
        base = type(self).base_title
        return f"{base} involving {selected.describe()}" if selected else base

    def link(self):
        return reverse("incident-list")

    def feed_url(self, selected):
        return self.filtered_url(reverse("feed-incidents"), selected)

    @staticmethod
    def filtered_url(url, selected):
        if not selected:
            return url
        from urllib.parse import urlencode

        query = [("organisation", o.slug) for o in selected.organisations]
        query += [("system", s.slug) for s in selected.systems]
        query += [("role", r) for r in selected.roles]
        return f"{url}?{urlencode(query)}"

    def items(self, selected):
        return latest_entries(selected)

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
