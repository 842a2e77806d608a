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
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from reproductions.models import EvalModel, Harness, HarnessMetric, ReproductionRun, RunSample, Verdict
from reproductions.selectors import public_metric_links, public_verdicts
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
        fields = ["metric", "claim", "score_name", "score_metric", "is_rate", "label"]
        extra_kwargs = {
            "label": {"help_text": "The condition or panel of the claim's published figures this score re-tests; "
                      "empty when the claim has one published figure per AI system."},
        }


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
            "min_sample_size", "equivalence_margin", "max_ungraded_share", "rerun_every_days", "is_active", "models",
            "metrics", "runs", "created", "updated",
        ]

    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), reverse("api:harness-detail", args=[obj.slug]))

    def get_runs(self, obj) -> str:
        return _absolute(self.context.get("request"), reverse("api:run-list") + f"?harness={obj.slug}")


class VerdictSerializer(serializers.ModelSerializer):
    metric = serializers.CharField(source="measurement.metric.slug", default=None, help_text="Slug of the metric.")
    system = serializers.CharField(
        source="measurement.system.slug", default=None, help_text="Slug of the AI system that ran (whose figure was judged)."
    )
    value = serializers.FloatField(source="measurement.value", default=None, help_text="The run's figure.")
    lower = serializers.FloatField(source="measurement.lower", default=None, help_text="Its 95% interval, lower end.")
    upper = serializers.FloatField(source="measurement.upper", default=None, help_text="Its 95% interval, upper end.")
    sample_size = serializers.IntegerField(source="measurement.sample_size", default=None, help_text="Its sample size.")
    published_measurement = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="Id of the claim's published measurement the run was compared with."
    )

    class Meta:
        model = Verdict
        fields = [
            "claim", "metric", "system", "outcome", "reason", "value", "lower", "upper", "sample_size",
            "published_measurement", "published_value", "published_sample_size", "difference", "difference_lower",
            "difference_upper", "margin", "method", "created",
        ]
        extra_kwargs = {
            "published_value": {"help_text": "The published figure, in the metric's unit."},
            "published_sample_size": {"help_text": "Its sample size; null when the source gives none (the verdict is then inconclusive)."},
            "difference": {"help_text": "The run's figure minus the published one."},
            "difference_lower": {"help_text": "95% interval of the difference, lower end."},
            "difference_upper": {"help_text": "95% interval of the difference, upper end."},
            "margin": {"help_text": "The harness's equivalence margin: consistent when the whole interval lies within ±margin, inconsistent when it lies wholly beyond."},
            "method": {"help_text": "How the interval was computed (Newcombe's hybrid score interval for rates)."},
        }


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text="Samples finished so far (each epoch of a sample counts).")
    total = serializers.IntegerField(allow_null=True, help_text="Samples in the run; null until a worker starts it.")
    percent = serializers.IntegerField(allow_null=True)
    ungraded = serializers.IntegerField(help_text="Samples that could not be graded (left out of the figures).")


class RunSampleSerializer(serializers.ModelSerializer):
    class Meta:
        model = RunSample
        fields = ["sample_id", "epoch", "input", "output", "target", "scores", "grader_output", "error", "is_ungraded"]
        extra_kwargs = {
            "input": {"help_text": "The prompt, as text."},
            "output": {"help_text": "The model's answer."},
            "scores": {"help_text": "Each scorer's value, answer and explanation."},
            "grader_output": {"help_text": "What the grader or judge model replied."},
            "error": {"help_text": "Why the sample could not be graded."},
            "is_ungraded": {"help_text": "Left out of the figures."},
        }


class RunSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    harness = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    model = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    progress = serializers.SerializerMethodField()
    log_url = serializers.SerializerMethodField()
    samples_url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    verdicts = VerdictSerializer(many=True, read_only=True)

    class Meta:
        model = ReproductionRun
        fields = [
            "url", "id", "harness", "model", "status", "purpose", "progress", "attempts", "triggered_by", "created", "started_at",
            "finished_at", "duration_seconds", "worker_host", "device", "gpu_name", "gpu_memory_mb", "dtype",
            "batch_size", "input_tokens", "output_tokens", "total_tokens", "versions", "serving", "task_version", "reference",
            "log_url", "log_sha256", "scores", "samples_ungraded", "samples_url", "web_url", "notes", "error", "verdicts",
        ]

    def get_url(self, obj) -> str:
        return _absolute(self.context.get("request"), reverse("api:run-detail", args=[obj.pk]))

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, obj) -> dict:
        return {"done": obj.samples_done, "total": obj.samples_total, "percent": obj.progress_percent,
                "ungraded": obj.samples_ungraded}

    def get_log_url(self, obj) -> str | None:
        """The Inspect log (download), with its SHA-256 in log_sha256."""
        return _absolute(self.context.get("request"), reverse("reproduction-run-log", args=[obj.pk])) if obj.log_file else None

    def get_samples_url(self, obj) -> str:
        """Every sample of the run: prompt, answer, grader's reply and score."""
        return _absolute(self.context.get("request"), reverse("api:run-samples", args=[obj.pk]))

    def get_web_url(self, obj) -> str:
        return _absolute(self.context.get("request"), obj.get_absolute_url())


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
        "eval_models", Prefetch("metric_links", queryset=public_metric_links().select_related("metric"))
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
        Prefetch("verdicts", queryset=public_verdicts().select_related("measurement__metric", "measurement__system").order_by("id"))
    ).order_by("-created", "-id")
    serializer_class = RunSerializer
    renderer_classes = [JSONRenderer]
    filter_backends = []
    action_query_params = {"samples": {"page", "page_size", "ungraded", "pagination", "cursor"}}

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

    @extend_schema(
        summary="Every sample of a run: prompt, answer, grader's reply and score",
        description="Paged like the other lists; `?ungraded=true` lists only the samples left out of the figures.",
        parameters=[
            OpenApiParameter("ungraded", bool, description="true: only the samples that could not be graded."),
            OpenApiParameter("page", {"type": "integer", "minimum": 1}, description="Page number (from 1)."),
            OpenApiParameter("page_size", {"type": "integer", "minimum": 1, "maximum": 100},
                             description="Items per page (at most 100)."),
        ],
        responses={200: RunSampleSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="samples", url_name="samples")
    def samples(self, request, pk=None):
        run = self.get_object()
        samples = run.samples.order_by("epoch", "id")
        ungraded = request.query_params.get("ungraded")
        if ungraded not in {None, "true", "false"}:
            raise exceptions.ValidationError({"ungraded": ["Use true or false."]})
        if ungraded == "true":
            samples = samples.filter(is_ungraded=True)
        page = self.paginate_queryset(samples)
        return self.get_paginated_response(RunSampleSerializer(page, many=True).data)

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
