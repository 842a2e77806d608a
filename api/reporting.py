"""/api/v1/serious-incident-reports/: serious-incident reports (EU AI Act
Art. 73; GPAI Code of Practice, Commitment 9) with their clocks, their two
documents, their PDF and the record of each report sent.

Reading follows the incident: anyone reads the reports of public incidents,
editors those of drafts too (api.visibility). Writing needs a token whose
user holds the reporting model permissions, and a report of a public
incident is an editor's to change (incidents.publishing, as for claims and
evidence). The rules on what may be reported live in reporting.services and
run through the models' full_clean: a refused write is a 400 that leaves
nothing behind.
"""

import django_filters
from django.db import transaction
from django.http import JsonResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from incidents.models import AISystem, Incident, Organisation
from reporting.article73 import article73_document
from reporting.code_of_practice import cop_document
from reporting.documents import clock_json, with_document_data
from reporting.models import ReportSubmission, SeriousIncidentReport
from reporting.pdf import request_report_briefing
from reporting.schema import REPORT_SCHEMA

from .briefings import BriefingSerializer
from .fields import StrictModelSerializer
from .permissions import ReadAnyoneWriteWithModelPermission
from .serializers import IncidentPartSerializer, IncidentRef
from .views import ApiViewMixin, WriteMixin
from .visibility import visible_incidents


class MayRecordSubmissions(ReadAnyoneWriteWithModelPermission):
    """Recording a report sent needs reporting.add_reportsubmission."""

    def get_required_permissions(self, method, model_cls):
        return [] if method in permissions.SAFE_METHODS else ["reporting.add_reportsubmission"]


class ClockSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="initial, intermediate-N or final.")
    label = serializers.CharField()
    basis = serializers.CharField(help_text="Where the period comes from.")
    due_at = serializers.DateTimeField(allow_null=True, help_text="End of the last day, in the report's time zone.")
    status = serializers.ChoiceField(choices=["met", "due", "overdue", "unknown"])
    submitted_at = serializers.DateTimeField(allow_null=True)
    late_by_seconds = serializers.FloatField(allow_null=True, help_text="How late it was sent, or is so far.")
    note = serializers.CharField(allow_blank=True)


class SubmissionSerializer(StrictModelSerializer):
    class Meta:
        model = ReportSubmission
        fields = ["id", "stage", "submitted_at", "reference", "note", "created"]
        read_only_fields = ["id", "created"]
        extra_kwargs = {"stage": {"help_text": "initial, follow-up or final; initial and final once per report."}}

    def authorise(self, instance):
        report = self.context["report"]
        self.check_write(incidents=[report.incident])

    def create(self, validated_data):
        return self._save(ReportSubmission(report=self.context["report"]), validated_data)


