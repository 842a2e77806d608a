"""Reproduction harnesses, the models they run on, their runs and the
verdicts drawn from them.

A harness pins everything needed to re-run an evaluation (an Inspect AI task,
its arguments and version, the generation settings, which score of the log is
which metric for which claim, the equivalence margin). A run records what
happened on the worker, sample by sample; a verdict compares one of its
measurements with the claim's published figure *for the model that ran*
(reproductions.verdicts) and is the only thing that may move a claim to
*reproduced* or *not reproduced* (reproductions.results.record_results).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from incidents.text import CleanText

from .targets import mapping_problems

SHA256_HEX_LENGTH = 64


def log_storage():
    """Where run logs are kept (settings.STORAGES["reproductions"])."""
    from django.core.files.storage import storages

    return storages["reproductions"]


class EvalModel(CleanText):
    """A model registered for evaluation: where its weights are and how to load them."""

    class Provider(models.TextChoices):
        HF = "hf", "Local weights through transformers in the worker (Inspect hf)"
        VLLM = "vllm", "Local weights served by vLLM (OpenAI-compatible; the default on GPUs)"
        SGLANG = "sglang", "Local weights served by SGLang (OpenAI-compatible)"
        LLAMA_CPP = "llama-cpp", "Local GGUF weights served by llama.cpp (CPU; pipeline checks)"
        ENDPOINT = "openai-compatible", "A server run elsewhere, OpenAI-compatible, at a base URL"
        API = "api", "API model named by the operator"
        MOCK = "mockllm", "Inspect's mock model with canned replies (pipeline checks)"

    class DType(models.TextChoices):
        AUTO = "auto", "Auto (bfloat16 on a GPU, float32 on a CPU)"
        BFLOAT16 = "bfloat16", "bfloat16"
        FLOAT16 = "float16", "float16"
        FLOAT32 = "float32", "float32"

    # Weights on this worker's disk, hashed before every run.
    LOCAL_WEIGHTS = frozenset({"hf", "vllm", "sglang", "llama-cpp"})
    # Reached through an OpenAI-compatible server (started here or already running).
    SERVED = frozenset({"vllm", "sglang", "llama-cpp", "openai-compatible"})

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.HF)
    api_model = models.CharField(
        max_length=200,
        blank=True,
        help_text="For API models: Inspect's model name, e.g. openai/gpt-4o-2024-08-06 (a dated snapshot); the "
        "worker needs the provider's key. For an OpenAI-compatible endpoint: the model name it serves.",
    )
    local_path = models.CharField(
        max_length=500,
        blank=True,
        help_text="For local weights (hf, vllm, sglang, llama-cpp): the weights folder, absolute or "
        "relative to AIKB_MODELS_DIR.",
    )
    base_url = models.CharField(
        max_length=300,
        blank=True,
        help_text="For an OpenAI-compatible endpoint: its base URL, e.g. http://gpu-1:8000/v1. For served local "
        "weights: a server already running on the pinned folder; empty, the worker starts one for each run.",
    )
    max_model_len = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(16)],
        help_text="For served local weights: the context the engine reserves (prompt and answer, in tokens); "
        "empty, the model's own maximum.",
    )
    upstream_id = models.CharField(max_length=200, blank=True, help_text="e.g. HuggingFaceTB/SmolLM2-135M-Instruct")
    revision = models.CharField(max_length=100, blank=True, help_text="Upstream commit or tag the weights came from.")
    weight_sha256 = models.JSONField(
        default=dict,
        blank=True,
        help_text="File name (relative to the weights folder) → SHA-256; the worker refuses a run when one differs.",
    )
    dtype = models.CharField(max_length=10, choices=DType.choices, default=DType.AUTO)
    chat_template = models.TextField(blank=True, help_text="Overrides the tokenizer's chat template when set.")
    model_args = models.JSONField(
        default=dict,
        blank=True,
        help_text="Extra Inspect model arguments; for served local weights, extra engine flags "
        "({'gpu-memory-utilization': 0.45}); for an endpoint, {'api_key_env': 'NAME'} names the variable holding its "
        "key; for the mock model, its canned replies ({'replies': [...], 'rules': [...]}).",
    )
    system = models.ForeignKey(
        "incidents.AISystem",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="eval_models",
        help_text="The AI system whose measurements this model's runs produce.",
    )
    is_stand_in = models.BooleanField(
        default=False,
        help_text="A small stand-in for the real model: its runs are pipeline checks, never reproductions.",
    )
    is_active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "model under test"
        verbose_name_plural = "models under test"
        constraints = [
            models.CheckConstraint(
                condition=~Q(provider__in=["hf", "vllm", "sglang", "llama-cpp"]) | ~Q(local_path=""),
                name="evalmodel_local_provider_has_path",
            ),
            models.CheckConstraint(
                condition=~Q(provider="openai-compatible") | (~Q(base_url="") & ~Q(api_model="")),
                name="evalmodel_endpoint_has_url_and_name",
            ),
            models.CheckConstraint(
                condition=~Q(provider="api") | ~Q(api_model=""), name="evalmodel_api_provider_has_name"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if self.provider in self.LOCAL_WEIGHTS and not self.local_path:
            errors["local_path"] = "A local model needs the folder that holds its weights."
        if self.provider == self.Provider.ENDPOINT:
            if not self.base_url:
                errors["base_url"] = "An OpenAI-compatible endpoint needs its base URL, e.g. http://gpu-1:8000/v1."
            if not self.api_model:
                errors["api_model"] = "Name the model as the endpoint serves it (GET /v1/models lists them)."
        if self.base_url:
            parts = urlsplit(self.base_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                errors["base_url"] = "Give an http:// or https:// address."
            elif parts.username or parts.password or parts.query or parts.fragment:
                # The address is shown on runs, in the API and in the public log: a key never goes in it.
                errors["base_url"] = ("Give the address without credentials or query (runs show it publicly); "
                                      "name the variable holding the key in model_args as api_key_env.")
        if self.base_url and self.provider not in self.SERVED:
            errors["base_url"] = "Only served models (vllm, sglang, llama-cpp, openai-compatible) have a base URL."
        if self.provider == self.Provider.API and not self.api_model:
            errors["api_model"] = "Name the API model as Inspect does, e.g. openai/gpt-4o."
        if not isinstance(self.weight_sha256, dict):
            errors["weight_sha256"] = "Give an object mapping file names to SHA-256 digests."
        else:
            for name, digest in self.weight_sha256.items():
                if not (isinstance(digest, str) and len(digest) == SHA256_HEX_LENGTH
                        and all(c in "0123456789abcdef" for c in digest)):
                    errors["weight_sha256"] = f"The SHA-256 of {name!r} is not 64 lowercase hex digits."
        if errors:
            raise ValidationError(errors)


class Harness(CleanText):
    """A pinned reference to an evaluation that can re-test claims."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True, help_text="What it re-tests and what it cannot show, Markdown.")
    task = models.CharField(
        max_length=300,
        blank=True,
        help_text="An Inspect task: a registry name (inspect_evals/agentic_misalignment) or a file of ours "
        "(reproductions/harnesses/emergent_misalignment.py@emergent_misalignment).",
    )
    task_args = models.JSONField(default=dict, blank=True)
    task_version = models.CharField(
        max_length=50, blank=True, help_text="The task version the reference expects; the worker refuses another."
    )
    eval_models = models.ManyToManyField(
        EvalModel, blank=True, related_name="harnesses", help_text="Models this harness runs on (the re-run matrix)."
    )
    grader = models.ForeignKey(
        EvalModel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="graded_harnesses",
        help_text="The grader or judge model, where the task needs one.",
    )
    grader_task_arg = models.CharField(
        max_length=100, blank=True, default="grader_model", help_text="The task argument that receives the grader."
    )
    temperature = models.FloatField(null=True, blank=True)
    top_p = models.FloatField(null=True, blank=True)
    max_tokens = models.PositiveIntegerField(null=True, blank=True)
    do_sample = models.BooleanField(default=False, help_text="Sampling on (local models); off means greedy.")
    seed = models.IntegerField(null=True, blank=True)
    batch_size = models.PositiveIntegerField(
        default=64, validators=[MinValueValidator(1)], help_text="Samples generated together on the worker."
    )
    epochs = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    sample_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Run only the first N samples.")
    min_sample_size = models.PositiveIntegerField(
        default=30, help_text="Below this many scored samples a verdict is inconclusive."
    )
    equivalence_margin = models.FloatField(
        default=10.0,
        validators=[MinValueValidator(0)],
        help_text="How far a re-run's figure may differ from the published one and still count as the same "
        "finding, in the metric's unit (percentage points for a percentage). Justify it in the description.",
    )
    max_ungraded_share = models.FloatField(
        default=0.1,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="The share of samples that may end ungraded (a grader reply that cannot be read, a sample "
        "error) before the run fails; ungraded samples are left out of the figures and counted on the run.",
    )
    rerun_every_days = models.PositiveIntegerField(
        default=30, help_text="The scheduler re-runs each model after this many days; 0 never."
    )
    is_active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "harnesses"

    def __str__(self):
        return self.name

    def generation_config(self) -> dict:
        """The generation settings Inspect receives, without unset values."""
        config = {
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_tokens": self.max_tokens,
            "seed": self.seed,
        }
        return {key: value for key, value in config.items() if value is not None}


