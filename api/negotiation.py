"""Content negotiation that answers an unknown `?format=` with 406 naming
the formats the endpoint offers, instead of a bare 404."""

from django.http import Http404
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation


class ApiContentNegotiation(DefaultContentNegotiation):
    def filter_renderers(self, renderers, format):
        try:
            return super().filter_renderers(renderers, format)
        except Http404:
            offered = ", ".join(sorted({r.format for r in renderers}))
            raise exceptions.ValidationError({"format": [f"Unknown format {format!r}; this endpoint offers: {offered}."]}) from None
