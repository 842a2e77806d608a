"""POST /api/v1/submissions/ (anyone) and GET /api/v1/submissions/<tracking token>/
(whoever holds the private token). The web form's rules apply: same
validation, honeypot, size limits and hourly limit per client."""

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from editorial.forms import SubmissionForm
from editorial.models import Submission
from editorial.submissions import client_hash, create_submission, over_submission_limit
from incidents.visibility import is_public

from .errors import PayloadTooLarge
from .parsers import LimitedJSONParser


class SubmissionInputSerializer(serializers.Serializer):
    """What a submission carries (the same fields as the web form at /submit/)."""

    kind = serializers.ChoiceField(choices=Submission.Kind.choices, help_text="A new incident, or evidence for an existing one.")
    incident = serializers.CharField(required=False, help_text="For evidence: the incident's public id (AIKB-YYYY-NNNN).")
    title = serializers.CharField(required=False, help_text="For a new incident: what happened, in a line.")
    url = serializers.URLField(required=False, help_text="Where the source can be read.")
    citation = serializers.CharField(required=False, help_text="A citation when there is no URL.")
    description = serializers.CharField(help_text="What happened, or what the evidence shows.")
    file = serializers.FileField(required=False, help_text="Optional copy of the source (PDF, HTML, text, image); multipart only.")
    contact_email = serializers.EmailField(required=False, help_text="Optional; never published.")


class SubmissionStateSerializer(serializers.ModelSerializer):
    """The state of a submission, as its submitter sees it."""

    incident = serializers.SerializerMethodField(help_text="Public id of the incident, once accepted and published.")
    tracking_url = serializers.SerializerMethodField(help_text="The private web page for this submission.")
    tracking_token = serializers.CharField(read_only=True, help_text="The private key to this submission; keep it.")
    state = serializers.CharField(read_only=True, help_text="pending, accepted, merged or rejected.")
    kind = serializers.CharField(read_only=True, help_text="new-incident or evidence.")
    submitted_at = serializers.DateTimeField(read_only=True, help_text="When it was received.")
    rejection_reason = serializers.CharField(read_only=True, help_text="Why it was rejected (empty otherwise).")

    class Meta:
        model = Submission
        fields = ["tracking_token", "tracking_url", "kind", "state", "submitted_at", "rejection_reason", "incident"]

    def get_incident(self, obj) -> str | None:
        incident = obj.incident
        if obj.state in (Submission.State.ACCEPTED, Submission.State.MERGED) and incident and is_public(incident):
            return incident.public_id
        return None

    def get_tracking_url(self, obj) -> str:
        return self.context["request"].build_absolute_uri(obj.get_tracking_url())


class SubmissionViewSet(mixins.CreateModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Submission.objects.select_related("incident")
    serializer_class = SubmissionStateSerializer
    permission_classes = [permissions.AllowAny]
    # The API's JSON parser: its size and nesting limits hold for anonymous writers too.
    parser_classes = [LimitedJSONParser, MultiPartParser, FormParser]
    lookup_field = "tracking_token"

    @extend_schema(
        summary="Submit a new incident or evidence",
        description="Anyone may submit; an editor reviews every submission. The answer holds the private "
        "tracking token. At most AIKB_SUBMISSIONS_PER_HOUR submissions per client and hour.",
        request={"application/json": SubmissionInputSerializer, "multipart/form-data": SubmissionInputSerializer},
        responses={201: SubmissionStateSerializer},
    )
    def create(self, request, *args, **kwargs):
        length = int(request.META.get("CONTENT_LENGTH") or 0)
        if length > settings.AIKB_SUBMISSION_MAX_BYTES + 64 * 1024:
            raise PayloadTooLarge(f"The submission is larger than {settings.AIKB_SUBMISSION_MAX_BYTES:,} bytes.")
        client = client_hash(request.META.get("REMOTE_ADDR", ""))
        if over_submission_limit(client):
            raise Throttled(wait=3600, detail="Too many submissions from this address in the last hour.")
        if not hasattr(request.data, "get"):  # a JSON array or scalar instead of an object
            raise ValidationError({"non_field_errors": ["Send a JSON object with the submission's fields."]})
        data = {key: request.data.get(key) or "" for key in SubmissionForm.base_fields if key != "file"}
        form = SubmissionForm(data, request.FILES)
        if form.is_spam():
            raise ValidationError({"website": ["Leave this field empty."]})
        if not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        values = form.cleaned_data
        submission = create_submission(
            kind=values["kind"], incident=values["incident"], title=values["title"], url=values["url"],
            citation=values["citation"], description=values["description"], file=values["file"],
            contact_email=values["contact_email"], client=client,
        )
        body = self.get_serializer(submission).data
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["tracking_url"]})

    @extend_schema(
        summary="Follow a submission",
        description="The state of a submission, for whoever holds its private tracking token.",
        parameters=[OpenApiParameter("tracking_token", str, OpenApiParameter.PATH, description="The private tracking token.")],
    )
    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response
