"""Writes to reproductions: triggering, cancelling and scheduling runs,
registering models. The admin, the API, the management commands and the
Celery tasks all call these."""

import datetime

from celery import current_app, signature
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from config.queueing import send

from .models import EvalModel, Harness, HarnessMetric, ReproductionRun

# Sent by name: the task module calls these services, so importing it here
# would make the two import each other.
RUN_REPRODUCTION = signature("reproductions.tasks.run_reproduction")


class RunAlreadyActive(Exception):
    """A run of this harness on this model is already queued or running."""

    def __init__(self, run: ReproductionRun):
        self.run = run
        super().__init__(f"Run {run.pk} of {run.harness} on {run.model} is already {run.status}.")


def model_reference(model: EvalModel | None) -> dict | None:
    if model is None:
        return None
    return {
        "id": model.pk,
        "name": model.name,
        "provider": model.provider,
        "api_model": model.api_model,
        "local_path": model.local_path,
        "base_url": model.base_url,
        "max_model_len": model.max_model_len,
        "upstream_id": model.upstream_id,
        "revision": model.revision,
        "weight_sha256": dict(model.weight_sha256 or {}),
        "dtype": model.dtype,
        "chat_template": model.chat_template,
        "model_args": dict(model.model_args or {}),
        "is_stand_in": model.is_stand_in,
        "system": {"id": model.system_id, "name": str(model.system)} if model.system_id else None,
    }


def snapshot_reference(harness: Harness, model: EvalModel) -> dict:
    """Everything the worker needs, frozen at trigger time, so a later edit
    of the harness does not change what a queued run does or claims."""
    return {
        "harness": {
            "id": harness.pk,
            "name": harness.name,
            "task": harness.task,
            "task_args": dict(harness.task_args or {}),
            "task_version": harness.task_version,
            "generation": harness.generation_config(),
            "do_sample": harness.do_sample,
            "batch_size": harness.batch_size,
            "epochs": harness.epochs,
            "sample_limit": harness.sample_limit,
            "grader_task_arg": harness.grader_task_arg,
            "min_sample_size": harness.min_sample_size,
            "equivalence_margin": harness.equivalence_margin,
            "max_ungraded_share": harness.max_ungraded_share,
        },
        "model": model_reference(model),
        "grader": model_reference(harness.grader),
        "metrics": [
            {
                "id": link.pk,
                "metric": link.metric.slug,
                "claim": link.claim_id,
                "score": f"{link.score_name or '(first)'}.{link.score_metric}",
                "condition": link.label,
            }
            for link in harness.metric_links.select_related("metric")
        ],
    }


def provisional_purpose(harness: Harness, model: EvalModel) -> str:
    """What a run will be if it gets a GPU; the worker may downgrade it to a
    pipeline check (CPU), never upgrade it."""
    for candidate in (model, harness.grader):
        if candidate and (candidate.provider == EvalModel.Provider.MOCK or candidate.is_stand_in):
            return ReproductionRun.Purpose.PIPELINE_CHECK
    return ReproductionRun.Purpose.REPRODUCTION


def trigger_run(harness: Harness, model: EvalModel, *, triggered_by: str, user=None) -> ReproductionRun:
    """Queue a run of `harness` on `model` and enqueue it on the gpu queue
    once the transaction commits. Raises RunAlreadyActive when one is
    already queued or running, ValidationError when the pair cannot run."""

    if not harness.task:
        raise ValidationError({"harness": f"The harness {harness} names no Inspect task."})
    if not model.is_active:
        raise ValidationError({"model": f"The model {model} is not active."})
    if provisional_purpose(harness, model) == ReproductionRun.Purpose.REPRODUCTION and not model.system_id:
        raise ValidationError({
            "model": f"The model {model} is linked to no AI system, so a reproduction could not say whose figure "
            "it measured. Link it to its AI system (a fine-tune or stand-in to its own system, never its base's)."
        })
    active = ReproductionRun.objects.filter(
        harness=harness, model=model, status__in=ReproductionRun.ACTIVE_STATUSES
    ).first()
    if active:
        raise RunAlreadyActive(active)
    try:
        with transaction.atomic():
            run = ReproductionRun.objects.create(
                harness=harness,
                model=model,
                triggered_by=triggered_by,
                requested_by=user if user and user.is_authenticated else None,
                purpose=provisional_purpose(harness, model),
                reference=snapshot_reference(harness, model),
            )
    except IntegrityError:
        # Another request queued the same pair between our check and insert.
        raise RunAlreadyActive(
            ReproductionRun.objects.filter(harness=harness, model=model, status__in=ReproductionRun.ACTIVE_STATUSES).first()
        ) from None
    transaction.on_commit(lambda: _enqueue(RUN_REPRODUCTION, run.pk))
    return run


