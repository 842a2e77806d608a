"""Facets of the incident list: which query parameters filter what, how a
raw parameter is cleaned, and how the counts beside each value are computed.

Facets are disjunctive: values within one facet are alternatives (OR), facets
combine with AND, and the count beside a value is the number of results if
that value were added, i.e. counted under every *other* active facet. All
facets are counted in one query (see facet_counts), so the page's query
count never depends on the data.

Every filter is backed by an index: the fixed-choice fields carry
`db_index`, years filter on the indexed year of `models.incident_year`, the related
facets go through the indexed foreign keys of their link tables, and
has-reproduction is a column the database keeps (Incident.has_reproduction).
"""

import json
import re
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q
from django.db.models.lookups import In

from . import taxonomy
from .generations import CACHE_SECONDS, generation_key
from .models import Incident, IncidentOrganisation, IncidentSystem, TaxonomyTerm, incident_year

MAX_VALUES_PER_FACET = 20
MAX_RELATED_VALUES_SHOWN = 40
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,200}$")
YEAR_RANGE = (1900, 2100)


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool
    group: str = ""


@dataclass
class FacetResult:
    param: str
    label: str
    values: list[FacetValue] = field(default_factory=list)
    # Related facets (taxonomy) show their values in groups, e.g. by scheme.
    groups: list[tuple[str, list[FacetValue]]] = field(default_factory=list)

    @property
    def any_selected(self) -> bool:
        return any(v.selected for v in self.values)


def has_reproduction_q() -> Q:
    """Incidents with a verdict on at least one of their claims: a column
    that triggers keep (Incident.has_reproduction), included in the facet
    indexes, so counting and filtering by it read no rows."""
    return Q(has_reproduction=True)


class ChoiceFacet:
    """A facet over a fixed set of values, counted in the shared aggregate."""

    def __init__(self, param, label, choices, lookup=None, coerce=str):
        self.param = param
        self.label = label
        self.choices = [(coerce(value), str(text)) for value, text in choices]
        self.lookup = lookup or param
        self.coerce = coerce

    def clean(self, raw_values) -> list:
        allowed = {value for value, _ in self.choices}
        cleaned = []
        for raw in raw_values[:MAX_VALUES_PER_FACET]:
            try:
                value = self.coerce(raw)
            except (TypeError, ValueError):
                continue
            if value in allowed and value not in cleaned:
                cleaned.append(value)
        return cleaned

    def value_q(self, value) -> Q:
        return Q(**{self.lookup: value})

    def q(self, values) -> Q:
        return Q(**{f"{self.lookup}__in": values})

    def label_for(self, value) -> str:
        return dict(self.choices).get(value, str(value))

    def column_expression(self):
        """The incident column (or expression) that facet_counts groups by."""
        return F(self.lookup)

    def column_value(self, grouped):
        """The facet value of a counted group's column."""
        return grouped

    def column_values(self, values) -> list:
        """The column values that the chosen facet values select."""
        return values


class ReproductionFacet(ChoiceFacet):
    def __init__(self):
        super().__init__("reproduction", "Reproduction", [("yes", "Has a reproduction"), ("no", "No reproduction yet")])

    def value_q(self, value) -> Q:
        return has_reproduction_q() if value == "yes" else ~has_reproduction_q()

    def q(self, values) -> Q:
        if set(values) == {"yes", "no"}:
            return Q()
        return self.value_q(values[0])

    def column_expression(self):
        return F("has_reproduction")

    def column_value(self, grouped):
        return "yes" if grouped else "no"

    def column_values(self, values) -> list:
        return [value == "yes" for value in values]


def occurred_in_years(years) -> Q:
    """Incidents filed under one of `years`: the year they occurred or,
    where that is not known, the year they were first reported
    (models.incident_year; by the occurrence date alone, eight of the nine
    curated entries had no year). The condition is the year itself (not a
    date range), so the index `incident_public_year` finds a year's
    incidents already in the list's order."""
    return Q(In(incident_year(), sorted(set(years)))) if years else Q()


