"""The search box and sort order of the incident list, cleaned from the URL.

Facet parameters are cleaned by incidents.facets; this form handles the
free text and the sort, and never rejects a request: an over-long or odd
query is normalised and the page says so.
"""

from django import forms

from .search import MAX_QUERY_LENGTH, normalise_query
from .selectors import SORTS


class IncidentSearchForm(forms.Form):
    q = forms.CharField(required=False, label="Search incidents", strip=True)
    sort = forms.ChoiceField(required=False, choices=list(SORTS.items()), label="Sort by")

    def search_params(self) -> tuple[str, str, list[str]]:
        """(normalised text, sort key or "", notices for the reader)."""
        notices = []
        raw = self.data.get("q", "") or ""
        text = normalise_query(raw)
        if len(" ".join(raw.split())) > MAX_QUERY_LENGTH:
            notices.append(f"Your search was shortened to its first {MAX_QUERY_LENGTH} characters.")
        sort = self.data.get("sort", "") or ""
        if sort and sort not in SORTS:
            notices.append("The sort order was not recognised; showing the default order.")
            sort = ""
        return text, sort, notices


def results_query(text: str, sort: str, selection) -> list[tuple[str, str]]:
    """The list page's results as query parameters, for its download links:
    the search actually run (`text`: the corrected one where the page shows
    a correction's results), the sort the page used, and the cleaned facet
    values only (what the page ignored is not passed on). The API's
    incident list and export read these names as the page does (`q`,
    `sort`, the facets, `reproduction=yes|no`), never correcting a search,
    so they select the same incidents in the same order."""
    params = [("q", text)] if text else []
    if sort:
        params.append(("sort", sort))
    params += [(facet.param, str(value)) for facet, value, _label in selection.active()]
    return params
