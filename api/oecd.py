"""An incident as an OECD-shaped document, and the JSON Schemas of the
documents (docs/oecd.md):

- `GET /api/v1/incidents/<public_id>/oecd/`: the document (published
  entries; editors also see drafts). A merged entry answers 301 with the
  survivor's document address, as the entry's own address does.
- `GET /api/schema/oecd-incident.json` and `/api/schema/oecd-incidents.json`:
  the JSON Schemas (draft 2020-12) of one document and of a set (the
  incidents' export with `?format=oecd`, which the importer reads back).

Thin: the document is incidents.oecd_document's, the schemas
incidents.oecd_schema's.
"""

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions
from rest_framework.response import Response
from rest_framework.views import APIView

from incidents.oecd_document import incident_document
from incidents.oecd_schema import incident_schema, set_schema

from .renderers import FastJSONRenderer
from .shared_responses import SharedResponseMixin
from .views import ApiViewMixin
from .visibility import visible_incidents

SCHEMA_MEDIA_TYPE = "application/schema+json"


# A comment, not a docstring: drf-spectacular would take a docstring as the
# operation's description (see api.shared_responses).
class OecdDocumentView(SharedResponseMixin, ApiViewMixin, APIView):
    renderer_classes = [FastJSONRenderer]
    permission_classes = [permissions.AllowAny]
    http_method_names = ["get", "head", "options"]

    @extend_schema(
        summary="One incident as an OECD common reporting framework document",
        description="The 29 criteria of the OECD common reporting framework under `criteria`, identifiers in "
        "other incident databases, causal attribution and completeness. JSON Schema: "
        "`/api/schema/oecd-incident.json`; docs/oecd.md. An entry merged into another answers 301 with the "
        "surviving entry's document address.",
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The document (aikb-oecd-incident, version 1)."),
            301: OpenApiResponse(description="Merged: see Location."),
            404: OpenApiResponse(description="No published incident has this identifier."),
        },
    )
    def get(self, request, public_id):
        redirect = self.merged_redirect(public_id, "api:incident-oecd")
        if redirect is not None:
            return redirect
        incident = visible_incidents(request.user).filter(public_id=public_id).first()
        if incident is None:
            raise exceptions.NotFound("No published incident has this identifier.")
        return Response(incident_document(incident))


def _schema_response(schema: dict) -> HttpResponse:
    return HttpResponse(json.dumps(schema, indent=2, ensure_ascii=False), content_type=SCHEMA_MEDIA_TYPE)


def oecd_incident_schema(request):
    """The JSON Schema of one OECD-shaped incident document."""
    return _schema_response(incident_schema())


def oecd_incidents_schema(request):
    """The JSON Schema of a set of them (the export's `?format=oecd`)."""
    return _schema_response(set_schema())