class YearFacet:
    """The year of the incident (see occurred_in_years)."""

    param = "year"
    label = "Year"

    def clean(self, raw_values) -> list:
        cleaned = []
        for raw in raw_values[:MAX_VALUES_PER_FACET]:
            try:
                year = int(raw)
            except (TypeError, ValueError):
                continue
            if YEAR_RANGE[0] <= year <= YEAR_RANGE[1] and year not in cleaned:
                cleaned.append(year)
        return cleaned

    def q(self, values) -> Q:
        return occurred_in_years(values)

    def label_for(self, value) -> str:
        return str(value)

    def column_expression(self):
        return incident_year()

    def column_value(self, grouped):
        return int(grouped)

    def column_values(self, values) -> list:
        return values


class RelatedFacet:
    """A facet over a many-to-many link (taxonomy, organisation, AI system),
    selected by slug and counted through the link table."""

    def __init__(self, param, label, link_model, incident_field, target_field, target_model, group_field=None,
                 unique_pairs=False, rollup=False):
        self.param = param
        # Whether a value covers the values below it (taxonomy terms: incidents.taxonomy).
        self.rollup = rollup
        self.subtrees = {}
        # Whether the link table holds each (incident, target) pair once
        # (taxonomy); organisation and system links repeat a pair per role.
        self.unique_pairs = unique_pairs
        self.label = label
        self.link_model = link_model
        self.incident_field = incident_field
        self.target_field = target_field
        self.target_model = target_model
        self.group_field = group_field
        self.names = {}

    def clean(self, raw_values) -> list:
        slugs = []
        for raw in raw_values[:MAX_VALUES_PER_FACET]:
            if SLUG_RE.match(raw or "") and raw not in slugs:
                slugs.append(raw)
        if not slugs:
            return []
        # Unknown slugs are dropped (the page says so) rather than silently
        # emptying the results; the names found label the active filters.
        if self.rollup:
            # The same one query finds each term's name and the terms below it.
            found = self.subtrees = taxonomy.subtrees(slugs)
        else:
            fields = ["slug", "name"] + ([self.group_field] if self.group_field else [])
            found = {row["slug"]: row for row in self.target_model.objects.filter(slug__in=slugs).values(*fields)}
        self.names = {slug: str(row["name"]) for slug, row in found.items()}
        return [slug for slug in slugs if slug in found]

    def q(self, values) -> Q:
        if self.rollup:
            if not set(values) <= set(self.subtrees):
                self.subtrees.update(taxonomy.subtrees([v for v in values if v not in self.subtrees]))
            ids = {pk for value in values if value in self.subtrees for pk in self.subtrees[value]["ids"]}
            return Q(pk__in=taxonomy.links_under(sorted(ids)).values(self.incident_field))
        links = self.link_model.objects.filter(**{f"{self.target_field}__slug__in": values})
        return Q(pk__in=links.values(self.incident_field))

    def label_for(self, value) -> str:
        return self.names.get(value, value)

    def count_sql(self, where: str) -> str:
        """A SELECT of (param, [slug, name, group], incidents) for the most
        frequent values among the matching incidents `m` that meet `where`
        (see facet_counts). The (incident, value) pairs are de-duplicated
        as integers before the names are joined; links that hold each pair
        once skip even that. A facet that rolls up (taxonomy) counts each
        incident once under its terms and every term above them."""
        link = self.link_model._meta
        incident_column = link.get_field(self.incident_field).column
        target_column = link.get_field(self.target_field).column
        group = f't."{self.group_field}"' if self.group_field else "''"
        if self.rollup:
            # Each link counts for its term and every term above it, once per incident.
            pairs = f"""
                SELECT DISTINCT m.incident_id, c.root_id AS target_id
                FROM m JOIN "{link.db_table}" AS l ON l."{incident_column}" = m.incident_id
                JOIN ({taxonomy.closure_sql()}) AS c ON c.term_id = l."{target_column}"
                WHERE {where}
            """
        else:
            pairs = f"""
                SELECT {"" if self.unique_pairs else "DISTINCT"} m.incident_id, l."{target_column}" AS target_id
                FROM m JOIN "{link.db_table}" AS l ON l."{incident_column}" = m.incident_id
                WHERE {where}
            """
        return f"""
            SELECT %s, jsonb_build_array(t.slug, t.name, {group}), c.n
            FROM (
                SELECT pairs.target_id, COUNT(*) AS n
                FROM ({pairs}) AS pairs
                GROUP BY pairs.target_id
                ORDER BY n DESC, pairs.target_id
                LIMIT {int(MAX_RELATED_VALUES_SHOWN)}
            ) AS c
            JOIN "{self.target_model._meta.db_table}" AS t ON t.id = c.target_id
        """

    def result(self, rows, selected) -> FacetResult:
        """The facet's values from count_sql's rows, most frequent first."""
        values = []
        seen = set()
        for (slug, name, group), n in sorted(rows, key=lambda row: (-row[1], row[0][1])):
            seen.add(slug)
            values.append(FacetValue(slug, str(name), n, slug in selected, group or ""))
        for slug in selected:
            if slug not in seen:
                values.insert(0, FacetValue(slug, self.label_for(slug), 0, True))
        result = FacetResult(self.param, self.label, values)
        if self.group_field:
            labels = dict(self.target_model._meta.get_field(self.group_field).choices)
            order = [key for key, _ in self.target_model._meta.get_field(self.group_field).choices]
            grouped = {}
            for value in values:
                grouped.setdefault(value.group, []).append(value)
            result.groups = [(labels.get(key, key), grouped[key]) for key in order if key in grouped]
            result.groups += [(key or "Other", vals) for key, vals in grouped.items() if key not in order]
        return result


