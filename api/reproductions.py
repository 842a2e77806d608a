"""Harness references and reproduction runs in the API.

`GET /api/v1/harnesses/`, `GET /api/v1/runs/` read them (with each run's
progress while it runs); `POST /api/v1/runs/` with a harness and a model
queues a run and answers 202 with its address; `POST /api/v1/runs/<id>/cancel/`
cancels it. Writing needs a token of a user with the reproductions
permissions (add_reproductionrun, change_reproductionrun).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from reproductions.models import EvalModel, Harness, HarnessMetric, ReproductionRun, Verdict
from reproductions.services import RunAlreadyActive, cancel_run, trigger_run

from .errors import error_response
from .views import ApiViewMixin


def _absolute(request, path: str) -> str:
    return request.build_absolute_uri(path) if request else path


class EvalModelSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = EvalModel
        fields = ["slug", "name", "provider", "api_model", "upstream_id", "revision", "dtype", "weight_sha256", "is_stand_in"]


class HarnessMetricSerializer(serializers.ModelSerializer):
    metric = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = HarnessMetric
        fields = ["metric", "claim", "score_name", "score_metric", "is_rate", "published_value", "tolerance", "label"]


class HarnessSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    models = EvalModelSummarySerializer(source="eval_models", many=True, read_only=True)
    grader = EvalModelSummarySerializer(read_only=True)
    metrics = HarnessMetricSerializer(source="metric_links", many=True, read_only=True)
    runs = serializers.SerializerMethodField()

    class Meta:
        model = Harness
        fields = [
            "url", "slug", "name", "description", "task", "task_args", "task_version", "grader", "grader_task_arg",
            "temperature", "top_p", "max_tokens", "do_sample", "seed", "batch_size", "epochs", "sample_limit",
            "min_sample_size", "rerun_every_days", "is_active", "models", "metrics", "runs", "created", "updated",
        ]

    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), reverse("api:harness-detail", args=[obj.slug]))

    def get_runs(self, obj) -> str:
        return _absolute(self.context.get("request"), reverse("api:run-list") + f"?harness={obj.slug}")


class VerdictSerializer(serializers.ModelSerializer):
    metric = serializers.CharField(source="measurement.metric.slug", default=None)
    value = serializers.FloatField(source="measurement.value", default=None)
    lower = serializers.FloatField(source="measurement.lower", default=None)
    upper = serializers.FloatField(source="measurement.upper", default=None)
    sample_size = serializers.IntegerField(source="measurement.sample_size", default=None)

    class Meta:
        model = Verdict
        fields = ["claim", "metric", "outcome", "reason", "value", "lower", "upper", "sample_size", "published_value", "tolerance", "created"]


class RunSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    harness = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    model = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    progress = serializers.SerializerMethodField()
    log_url = serializers.SerializerMethodField()
    verdicts = VerdictSerializer(many=True, read_only=True)

    class Meta:
        model = ReproductionRun
        fields = [
            "url", "id", "harness", "model", "status", "purpose", "progress", "attempts", "triggered_by", "created", "started_at",
            "finished_at", "duration_seconds", "worker_host", "device", "gpu_name", "gpu_memory_mb", "dtype",
            "batch_size", "input_tokens", "output_tokens", "total_tokens", "versions", "task_version", "reference",
            "log_url", "log_sha256", "scores", "error", "verdicts",
        ]

    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), reverse("api:run-detail", args=[obj.pk]))

    def get_progress(self, obj) -> dict:
        return {"done": obj.samples_done, "total": obj.samples_total, "percent": obj.progress_percent}

    def get_log_url(self, obj) -> str | None:
        return _absolute(self.context.get("request"), obj.log_file.url) if obj.log_file else None


class RunCreateSerializer(serializers.Serializer):
    harness = serializers.SlugRelatedField(slug_field="slug", queryset=Harness.objects.filter(is_active=True))
    model = serializers.SlugRelatedField(slug_field="slug", queryset=EvalModel.objects.filter(is_active=True))

    def validate(self, attrs):
        if not attrs["harness"].task:
            raise serializers.ValidationError({"harness": ["This harness names no Inspect task yet."]})
        return attrs


class RunFilterMixin:
    filter_params = {"harness": "harness__slug", "model": "model__slug", "status": "status", "purpose": "purpose"}

    def list_query_params(self) -> set[str]:
        return super().list_query_params() | set(self.filter_params)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action != "list":
            return queryset
        for param, lookup in self.filter_params.items():
            value = self.request.query_params.get(param)
            if value:
                queryset = queryset.filter(**{lookup: value})
        return queryset


@extend_schema_view(
    list=extend_schema(summary="List reproduction harnesses", description="Pinned references to the evaluations that re-test claims."),
    retrieve=extend_schema(summary="One harness: its task, models, generation settings and metric mappings"),
)
class HarnessViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Harness.objects.select_related("grader").prefetch_related(
        "eval_models", Prefetch("metric_links", queryset=HarnessMetric.objects.select_related("metric"))
    ).order_by("name", "id")
    serializer_class = HarnessSerializer
    renderer_classes = [JSONRenderer]
    filter_backends = []
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"


@extend_schema_view(
    list=extend_schema(summary="List reproduction runs", description="Newest first; filter with harness, model, status, purpose."),
    retrieve=extend_schema(summary="One run: status, progress, device, tokens, log hash, verdicts"),
    create=extend_schema(
        summary="Queue a run (token with reproductions.add_reproductionrun)",
        request=RunCreateSerializer,
        responses={202: RunSerializer, 400: OpenApiResponse(description="Unknown harness or model, or a run already queued.")},
    ),
)
class RunViewSet(RunFilterMixin, ApiViewMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ReproductionRun.objects.select_related("harness", "model").prefetch_related(
        Prefetch("verdicts", queryset=Verdict.objects.select_related("measurement__metric").order_by("id"))
    ).order_by("-created", "-id")
    serializer_class = RunSerializer
    renderer_classes = [JSONRenderer]
    filter_backends = []

    def get_serializer_class(self):
        return RunCreateSerializer if self.action == "create" else RunSerializer

    def create(self, request, *args, **kwargs):
        serializer = RunCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            run = trigger_run(
                serializer.validated_data["harness"],
                serializer.validated_data["model"],
                triggered_by=ReproductionRun.Trigger.API,
                user=request.user,
            )
        except RunAlreadyActive as error:
            url = _absolute(request, reverse("api:run-detail", args=[error.run.pk]))
            raise exceptions.ValidationError({"non_field_errors": [f"{error} See {url}"]}) from error
        except DjangoValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from error
        data = RunSerializer(self.get_queryset().get(pk=run.pk), context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})

    @extend_schema(summary="Cancel a queued or running run (token with reproductions.change_reproductionrun)", request=None,
                   responses={200: RunSerializer, 409: OpenApiResponse(description="The run had already ended.")})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        if not request.user.has_perm("reproductions.change_reproductionrun"):
            raise exceptions.PermissionDenied("Cancelling a run needs the reproductions.change_reproductionrun permission.")
        run = self.get_object()
        if not cancel_run(run):
            return error_response(status.HTTP_409_CONFLICT, "conflict", f"Run {run.pk} had already ended ({run.status}).")
        return Response(RunSerializer(self.get_queryset().get(pk=run.pk), context=self.get_serializer_context()).data)