class HarnessMetric(CleanText):
    """Which score of the harness's log measures which metric, for which
    claim. The published figure a run is compared with is the claim's own
    published measurement for the system that ran (in this mapping's
    condition, when the claim has several), never a number typed here."""

    harness = models.ForeignKey(Harness, on_delete=models.CASCADE, related_name="metric_links")
    metric = models.ForeignKey("incidents.Metric", on_delete=models.PROTECT, related_name="harness_links")
    claim = models.ForeignKey("incidents.Claim", on_delete=models.CASCADE, related_name="harness_links")
    score_name = models.CharField(
        max_length=100, blank=True, help_text="The score's name in the log, e.g. harmful; empty for the first score."
    )
    score_metric = models.CharField(max_length=100, default="accuracy", help_text="e.g. accuracy, mean")
    is_rate = models.BooleanField(
        default=True, help_text="The score is a proportion of samples (0-1): reported with a Wilson interval."
    )
    sample_size_metric = models.CharField(
        max_length=100,
        blank=True,
        help_text="A metric of the same score that counts the samples the rate is over (when some are excluded).",
    )
    label = models.CharField(
        max_length=200,
        blank=True,
        help_text="The condition or panel of the claim's published figures this score re-tests, exactly as "
        "labelled on those measurements (e.g. '16-model panel (Figure 7)'); empty when the claim has one "
        "published figure per system.",
    )

    class Meta:
        ordering = ["harness", "id"]
        verbose_name = "score → metric mapping"
        constraints = [
            models.UniqueConstraint(fields=["harness", "metric", "claim"], name="harnessmetric_unique"),
        ]

    def __str__(self):
        return f"{self.score_name or 'score'}.{self.score_metric} → {self.metric}"

    def clean(self):
        if self.claim_id and self.metric_id and (problems := mapping_problems(self)):
            raise ValidationError({"claim": problems})


