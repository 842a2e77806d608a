"""/api/v1/briefings/: stored PDF briefings and digests, and requests to
render an incident's briefing (202 with the address to poll)."""

import django_filters
from django.db.models import Q
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.response import Response

from briefings.models import Briefing
from briefings.selectors import published_incident
from briefings.services import request_incident_briefing
from incidents.models import Incident

from .views import ApiViewMixin
from .visibility import visible_incidents


class BriefingSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api:briefing-detail")
    incident = serializers.SlugRelatedField(slug_field="public_id", read_only=True)
    download_url = serializers.SerializerMethodField(help_text="The PDF, once `status` is `ready`.")

    class Meta:
        model = Briefing
        fields = [
            "id", "url", "kind", "title", "incident", "status", "error", "download_url",
            "sha256", "page_count", "size_bytes", "render_seconds", "created", "rendered_at",
        ]
        read_only_fields = fields

    def get_download_url(self, briefing) -> str | None:
        if not briefing.is_ready:
            return None
        return self.context["request"].build_absolute_uri(reverse("briefing-download", args=[briefing.pk]))


class BriefingRequestSerializer(serializers.Serializer):
    incident = serializers.CharField(max_length=20, help_text="Public identifier, e.g. AIKB-2025-0001.")

    def validate_incident(self, value):
        try:
            return published_incident(value.strip())
        except Incident.DoesNotExist:
            raise serializers.ValidationError("No published incident has this identifier.") from None


class BriefingFilter(django_filters.FilterSet):
    incident = django_filters.CharFilter(field_name="incident__public_id", help_text="Public identifier.")
    kind = django_filters.ChoiceFilter(choices=Briefing.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Briefing.Status.choices)

    class Meta:
        model = Briefing
        fields = ["incident", "kind", "status"]


@extend_schema_view(
    list=extend_schema(summary="Stored briefings and digests, newest first"),
    retrieve=extend_schema(summary="One briefing: poll it until `status` is `ready`, then fetch `download_url`"),
    create=extend_schema(
        summary="Request an incident's briefing",
        description="Queues a render of the incident's current content on the PDF workers, unless the same "
        "content is already stored. Answers 202 with the briefing; poll its `url`.",
        request=BriefingRequestSerializer,
        responses={202: BriefingSerializer, 400: OpenApiResponse(description="Unknown or unpublished incident.")},
    ),
)
class BriefingViewSet(ApiViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = BriefingSerializer
    filterset_class = BriefingFilter
    ordering_fields = ["created", "rendered_at"]
    ordering = ["-created"]
    # Anyone may ask: the same PDF is open at /incidents/<id>/briefing.pdf, and
    # a request for unchanged content renders nothing.
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        return (
            Briefing.objects.filter(Q(incident__isnull=True) | Q(incident__in=visible_incidents(self.request.user)))
            .select_related("incident")
            .defer("html")
            .order_by("-created", "-id")
        )

    def get_serializer_class(self):
        return BriefingRequestSerializer if self.action == "create" else BriefingSerializer

    def create(self, request, *args, **kwargs):
        request_serializer = BriefingRequestSerializer(data=request.data)
        request_serializer.is_valid(raise_exception=True)
        briefing = request_incident_briefing(request_serializer.validated_data["incident"])
        data = BriefingSerializer(briefing, context=self.get_serializer_context()).data
        return Response(data, status=202, headers={"Location": data["url"]})