class SeriousIncidentReportSerializer(IncidentPartSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:seriousincidentreport-detail")
    incident = IncidentRef()
    provider = serializers.SlugRelatedField(
        slug_field="slug", queryset=Organisation.objects.all(),
        help_text="Slug of the reporting organisation: the system's developer, or a developer or deployer linked to the incident.",
    )
    system = serializers.SlugRelatedField(
        slug_field="slug", queryset=AISystem.objects.all(), help_text="Slug of the AI system; it must be linked to the incident."
    )
    member_states = serializers.ListField(
        child=serializers.ChoiceField(choices=SeriousIncidentReport._meta.get_field("member_states").base_field.choices),
        required=False, help_text="ISO 3166-1 alpha-2 codes of the Member States where it occurred (Art. 73(1)).",
    )
    submissions = SubmissionSerializer(many=True, read_only=True)
    clocks = serializers.SerializerMethodField(help_text="Each reporting deadline: met, due, overdue or unknown.")
    page_url = serializers.SerializerMethodField(help_text="The report's web page.")
    article73_url = serializers.SerializerMethodField()
    code_of_practice_url = serializers.SerializerMethodField()

    class Meta:
        model = SeriousIncidentReport
        fields = [
            "url", "id", "incident", "provider", "system", "regime", "category", "widespread_infringement", "stage",
            "eu_database_id", "member_states", "started_on", "ended_on", "detected_at", "aware_at", "time_zone",
            "resolved_on", "affected_persons", "affected_persons_description", "chain_of_events",
            "model_involvement_material", "remedial_actions", "recommendations_to_authorities", "root_cause",
            "post_market_patterns", "causal_link", "authorities_notified", "submissions", "clocks", "page_url",
            "article73_url", "code_of_practice_url", "created", "updated",
        ]
        read_only_fields = ["id", "created", "updated"]

    def _absolute(self, path):
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(ClockSerializer(many=True))
    def get_clocks(self, report) -> list[dict]:
        now = self.context.get("now") or timezone.now()
        return [clock_json(clock) for clock in report.clocks(now)]

    def get_page_url(self, report) -> str:
        return self._absolute(report.get_absolute_url())

    def get_article73_url(self, report) -> str:
        return self._absolute(report.get_absolute_url() + "article73.json")

    def get_code_of_practice_url(self, report) -> str:
        return self._absolute(report.get_absolute_url() + "code-of-practice.json")


class ReportFilter(django_filters.FilterSet):
    incident = django_filters.CharFilter(field_name="incident__public_id", help_text="Public identifier.")
    regime = django_filters.ChoiceFilter(choices=SeriousIncidentReport.Regime.choices)
    stage = django_filters.ChoiceFilter(choices=SeriousIncidentReport.Stage.choices)

    class Meta:
        model = SeriousIncidentReport
        fields = ["incident", "regime", "stage"]


@extend_schema_view(
    list=extend_schema(summary="Serious-incident reports, with their deadlines"),
    retrieve=extend_schema(summary="One serious-incident report"),
    create=extend_schema(summary="Prepare a serious-incident report (token with reporting.add_seriousincidentreport)"),
    update=extend_schema(summary="Replace a report (token with reporting.change_seriousincidentreport)"),
    partial_update=extend_schema(summary="Change a report (token with reporting.change_seriousincidentreport)"),
)
class SeriousIncidentReportViewSet(
    ApiViewMixin, WriteMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    serializer_class = SeriousIncidentReportSerializer
    filterset_class = ReportFilter
    ordering_fields = ["created", "updated", "aware_at", "id"]
    ordering = ["id"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    # One report's documents are its own addresses; a whole-set export adds nothing.
    exportable = False

    def get_queryset(self):
        # The writer sees what they wrote, as the other write endpoints do (api.views.WriteMixin).
        incidents = Incident.objects.all() if getattr(self, "after_write", False) else visible_incidents(self.request.user)
        reports = SeriousIncidentReport.objects.filter(incident__in=incidents).order_by("id")
        return with_document_data(reports)

    @extend_schema(summary="The Article 73 document (sections A-G)", responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], url_path="article73", url_name="article73")
    def article73(self, request, pk=None):
        return Response(article73_document(self.get_object()))

    @extend_schema(summary="The Code of Practice document (measure 9.2, nine items)", responses={200: OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], url_path="code-of-practice", url_name="code-of-practice")
    def code_of_practice(self, request, pk=None):
        return Response(cop_document(self.get_object()))

    @extend_schema(
        summary="Request the report's PDF",
        description="Queues a render of the report's current content on the PDF workers, unless the same content "
        "is already stored. Answers 202 with the briefing; poll its `url` until `status` is `ready`.",
        request=None,
        responses={202: BriefingSerializer},
    )
    @action(detail=True, methods=["post"], url_path="pdf", url_name="pdf", permission_classes=[permissions.AllowAny])
    def pdf(self, request, pk=None):
        # Anyone who may read the report may ask: an unchanged report renders nothing.
        briefing = request_report_briefing(self.get_object())
        data = BriefingSerializer(briefing, context=self.get_serializer_context()).data
        return Response(data, status=202, headers={"Location": data["url"]})

    @extend_schema(
        summary="Record a report sent to an authority (token with reporting.add_reportsubmission)",
        request=SubmissionSerializer,
        responses={201: SubmissionSerializer, 400: OpenApiResponse(description="Sent before awareness, or a stage twice.")},
    )
    @action(detail=True, methods=["post"], url_path="submissions", url_name="submissions",
            permission_classes=[MayRecordSubmissions])
    def submissions(self, request, pk=None):
        report = self.get_object()
        serializer = SubmissionSerializer(data=request.data, context={**self.get_serializer_context(), "report": report})
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            serializer.save()
        return Response(serializer.data, status=201)


def report_schema(request):
    """The JSON Schema of the two report documents (reporting.schema)."""
    response = JsonResponse(REPORT_SCHEMA, json_dumps_params={"indent": 2})
    response["Content-Type"] = "application/schema+json"
    return response