class ReproductionRun(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Purpose(models.TextChoices):
        REPRODUCTION = "reproduction", "Reproduction"
        PIPELINE_CHECK = "pipeline-check", "Pipeline check"

    class Trigger(models.TextChoices):
        ADMIN = "admin", "Admin"
        API = "api", "API"
        COMMAND = "command", "Management command"
        SCHEDULE = "schedule", "Schedule"

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    FINAL_STATUSES = (Status.SUCCEEDED, Status.FAILED, Status.CANCELLED)

    harness = models.ForeignKey(Harness, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True)
    model = models.ForeignKey(EvalModel, on_delete=models.PROTECT, null=True, blank=True, related_name="runs")
    purpose = models.CharField(
        max_length=20,
        choices=Purpose.choices,
        default=Purpose.PIPELINE_CHECK,
        help_text="Runs on a CPU, a stand-in model or the mock model are pipeline checks and never mark a claim.",
    )
    triggered_by = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.ADMIN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reference = models.JSONField(default=dict, blank=True, help_text="The harness and model pins at trigger time.")
    samples_done = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times a worker started this run (more than one after a worker was lost)."
    )
    samples_total = models.PositiveIntegerField(null=True, blank=True)
    samples_ungraded = models.PositiveIntegerField(
        default=0, help_text="Samples left out of the figures: a grader reply that could not be read, or a sample error."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker_host = models.CharField(max_length=200, blank=True)
    device = models.CharField(max_length=50, blank=True, help_text="cpu, cuda:0, or the API provider.")
    gpu_name = models.CharField(max_length=200, blank=True)
    gpu_memory_mb = models.PositiveIntegerField(null=True, blank=True)
    dtype = models.CharField(max_length=20, blank=True)
    batch_size = models.PositiveIntegerField(null=True, blank=True, help_text="Samples generated together.")
    input_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    output_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    total_tokens = models.PositiveBigIntegerField(null=True, blank=True)
    versions = models.JSONField(
        default=dict, blank=True, help_text="inspect-ai, inspect-evals, torch and transformers versions used."
    )
    serving = models.JSONField(
        default=dict,
        blank=True,
        help_text="For served models, per role (model, grader): the engine, its address, the command that started "
        "it, what the server reported it serves, and how many samples were in flight.",
    )
    task_version = models.CharField(max_length=50, blank=True)
    log_file = models.FileField(
        upload_to="reproductions/logs/", storage=log_storage, blank=True, max_length=300,
        help_text="The Inspect log, kept through STORAGES['reproductions'] (the media folder or object storage).",
    )
    log_sha256 = models.CharField(max_length=64, blank=True)
    scores = models.JSONField(default=dict, blank=True, help_text="Every score and metric of the log.")
    error = models.TextField(blank=True, help_text="Why the run failed, in words.")
    notes = models.JSONField(
        default=list,
        blank=True,
        help_text="What the run could not do and why, in words: a claim it did not judge, ungraded samples.",
    )
    celery_task_id = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # The scheduler, the admin and the API may all ask for the same
            # run at once; only one may be waiting or running.
            models.UniqueConstraint(
                fields=["harness", "model"],
                condition=Q(status__in=["queued", "running"]),
                name="reproductionrun_one_active_per_harness_model",
            ),
            models.CheckConstraint(
                condition=Q(samples_total__isnull=True) | Q(samples_done__lte=models.F("samples_total")),
                name="reproductionrun_progress_within_total",
            ),
        ]
        indexes = [models.Index(fields=["harness", "model", "-created"], name="run_harness_model_recent")]

    def __str__(self):
        return f"Run {self.pk} of {self.harness}"

    def get_absolute_url(self):
        return reverse("reproduction-run-detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def progress_percent(self) -> int | None:
        if not self.samples_total:
            return None
        return round(100 * self.samples_done / self.samples_total)

    @property
    def is_pipeline_check(self) -> bool:
        return self.purpose == self.Purpose.PIPELINE_CHECK

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class Verdict(models.Model):
    class Outcome(models.TextChoices):
        CONSISTENT = "consistent", "Consistent"
        INCONSISTENT = "inconsistent", "Inconsistent"
        INCONCLUSIVE = "inconclusive", "Inconclusive"

    run = models.ForeignKey(ReproductionRun, on_delete=models.CASCADE, related_name="verdicts")
    claim = models.ForeignKey("incidents.Claim", on_delete=models.CASCADE, related_name="verdicts")
    # The claim's incident, set by the database (triggers of migration 0005,
    # on every insert, on a change of claim, and when a claim moves to
    # another incident), so that "has a reproduction" reads this table
    # alone, not joining every verdict to its claim on each query (figures:
    # docs/benchmarks.md, 'Why the indexes and query shapes').
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.CASCADE, null=True, blank=True, editable=False, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    harness_metric = models.ForeignKey(
        HarnessMetric, on_delete=models.SET_NULL, null=True, blank=True, related_name="verdicts"
    )
    measurement = models.OneToOneField(
        "incidents.Measurement", on_delete=models.CASCADE, null=True, blank=True, related_name="verdict"
    )
    published_measurement = models.ForeignKey(
        "incidents.Measurement",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="verdicts_against",
        help_text="The claim's published figure for the system that ran.",
    )
    # The numbers the rule used, so the verdict can be read (and checked by
    # hand) without its inputs: both figures with their sample sizes, the
    # interval of their difference, and the margin.
    published_value = models.FloatField(null=True, blank=True)
    published_sample_size = models.PositiveIntegerField(null=True, blank=True)
    measured_value = models.FloatField(null=True, blank=True)
    measured_sample_size = models.PositiveIntegerField(null=True, blank=True)
    difference = models.FloatField(null=True, blank=True, help_text="Measured minus published, in the metric's unit.")
    difference_lower = models.FloatField(null=True, blank=True)
    difference_upper = models.FloatField(null=True, blank=True)
    margin = models.FloatField(null=True, blank=True, help_text="The harness's equivalence margin at the time.")
    method = models.CharField(max_length=200, blank=True, help_text="How the interval of the difference was computed.")

    class Meta:
        ordering = ["-created", "-id"]
        constraints = [
            # A redelivered task must never record a run's result twice.
            models.UniqueConstraint(fields=["run", "harness_metric"], name="verdict_one_per_run_metric"),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} ({self.claim_id})"


class RunSample(models.Model):
    """One sample of a finished run, one epoch: what the model was asked,
    what it answered, what the grader said and the score, so anyone can
    read what a figure was computed from (copied from the Inspect log)."""

    run = models.ForeignKey(ReproductionRun, on_delete=models.CASCADE, related_name="samples")
    sample_id = models.CharField(max_length=200)
    epoch = models.PositiveIntegerField(default=1)
    input = models.TextField(blank=True, help_text="The prompt, as text.")
    output = models.TextField(blank=True, help_text="The model's answer.")
    target = models.TextField(blank=True)
    scores = models.JSONField(
        default=dict, blank=True, help_text="Each scorer's value, answer and explanation (the grader's output)."
    )
    grader_output = models.TextField(blank=True, help_text="What the grader or judge model replied, where recorded.")
    error = models.TextField(blank=True, help_text="Why the sample could not be graded.")
    is_ungraded = models.BooleanField(default=False)

    class Meta:
        ordering = ["run", "epoch", "id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "sample_id", "epoch"], name="runsample_unique_per_epoch"),
        ]

    def __str__(self):
        return f"Run {self.run_id}, sample {self.sample_id}, epoch {self.epoch}"
