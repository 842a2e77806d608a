"""/api/v1/webhooks/: a token holder's webhook subscriptions.

Each token holder sees and manages only their own subscriptions (anyone
else's answer 404, as if absent). The signing secret is in the answer to
the create and `rotate-secret` requests only. Every delivery is listed with
its status, attempts and last error, and can be replayed; `replay` replays
every failed delivery since a time; `test` sends a `webhook.test` event.
How receivers verify deliveries: docs/webhooks.md.

Reading needs a token (read-only ones included); writing a token that is
not read-only. No model permission is needed: a subscription is its
owner's own setting, and carries only what the public may read.
"""

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from incidents.models import TaxonomyTerm
from incidents.visibility import public_organisations, public_systems
from webhooks import delivery as webhook_delivery
from webhooks import services as webhook_services
from webhooks.address_policy import validate_receiver_url
from webhooks.models import Attempt, Delivery, EventType, Subscription

from .errors import error_response
from .fields import StrictModelSerializer
from .models import ApiToken
from .schema import ApiAutoSchema
from .views import ApiViewMixin

NOT_AUTHENTICATED = (
    "Webhook subscriptions belong to a token holder: send your API token as 'Authorization: Bearer <token>'."
)
READ_ONLY = "This token is read-only: use a token that may write to create or change webhook subscriptions."


