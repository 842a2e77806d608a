"""Overview counts of the public incidents: over time, by taxonomy domain,
by organisation and by severity. The insights page, its CSV downloads and
the home page's compact charts all read them from here.

Each count is a grouped query over public_incidents(), or over the link
rows of public incidents (the few hidden ones left out by id, as the
entity pages do): drafts, withdrawn and merged entries are never counted.
A count reads every public incident, and the same counts serve every
reader until the data changes, so each result is remembered under the
data's generation (incidents.generations), as the facet counts are: a
change to the data is never answered from the cache.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count
from django.http import Http404
from django.template.defaultfilters import pluralize
from django.urls import reverse

from . import generations, taxonomy
from .charts import count_bars, count_columns
from .citations import PUBLISHER, absolute_url
from .models import Incident, IncidentOrganisation, TaxonomyTerm, incident_year
from .text import for_csv
from .visibility import hidden_incident_ids, public_incidents

TOP_ORGANISATIONS = 10
# The time axis shows at most this many years; earlier ones are counted
# together in a first column ("Before 1996").
MAX_YEARS = 30
DOMAIN_SCHEME = TaxonomyTerm.Scheme.MIT_DOMAIN
ALL = "all"  # the one series of a chart that is not split
KINDS = tuple(Incident.Kind.choices)


@dataclass(frozen=True)
class Overview:
    """One overview chart's data: counts by category (rows), split by series."""

    slug: str
    title: str
    summary: str  # what is counted, one sentence
    category_label: str  # the heading of the categories' column
    categories: tuple  # (key, label) pairs, in the order shown
    series: tuple  # (key, label) pairs
    counts: dict  # (category key, series key) -> count; absent means 0
    layout: str = "bars"  # "bars", or "columns" for a time axis
    links: dict = field(default_factory=dict)  # category key -> the page of what it counts
    notes: tuple = ()  # what the chart leaves out, and why

    @property
    def split(self) -> bool:
        return len(self.series) > 1

    def rows(self) -> list[dict]:
        """One row per category: its label, link, count per series and total."""
        rows = []
        for key, label in self.categories:
            values = [self.counts.get((key, series), 0) for series, _ in self.series]
            rows.append({"key": key, "label": label, "url": self.links.get(key, ""), "values": values,
                         "total": sum(values)})
        return rows

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def chart(self):
        """The chart's geometry (incidents.charts)."""
        draw = count_columns if self.layout == "columns" else count_bars
        return draw(self.title, self.summary, self.categories, self.series, self.counts)

    def csv_rows(self) -> list[list]:
        """A header, then one row per category: its label, each series' count (when split) and the total."""
        header = [self.category_label] + ([label for _, label in self.series] if self.split else []) + ["Incidents"]
        body = [
            [for_csv(row["label"])] + (row["values"] if self.split else []) + [row["total"]] for row in self.rows()
        ]
        return [header] + body

    @property
    def url(self) -> str:
        return absolute_url(f"{reverse('insights')}#{self.slug}")

    @property
    def permalink(self) -> str:
        """The chart's own page, with its files and embed code."""
        return absolute_url(reverse("insights-chart", args=[self.slug]))

    @property
    def embed_url(self) -> str:
        return absolute_url(reverse("insights-chart-embed", args=[self.slug]))

    def citation(self, accessed: datetime.date) -> str:
        """'"Title". AI Incident Knowledge Base. https://.../insights/#slug. Accessed 3 May 2026.'"""
        return f"\u201c{self.title}\u201d. {PUBLISHER}. {self.url}. Accessed {accessed.day} {accessed:%B %Y}."


def _incident_counts() -> list[tuple]:
    """(year, kind, severity, count) of the public incidents, in one
    grouped query: the year each is filed under (models.incident_year, as
    the year facet), None when it has no date at all."""
    grouped = public_incidents().order_by().values("kind", "severity", year=incident_year()).annotate(n=Count("pk"))
    return generations.remembered("overview", ("incidents",), lambda: [
        (row["year"], row["kind"], row["severity"], row["n"]) for row in grouped
    ])


def public_total() -> int:
    """How many incidents the public may see (from the remembered counts)."""
    return sum(n for _, _, _, n in _incident_counts())


def over_time() -> Overview:
    counts, undated = {}, 0
    rows = _incident_counts()
    years = sorted({year for year, _, _, _ in rows if year is not None})
    categories = []
    if years:
        first = max(years[0], years[-1] - MAX_YEARS + 1)
        if first > years[0]:
            categories.append(("before", f"Before {first}"))
        categories += [(str(year), str(year)) for year in range(first, years[-1] + 1)]
    for year, kind, _, n in rows:
        if year is None:
            undated += n
            continue
        key = str(year) if not years or year >= first else "before"
        counts[(key, kind)] = counts.get((key, kind), 0) + n
    notes = (f"{undated:,} incident{pluralize(undated)} with no known date {pluralize(undated, 'is,are')} "
             "not shown.",) if undated else ()
    return Overview(
        "over-time", "Incidents by year and kind",
        "Published incidents, research findings and hazards by the year they happened or, where that is not "
        "known, the year they were first reported.",
        "Year", tuple(categories), KINDS, counts, layout="columns", notes=notes,
    )