def _enqueue(task, run_id: int) -> str | None:
    """Send the run to the gpu queue and remember the task; when the broker is
    unreachable the run stays queued without a task and requeue_undispatched
    sends it later (config.queueing). Returns the task id, if sent."""
    task_id = send(task, run_id)
    if task_id:
        ReproductionRun.objects.filter(pk=run_id).update(celery_task_id=task_id)
    return task_id


# A queued run this old that never reached the broker is sent again.
REQUEUE_AFTER = datetime.timedelta(minutes=1)


def requeue_undispatched(now: datetime.datetime | None = None) -> int:
    """Send the queued runs recorded while the broker was unreachable; the
    run task is idempotent, so one sent twice still runs once. Returns how many were sent."""

    cutoff = (now or timezone.now()) - REQUEUE_AFTER
    waiting = ReproductionRun.objects.filter(
        status=ReproductionRun.Status.QUEUED, celery_task_id="", created__lt=cutoff
    ).values_list("pk", flat=True)
    return sum(1 for run_id in waiting if _enqueue(RUN_REPRODUCTION, run_id))


def recover_lost_runs() -> list[int]:
    """Requeue each run marked running whose worker is gone: no database
    session holds its lock (reproductions.locks: a worker holds it for as
    long as it executes the run, and PostgreSQL releases it when the
    worker's process dies). The run goes back to *queued* with a note and
    is sent again, or ends as failed with the reason once it has used the
    attempts allowed (AIKB_REPRODUCTION_MAX_ATTEMPTS). Called when a worker
    starts and every minute by beat; safe anywhere, any time. Returns the
    ids requeued."""
    from django.conf import settings

    from . import locks

    max_attempts = max(1, int(getattr(settings, "AIKB_REPRODUCTION_MAX_ATTEMPTS", 2)))
    requeued = []
    for run_id in ReproductionRun.objects.filter(status=ReproductionRun.Status.RUNNING).values_list("pk", flat=True):
        if not locks.try_lock(run_id):
            continue  # a live worker is executing it
        try:
            with transaction.atomic():
                run = ReproductionRun.objects.select_for_update().filter(
                    pk=run_id, status=ReproductionRun.Status.RUNNING
                ).first()
                if run is None:
                    continue
                interrupted = f"Attempt {run.attempts} was interrupted: its worker stopped mid-run."
                if run.attempts >= max_attempts:
                    run.status = ReproductionRun.Status.FAILED
                    run.finished_at = timezone.now()
                    run.error = (
                        f"The worker stopped in the middle of this run {run.attempts} time(s) (killed, stopped with "
                        f"Ctrl-C, out of memory); it is not started again after {max_attempts} attempt(s)."
                    )
                else:
                    run.status = ReproductionRun.Status.QUEUED
                    run.celery_task_id = ""
                    run.samples_done = 0
                    run.notes = [*run.notes, f"{interrupted} Queued again."]
                    transaction.on_commit(lambda pk=run_id: _enqueue(RUN_REPRODUCTION, pk))
                    requeued.append(run_id)
                run.save()
        finally:
            locks.unlock(run_id)
    return requeued