class TokenHolder(permissions.BasePermission):
    """Any token; a token that may write for anything but reading."""

    def has_permission(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            raise exceptions.NotAuthenticated(NOT_AUTHENTICATED)
        if request.method not in permissions.SAFE_METHODS and token.read_only:
            self.message = READ_ONLY
            return False
        return True


class TokenOnlySchema(ApiAutoSchema):
    """Unlike the rest of the API, reading here needs a token too."""

    def get_auth(self):
        return AutoSchema.get_auth(self)


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request else settings.SITE_URL + path


def _slugs(queryset, help_text):
    return serializers.SlugRelatedField(
        slug_field="slug", queryset=queryset, many=True, required=False, help_text=help_text
    )


class WebhookSubscriptionSerializer(StrictModelSerializer):
    api_url = serializers.SerializerMethodField(help_text="Address of this subscription in the API.")
    url = serializers.CharField(
        max_length=2000,
        validators=[validate_receiver_url],
        help_text="The receiver: an http(s) URL whose host resolves to public internet addresses only (no loopback, "
        "private, link-local or cloud metadata address). Redirects are not followed.",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        allow_empty=False,
        required=False,
        help_text="The event types to receive (default: all of them).",
    )
    organisations = _slugs(public_organisations(), "Only incidents naming one of these organisations (slugs); "
                                                    "empty: any.")
    systems = _slugs(public_systems(), "Only incidents naming one of these AI systems (slugs); empty: any.")
    taxonomy = _slugs(TaxonomyTerm.objects.all(), "Only incidents classified under one of these taxonomy terms or "
                                                  "a narrower one (slugs); empty: any.")
    deliveries_url = serializers.SerializerMethodField(help_text="This subscription's deliveries, newest first.")

    # The policy runs as the `url` field's validator; the model's clean would resolve the name again.
    clean_exclude = ("url",)

    class Meta:
        model = Subscription
        fields = [
            "id", "api_url", "url", "description", "events", "organisations", "systems", "taxonomy", "is_active",
            "created", "updated", "deliveries_url",
        ]
        read_only_fields = ["id", "created", "updated"]
        extra_kwargs = {
            "id": {"help_text": "Identifier of the subscription."},
            "description": {"help_text": "What the receiver is, for you."},
            "is_active": {"help_text": "false pauses the subscription: it receives no new events."},
            "created": {"help_text": "When the subscription was created (UTC)."},
            "updated": {"help_text": "When it last changed (UTC)."},
        }

    def validate_events(self, value):
        return list(dict.fromkeys(value))  # in the order given, once each

    def get_api_url(self, obj) -> str:
        return _absolute(self.context.get("request"), reverse("api:webhook-detail", args=[obj.pk]))

    def get_deliveries_url(self, obj) -> str:
        return _absolute(self.context.get("request"), reverse("api:webhook-deliveries", args=[obj.pk]))

    def create(self, validated_data):
        return self._save(Subscription(owner=self.context["request"].user), validated_data)


class WebhookSubscriptionSecretSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text="The signing secret (whsec_...), shown only in this answer: store it now. Verify each "
        "delivery's webhook-signature with it (docs/webhooks.md).",
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attempt
        fields = ["number", "started_at", "finished_at", "address", "status_code", "error", "response_excerpt"]
        extra_kwargs = {
            "number": {"help_text": "1 for the first attempt, counting replays."},
            "started_at": {"help_text": "When it started (UTC)."},
            "finished_at": {"help_text": "When it ended; null while it runs, or when its worker stopped."},
            "address": {"help_text": "The IP address connected to."},
            "status_code": {"help_text": "The receiver's HTTP status; null when no answer came."},
            "error": {"help_text": "Why the attempt failed, in words; empty on success."},
            "response_excerpt": {"help_text": "The start of the receiver's answer."},
        }


class WebhookDeliverySerializer(serializers.ModelSerializer):
    event_id = serializers.CharField(source="event.id", help_text="The webhook-id header: the same on every retry and "
                                                                  "replay, for de-duplication.")
    event_type = serializers.CharField(source="event.type", help_text="The event's type.")
    payload = serializers.JSONField(source="event.payload", help_text="The body sent: {type, timestamp, data}.")
    attempt_log = AttemptSerializer(many=True, read_only=True, help_text="Every attempt, oldest first.")
    replay_url = serializers.SerializerMethodField(help_text="POST here to send this delivery again.")

    class Meta:
        model = Delivery
        fields = [
            "id", "event_id", "event_type", "status", "attempts", "next_attempt_at", "last_attempt_at",
            "last_status_code", "last_error", "created", "updated", "payload", "attempt_log", "replay_url",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "id": {"help_text": "Identifier of the delivery."},
            "status": {"help_text": "pending (will be tried), succeeded, or failed (retries used up; replay it)."},
            "attempts": {"help_text": "Attempts made, replays included."},
            "next_attempt_at": {"help_text": "When the next attempt is due (UTC); null once settled."},
            "last_attempt_at": {"help_text": "When the last attempt started (UTC)."},
            "last_status_code": {"help_text": "The receiver's status code at the last attempt."},
            "last_error": {"help_text": "Why the last attempt failed; empty after a success."},
            "created": {"help_text": "When the event was fanned out to this subscription (UTC)."},
            "updated": {"help_text": "When the delivery last changed (UTC)."},
        }

    def get_replay_url(self, obj) -> str:
        return _absolute(self.context.get("request"), reverse("api:webhook-replay-delivery", args=[obj.subscription_id, obj.pk]))


class ReplaySinceSerializer(serializers.Serializer):
    since = serializers.DateTimeField(help_text="Replay the failed deliveries created at or after this time.")

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        unknown = sorted(set(data) - {"since"})
        if unknown:
            raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class ReplayedSerializer(serializers.Serializer):
    replayed = serializers.IntegerField(help_text="How many failed deliveries were queued again.")


DELIVERY_ID = OpenApiParameter("delivery_id", int, OpenApiParameter.PATH, description="Identifier of the delivery.")
RETRIES = ", ".join(f"{int(d.total_seconds())} s" for d in webhook_delivery.RETRY_DELAYS)


@extend_schema_view(
    list=extend_schema(summary="Your webhook subscriptions", description="Only yours; a token is required."),
    retrieve=extend_schema(summary="One of your webhook subscriptions"),
    create=extend_schema(
        summary="Subscribe a receiver URL to events",
        description="Deliveries are signed the Standard Webhooks way (webhook-id, webhook-timestamp, "
        "webhook-signature headers) with the `secret` in this answer, shown only here. Failed deliveries are "
        f"retried after {RETRIES} (about 27 hours), then marked failed with the reason.",
        request=WebhookSubscriptionSerializer,
        responses={201: WebhookSubscriptionSecretSerializer},
    ),
    update=extend_schema(summary="Replace one of your webhook subscriptions"),
    partial_update=extend_schema(summary="Change one of your webhook subscriptions (pause it with is_active false)"),
    destroy=extend_schema(summary="Delete one of your webhook subscriptions and its delivery log"),
)
class WebhookViewSet(ApiViewMixin, viewsets.ModelViewSet):
    # A token holder's own few subscriptions: the list is the whole set already.
    exportable = False
    serializer_class = WebhookSubscriptionSerializer
    permission_classes = [TokenHolder]
    renderer_classes = [JSONRenderer]
    filter_backends = []
    lookup_value_regex = r"[0-9]+"
    schema = TokenOnlySchema()
    action_query_params = {"deliveries": {"page", "page_size", "status"}}

    def get_queryset(self):
        return (
            Subscription.objects.filter(owner=self.request.user)
            .prefetch_related("organisations", "systems", "taxonomy")
            .order_by("-created", "-id")
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"  # one owner's settings, and once their secret
        return response

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription = serializer.save()
        data = WebhookSubscriptionSecretSerializer(subscription, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED, headers={"Location": data["api_url"]})

    @extend_schema(summary="Replace the signing secret", request=None,
                   description="The new secret is in this answer only. The old one keeps signing beside it (a second "
                   "signature in webhook-signature) for 24 hours, so your receiver can switch without refusing "
                   "deliveries.",
                   responses={200: WebhookSubscriptionSecretSerializer})
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request, pk=None):
        subscription = webhook_services.rotate_secret(self.get_object())
        return Response(WebhookSubscriptionSecretSerializer(subscription, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The subscription's deliveries, newest first, with every attempt",
        parameters=[
            OpenApiParameter("status", str, enum=Delivery.Status.values,
                             description="Only deliveries with this status: pending, succeeded or failed."),
            OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="Page number (from 1)."),
            OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": 100},
                             description="Items per page (at most 100)."),
        ],
        responses={200: WebhookDeliverySerializer(many=True)},
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        deliveries = (
            subscription.deliveries.select_related("event").prefetch_related("attempt_log").order_by("-created", "-id")
        )
        wanted = request.query_params.get("status")
        if wanted is not None:
            if wanted not in Delivery.Status.values:
                raise exceptions.ValidationError({"status": [f"Use one of: {', '.join(Delivery.Status.values)}."]})
            deliveries = deliveries.filter(status=wanted)
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(
            WebhookDeliverySerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="Send one delivery again (same webhook-id and body)",
        description="Whatever its status; a new round of retries if it fails. Receivers de-duplicate by webhook-id.",
        request=None,
        parameters=[DELIVERY_ID],
        responses={202: WebhookDeliverySerializer,
                   409: OpenApiResponse(description="An attempt is under way; replay it once it ends.")},
    )
    @action(detail=True, methods=["post"], url_path=r"deliveries/(?P<delivery_id>[0-9]+)/replay",
            url_name="replay-delivery")
    def replay_delivery(self, request, pk=None, delivery_id=None):
        subscription = self.get_object()
        delivery = get_object_or_404(subscription.deliveries, pk=delivery_id)
        try:
            webhook_delivery.replay(delivery)
        except webhook_delivery.ReplayRefused as refusal:
            return error_response(status.HTTP_409_CONFLICT, "conflict", str(refusal))
        fresh = subscription.deliveries.select_related("event").prefetch_related("attempt_log").get(pk=delivery.pk)
        return Response(WebhookDeliverySerializer(fresh, context=self.get_serializer_context()).data,
                        status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Send every failed delivery since a time again",
        request=ReplaySinceSerializer,
        responses={202: ReplayedSerializer},
    )
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        subscription = self.get_object()
        body = ReplaySinceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        count = webhook_delivery.replay_failed(subscription, body.validated_data["since"])
        return Response({"replayed": count}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Send a test event (webhook.test) to this subscription",
        description="Signed, logged and retried like any event; see the delivery in `deliveries`.",
        request=None,
        responses={202: WebhookDeliverySerializer},
    )
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        subscription = self.get_object()
        event = webhook_services.send_test_event(subscription)
        delivery = (
            Delivery.objects.select_related("event").prefetch_related("attempt_log")
            .get(event=event, subscription=subscription)
        )
        return Response(WebhookDeliverySerializer(delivery, context=self.get_serializer_context()).data,
                        status=status.HTTP_202_ACCEPTED)