def build_facets():
    """A fresh set of facets per request (related facets remember the names they looked up)."""
    return [
        ChoiceFacet("kind", "Kind", Incident.Kind.choices),
        ChoiceFacet("status", "Status", Incident.Status.choices),
        ChoiceFacet("severity", "Severity", reversed(Incident.Severity.choices), coerce=int),
        ChoiceFacet("setting", "Setting", Incident.Setting.choices),
        YearFacet(),
        RelatedFacet(
            "taxonomy", "Taxonomy", Incident.taxonomy.through, "incident", "taxonomyterm", TaxonomyTerm,
            group_field="scheme", unique_pairs=True, rollup=True,
        ),
        RelatedFacet(
            "organisation", "Organisation", IncidentOrganisation, "incident", "organisation",
            IncidentOrganisation._meta.get_field("organisation").related_model,
        ),
        RelatedFacet(
            "system", "AI system", IncidentSystem, "incident", "system",
            IncidentSystem._meta.get_field("system").related_model,
        ),
        ReproductionFacet(),
    ]


@dataclass
class FacetSelection:
    """The cleaned facet parameters of one request."""

    facets: list
    selected: dict  # param -> cleaned values
    ignored: list  # (param, raw value) pairs that were not understood (the first few per facet)
    ignored_count: int = 0  # how many raw values were dropped in all

    def q(self, except_param=None) -> Q:
        q = Q()
        for facet in self.facets:
            values = self.selected.get(facet.param)
            if values and facet.param != except_param:
                q &= facet.q(values)
        return q

    def active(self) -> list[tuple]:
        """(facet, value, label) for every active filter, in facet order."""
        return [
            (facet, value, facet.label_for(value))
            for facet in self.facets
            for value in self.selected.get(facet.param, [])
        ]


def parse_facets(params) -> FacetSelection:
    """Clean the facet parameters of a QueryDict; unknown or malformed
    values are dropped and reported in `ignored`, never an error."""
    facets = build_facets()
    selected, ignored, ignored_count = {}, [], 0
    for facet in facets:
        raw = [v for v in params.getlist(facet.param) if v != ""]
        cleaned = facet.clean(raw)
        if cleaned:
            selected[facet.param] = cleaned
        kept = {str(v) for v in cleaned}
        dropped = [(facet.param, value) for value in raw[:MAX_VALUES_PER_FACET] if value not in kept]
        ignored += dropped
        ignored_count += len(dropped) + max(len(raw) - MAX_VALUES_PER_FACET, 0)
    return FacetSelection(facets, selected, ignored, ignored_count)


# Counting facets is the costly part of the list page (five grouped queries
# over every matching incident), and the same counts serve every page and
# sort order of one search: they are cached under the data's current
# generation (incidents.generations).


def _cache_key(text: str, selection: FacetSelection, *extra) -> str:
    chosen = sorted((param, sorted(str(v) for v in values)) for param, values in selection.selected.items())
    return generation_key(text, chosen, *extra)