@transaction.atomic
def cancel_run(run: ReproductionRun) -> bool:
    """Cancel a queued or running run. A queued run never starts; a running
    one stops at its next model call (and a prefork worker's process is
    terminated). Returns False when the run had already ended."""
    locked = ReproductionRun.objects.select_for_update().get(pk=run.pk)
    if locked.status not in ReproductionRun.ACTIVE_STATUSES:
        return False
    was_running = locked.status == ReproductionRun.Status.RUNNING
    locked.status = ReproductionRun.Status.CANCELLED
    locked.finished_at = timezone.now()
    locked.error = ""
    locked.save()
    run.status = locked.status
    if was_running and locked.celery_task_id:
        task_id = locked.celery_task_id
        transaction.on_commit(lambda: _terminate(task_id))
    return True


def _terminate(task_id: str) -> None:
    # Frees the GPU at once on a prefork worker; the runner's own check
    # stops the eval where the worker cannot terminate (solo, threads).
    current_app.control.revoke(task_id, terminate=True, signal="SIGTERM")


def schedule_reruns(*, harness_ids=None, model_ids=None, now: datetime.datetime | None = None, force: bool = False) -> list[ReproductionRun]:
    """Queue runs over the matrix of active harnesses × their active models.

    A pair is queued when it has never run, or its last run is older than
    the harness's `rerun_every_days` (or always with `force`, e.g. for a
    newly registered model); pairs already queued or running are skipped."""
    now = now or timezone.now()
    harnesses = Harness.objects.filter(is_active=True).exclude(task="").prefetch_related("eval_models")
    if harness_ids is not None:
        harnesses = harnesses.filter(pk__in=harness_ids)
    last_runs = {
        (row["harness_id"], row["model_id"]): row["last"]
        for row in ReproductionRun.objects.values("harness_id", "model_id").annotate(last=Max("created"))
    }
    active = set(
        ReproductionRun.objects.filter(status__in=ReproductionRun.ACTIVE_STATUSES).values_list("harness_id", "model_id")
    )
    queued = []
    for harness in harnesses:
        for model in harness.eval_models.all():
            if not model.is_active or (model_ids is not None and model.pk not in model_ids):
                continue
            if (harness.pk, model.pk) in active:
                continue
            last = last_runs.get((harness.pk, model.pk))
            due = force or last is None or (
                harness.rerun_every_days and now - last >= datetime.timedelta(days=harness.rerun_every_days)
            )
            if not due:
                continue
            try:
                queued.append(trigger_run(harness, model, triggered_by=ReproductionRun.Trigger.SCHEDULE))
            except RunAlreadyActive:
                continue
    return queued


def register_model(*, name: str, slug: str, local_path: str, digests: dict[str, str], **fields) -> EvalModel:
    """Create or update a model (local weights with the SHA-256s of their
    files, or an endpoint), checked as the admin checks it."""
    model = EvalModel.objects.filter(slug=slug).first() or EvalModel(slug=slug)
    for field, value in {"name": name, "local_path": local_path, "weight_sha256": digests, **fields}.items():
        setattr(model, field, value)
    model.full_clean(validate_unique=False)
    model.save()
    return model


LINK_FIELDS = ("score_name", "score_metric", "sample_size_metric", "label")


def link_shipped_harness(harness: Harness, link: dict):
    """Link `harness` to the curated claim and metric a shipped reference
    names (reproductions.shipped: the incident's public id, the start of the
    claim's statement, the metric's slug, and LINK_FIELDS). Returns
    (claim, metric, missing): `missing` names the part not loaded ("claim"
    or "metric"), and then nothing is linked."""
    from incidents.models import Claim, Metric

    claim = Claim.objects.filter(
        incident__public_id=link["incident"], statement__startswith=link["statement_starts"]
    ).first()
    metric = Metric.objects.filter(slug=link["metric"]).first()
    if claim is None or metric is None:
        return claim, metric, "claim" if claim is None else "metric"
    HarnessMetric.objects.update_or_create(
        harness=harness, metric=metric, claim=claim, defaults={field: link.get(field, "") for field in LINK_FIELDS}
    )
    return claim, metric, None