def by_severity() -> Overview:
    counts = {}
    for _, kind, severity, n in _incident_counts():
        counts[(str(severity), kind)] = counts.get((str(severity), kind), 0) + n
    categories = tuple((str(value), label) for value, label in reversed(Incident.Severity.choices))
    return Overview(
        "by-severity", "Incidents by severity and kind",
        "Published entries by severity, most severe first; for a hazard, the harm it could do.",
        "Severity", categories, KINDS, counts,
        links={str(value): f"{reverse('incident-list')}?severity={value}" for value, _ in Incident.Severity.choices},
    )


def _domain_counts() -> dict:
    def compute():
        roots = list(TaxonomyTerm.objects.filter(scheme=DOMAIN_SCHEME, parent__isnull=True)
                     .values("pk", "code", "name", "slug"))
        # Each top-level domain with the distinct public incidents under it
        # or any of its subdomains (incidents.taxonomy, as the taxonomy
        # pages): an incident once per domain, however many subdomains it has.
        hidden_sql, hidden_params = hidden_incident_ids().query.sql_with_params()
        sql = taxonomy.rolled_up_counts_sql(f"l.incident_id NOT IN ({hidden_sql})",
                                            roots="t.scheme = %s AND t.parent_id IS NULL")
        with connection.cursor() as cursor:
            cursor.execute(sql, [DOMAIN_SCHEME.value, *hidden_params])
            counted = dict(cursor.fetchall())
        classified = Incident.taxonomy.through.objects.filter(taxonomyterm__scheme=DOMAIN_SCHEME).exclude(
            incident_id__in=hidden_incident_ids()
        ).aggregate(n=Count("incident_id", distinct=True))["n"]
        return {"roots": roots, "counts": counted, "classified": classified}

    return generations.remembered("overview", ("domains",), compute)


def _code_order(term) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in (term["code"] or "0").split(".")), term["name"]


def by_domain() -> Overview:
    data = _domain_counts()
    roots = sorted(data["roots"], key=_code_order)
    categories = tuple((str(term["pk"]), f"{term['code']} {term['name']}".strip()) for term in roots)
    counts = {(str(pk), ALL): n for pk, n in data["counts"].items()}
    unclassified = max(public_total() - data["classified"], 0)
    notes = ("An incident in several domains is counted in each; one with several subdomains of a domain, once.",)
    if unclassified:
        notes += (f"{unclassified:,} published incident{pluralize(unclassified)} {pluralize(unclassified, 'has,have')} "
                  f"no domain yet and {pluralize(unclassified, 'is,are')} not shown.",)
    return Overview(
        "by-domain", "Incidents by risk domain",
        "Published entries in each domain of the MIT AI Risk Repository, with the entries of its subdomains.",
        "Domain", categories, ((ALL, "Incidents"),), counts,
        links={str(term["pk"]): reverse("taxonomy-detail", args=[term["slug"]]) for term in roots},
        notes=notes,
    )


def _organisation_counts() -> list[dict]:
    return generations.remembered("overview", ("organisations",), lambda: list(
        IncidentOrganisation.objects.exclude(incident_id__in=hidden_incident_ids())
        .order_by()
        .values("organisation_id", "organisation__name", "organisation__slug")
        .annotate(n=Count("incident_id", distinct=True))
        .order_by("-n", "organisation__name", "organisation_id")[:TOP_ORGANISATIONS]
    ))


def by_organisation() -> Overview:
    rows = _organisation_counts()
    return Overview(
        "by-organisation", f"Organisations named in the most incidents (top {TOP_ORGANISATIONS})",
        "Published entries naming each organisation, in any role (developer, deployer, affected party, researcher or reporter).",
        "Organisation",
        tuple((str(row["organisation_id"]), row["organisation__name"]) for row in rows),
        ((ALL, "Incidents"),),
        {(str(row["organisation_id"]), ALL): row["n"] for row in rows},
        links={str(row["organisation_id"]): reverse("organisation-detail", args=[row["organisation__slug"]])
               for row in rows},
    )


CHARTS = {
    "over-time": over_time,
    "by-domain": by_domain,
    "by-organisation": by_organisation,
    "by-severity": by_severity,
}


def overview(slug: str) -> Overview:
    """The chart named `slug`; 404 for any other."""
    if slug not in CHARTS:
        raise Http404("No such chart.")
    return CHARTS[slug]()


def all_charts() -> list[Overview]:
    return [build() for build in CHARTS.values()]


def home_charts() -> list[Overview]:
    """The home page's compact charts: both from one remembered query."""
    return [over_time(), by_severity()]