def page_ids_key(text: str, selection: FacetSelection, sort: str, bottom: int, top: int) -> str:
    """The cache key of one page of results' ids, in the same generation as
    the counts: a search repeated before the data changes skips its ranking."""
    return _cache_key(text, selection, "page-ids", sort, bottom, top)


def ranking_key(text: str, selection: FacetSelection, sort: str) -> str:
    """The cache key of a search's whole ordered list of result ids, in the
    same generation as its counts."""
    return _cache_key(text, selection, "ranking", sort)


def cached_facet_counts(text: str, selection: FacetSelection):
    """(total, facets) counted earlier for this search text and selection
    in the current generation, or None."""
    return cache.get(_cache_key(text, selection))


def store_facet_counts(text: str, selection: FacetSelection, counts) -> None:
    cache.set(_cache_key(text, selection), counts, CACHE_SECONDS)


def facet_counts(base, selection: FacetSelection) -> tuple[int, list[FacetResult]]:
    """The number of results under every active facet, and each facet's
    values with their disjunctive counts, in one query. `base` is the
    published, searched queryset before facets.

    The matching incidents are read once, into a materialized CTE holding
    each one's kind, status, severity, setting, year and has-reproduction
    and, for every active related facet, whether it has a chosen value. Each
    facet is then counted over that in-memory set under every *other* active
    facet, the related facets through their link tables. A search's match
    (for a common word, a scan of every stored vector) thus runs once per
    page instead of once per counting query."""
    column_facets = [facet for facet in selection.facets if hasattr(facet, "column_expression")]
    chosen = [facet for facet in selection.facets if selection.selected.get(facet.param)]
    columns = {f"c_{facet.param}": facet.column_expression() for facet in column_facets}
    for facet in chosen:
        if facet not in column_facets:
            q = facet.q(selection.selected[facet.param])
            columns[f"r_{facet.param}"] = ExpressionWrapper(q, output_field=BooleanField())
    matches_sql, matches_params = base.order_by().values(incident_id=F("pk"), **columns).query.sql_with_params()

    def under_others(except_param=None) -> tuple[str, list]:
        """The WHERE condition on `m` of every active facet but one."""
        conditions, params = [], []
        for facet in chosen:
            if facet.param == except_param:
                continue
            if facet in column_facets:
                conditions.append(f'm."c_{facet.param}" = ANY(%s)')
                params.append(facet.column_values(selection.selected[facet.param]))
            else:
                conditions.append(f'm."r_{facet.param}"')
        return " AND ".join(conditions) or "TRUE", params

    where, params = under_others()
    parts = [f"SELECT '', NULL::jsonb, COUNT(*) FROM m WHERE {where}"]
    params = list(matches_params) + params
    for facet in selection.facets:
        where, where_params = under_others(facet.param)
        if facet in column_facets:
            column = f'm."c_{facet.param}"'
            parts.append(f"SELECT %s, to_jsonb({column}), COUNT(*) FROM m WHERE {where} GROUP BY {column}")
        else:
            parts.append(facet.count_sql(where))
        params += [facet.param] + where_params
    sql = f"WITH m AS MATERIALIZED ({matches_sql}) " + " UNION ALL ".join(f"({part})" for part in parts)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()

    counted = {facet.param: [] for facet in selection.facets}
    total = 0
    for param, value, n in rows:
        if not param:
            total = n
        elif value is not None:  # None: incidents without a date have no year
            # Django's backend leaves jsonb as text (its JSONField parses it).
            counted[param].append((json.loads(value), n))
    results = []
    for facet in selection.facets:
        selected = selection.selected.get(facet.param, [])
        if facet not in column_facets:
            results.append(facet.result(counted[facet.param], selected))
            continue
        by_value = {facet.column_value(value): n for value, n in counted[facet.param]}
        if isinstance(facet, YearFacet):
            for year in selected:
                by_value.setdefault(year, 0)
            values = [FacetValue(str(y), str(y), n, y in selected) for y, n in sorted(by_value.items(), reverse=True)]
        else:
            values = [
                FacetValue(str(value), label, by_value.get(value, 0), value in selected)
                for value, label in facet.choices
            ]
        results.append(FacetResult(facet.param, facet.label, values))
    return total, results
