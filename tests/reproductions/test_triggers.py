"""Ways a run starts and stops: the API, the admin, `manage.py reproduce`,
the scheduler (periodic and on a newly registered model), cancellation;
and the pages that show runs."""

import datetime
import importlib
import io
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from api.tokens import issue_token
from reproductions.models import EvalModel, ReproductionRun
from reproductions.services import RunAlreadyActive, cancel_run, schedule_reruns, trigger_run
from tests.reproductions.factories import HarnessFactory, HarnessMetricFactory, MockModelFactory, RunFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def no_throttle_history():
    cache.clear()
    yield
    cache.clear()


def sent_tasks(where: str, task_name: str):
    """Capture what `where` (a module's `send`, see config.queueing) sends of
    `task_name`: the mock is called with the task's arguments."""
    sent = mock.Mock(return_value="task-123")

    def fake_send(task, *args, **kwargs):
        assert task.name == task_name
        return sent(*args, **kwargs)

    return mock.patch(where, side_effect=fake_send), sent


@pytest.fixture
def enqueued():
    """The gpu task as sent, captured: (run ids sent)."""
    patcher, sent = sent_tasks("reproductions.services.send", "reproductions.tasks.run_reproduction")
    with patcher:
        yield sent


@pytest.fixture
def pair():
    mapping = HarnessMetricFactory()
    model = MockModelFactory()
    return mapping.harness, model


def api_client(django_user_model, *perms):
    user = django_user_model.objects.create_user(username=f"u{len(perms)}", password="not-used-here-123")
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="reproductions"))
    _, plain = issue_token(user, "tests")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


def test_trigger_queues_a_run_on_the_gpu_queue_after_commit(pair, enqueued, django_capture_on_commit_callbacks):
    harness, model = pair
    with django_capture_on_commit_callbacks(execute=True):
        run = trigger_run(harness, model, triggered_by=ReproductionRun.Trigger.API)
    enqueued.assert_called_once_with(run.pk)
    run.refresh_from_db()
    assert run.status == ReproductionRun.Status.QUEUED and run.celery_task_id == "task-123"
    assert run.reference["harness"]["task"] == harness.task and run.reference["model"]["name"] == model.name
    with pytest.raises(RunAlreadyActive):
        trigger_run(harness, model, triggered_by=ReproductionRun.Trigger.API)


def test_gpu_task_is_routed_to_the_gpu_queue_and_survives_worker_loss():
    from config.celery import app
    from reproductions.tasks import run_reproduction

    assert app.amqp.router.route({}, run_reproduction.name)["queue"].name == "gpu"
    assert run_reproduction.acks_late and run_reproduction.reject_on_worker_lost
    assert run_reproduction.soft_time_limit < run_reproduction.time_limit


def test_api_post_answers_202_with_the_run_address(pair, enqueued, django_user_model, django_capture_on_commit_callbacks):
    harness, model = pair
    client = api_client(django_user_model, "add_reproductionrun")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/runs/", {"harness": harness.slug, "model": model.slug}, format="json")

    assert response.status_code == 202, response.content
    run = ReproductionRun.objects.get()
    assert response["Location"] == response.json()["url"] == f"http://testserver/api/v1/runs/{run.pk}/"
    assert response.json()["status"] == "queued" and response.json()["purpose"] == "pipeline-check"
    assert run.triggered_by == ReproductionRun.Trigger.API
    enqueued.assert_called_once_with(run.pk)
    detail = client.get(response["Location"]).json()
    assert detail["progress"] == {"done": 0, "total": None, "percent": None, "ungraded": 0}

    again = client.post("/api/v1/runs/", {"harness": harness.slug, "model": model.slug}, format="json")
    assert again.status_code == 400 and "already queued" in str(again.json())


def test_api_post_refuses_unknown_names_and_users_without_permission(pair, django_user_model):
    harness, model = pair
    client = api_client(django_user_model, "add_reproductionrun")
    bad = client.post("/api/v1/runs/", {"harness": "nope", "model": model.slug}, format="json")
    assert bad.status_code == 400 and "harness" in bad.json()["errors"]

    reader = api_client(django_user_model)
    assert reader.post("/api/v1/runs/", {"harness": harness.slug, "model": model.slug}, format="json").status_code == 403
    assert APIClient().post("/api/v1/runs/", {"harness": harness.slug, "model": model.slug}, format="json").status_code in (401, 403)
    assert not ReproductionRun.objects.exists()


def test_api_lists_harnesses_and_runs_and_cancels(pair, django_user_model):
    harness, model = pair
    run = RunFactory(harness=harness, model=model, status="running", samples_done=3, samples_total=8)
    reader = APIClient()
    harnesses = reader.get("/api/v1/harnesses/").json()
    assert harness.slug in str(harnesses)
    listed = reader.get(f"/api/v1/runs/?harness={harness.slug}&status=running").json()
    assert str(run.pk) in str(listed) and "'percent': 38" in str(listed)

    client = api_client(django_user_model, "add_reproductionrun", "change_reproductionrun")
    response = client.post(f"/api/v1/runs/{run.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    again = client.post(f"/api/v1/runs/{run.pk}/cancel/")
    assert again.status_code == 409 and again.json()["code"] == "conflict" and "already ended" in again.json()["detail"]


def test_cancel_stops_a_queued_run_before_it_starts(pair):
    from reproductions.runner import execute_run

    harness, model = pair
    run = RunFactory(harness=harness, model=model)
    assert cancel_run(run) is True
    assert execute_run(run.pk).status == ReproductionRun.Status.CANCELLED
    assert cancel_run(run) is False


def test_cancelling_a_running_run_terminates_its_task(pair, django_capture_on_commit_callbacks):
    harness, model = pair
    run = RunFactory(harness=harness, model=model, status="running", celery_task_id="abc")
    with mock.patch("config.celery.app.control.revoke") as revoke, django_capture_on_commit_callbacks(execute=True):
        cancel_run(run)
    revoke.assert_called_once_with("abc", terminate=True, signal="SIGTERM")


def test_admin_action_queues_the_harness_on_each_registered_model(admin_client, pair, enqueued):
    harness, model = pair
    other = MockModelFactory()
    harness.eval_models.add(model, other)
    response = admin_client.post(
        reverse("admin:reproductions_harness_changelist"),
        {"action": "run_on_registered_models", "_selected_action": [harness.pk]},
        follow=True,
    )
    assert response.status_code == 200
    runs = ReproductionRun.objects.filter(harness=harness)
    assert {r.model for r in runs} == {model, other}
    assert {r.triggered_by for r in runs} == {"admin"}
    assert "Queued run" in response.content.decode()


def test_admin_add_form_queues_a_run_and_refuses_a_duplicate(admin_client, pair, enqueued):
    harness, model = pair
    url = reverse("admin:reproductions_reproductionrun_add")
    response = admin_client.post(url, {"harness": harness.pk, "model": model.pk})
    assert response.status_code == 302
    run = ReproductionRun.objects.get()
    assert run.reference["harness"]["id"] == harness.pk and run.requested_by.is_superuser

    duplicate = admin_client.post(url, {"harness": harness.pk, "model": model.pk})
    assert duplicate.status_code == 200 and "already queued or running" in duplicate.content.decode()
    assert ReproductionRun.objects.count() == 1


def test_admin_shows_progress_and_cancels(admin_client, pair):
    harness, model = pair
    run = RunFactory(harness=harness, model=model, status="running", samples_done=2, samples_total=8)
    page = admin_client.get(reverse("admin:reproductions_reproductionrun_changelist")).content.decode()
    assert '<progress max="8" value="2">' in page
    admin_client.post(
        reverse("admin:reproductions_reproductionrun_changelist"),
        {"action": "cancel_runs", "_selected_action": [run.pk]},
    )
    run.refresh_from_db()
    assert run.status == ReproductionRun.Status.CANCELLED


def test_reproduce_command_runs_inline_with_a_progress_bar(pair):
    harness, model = pair
    out, err = io.StringIO(), io.StringIO()
    call_command("reproduce", harness.slug, "--model", model.slug, "--inline", stdout=out, stderr=err)

    run = ReproductionRun.objects.get()
    assert run.status == "succeeded" and run.triggered_by == "command"
    assert "8/8" in err.getvalue()  # tqdm's bar reached the total
    assert f"Run {run.pk} succeeded (pipeline check)" in out.getvalue()
    assert "n=8 → no verdict" in out.getvalue()  # a pipeline check judges no claim


def test_reproduce_command_queues_without_waiting_and_reports_bad_names(pair, enqueued):
    harness, model = pair
    harness.eval_models.add(model)
    out = io.StringIO()
    call_command("reproduce", harness.slug, "--no-wait", stdout=out)
    assert ReproductionRun.objects.get().model == model
    with pytest.raises(CommandError, match="Unknown harness"):
        call_command("reproduce", "nope")
    with pytest.raises(CommandError, match="Unknown model"):
        call_command("reproduce", harness.slug, "--model", "nope")
    with pytest.raises(CommandError, match="already queued"):
        call_command("reproduce", harness.slug, "--no-wait", stdout=io.StringIO())


def test_reproduce_command_fails_when_the_run_fails(pair):
    harness, model = pair
    harness.task_version = "99"
    harness.save()
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 run"):
        call_command("reproduce", harness.slug, "--model", model.slug, "--inline", stdout=out, stderr=io.StringIO())
    assert "pins version 99" in out.getvalue()


def test_scheduler_queues_the_models_by_harnesses_matrix_once(enqueued):
    first, second = HarnessFactory(), HarnessFactory()
    m1, m2, retired = MockModelFactory(), MockModelFactory(), MockModelFactory(is_active=False)
    first.eval_models.add(m1, m2, retired)
    second.eval_models.add(m1)
    HarnessFactory(is_active=False).eval_models.add(m2)

    queued = schedule_reruns()
    assert {(r.harness, r.model) for r in queued} == {(first, m1), (first, m2), (second, m1)}
    assert all(r.triggered_by == "schedule" for r in queued)
    assert schedule_reruns() == []  # all already queued


def test_scheduler_reruns_only_what_is_due(enqueued):
    monthly, never = HarnessFactory(rerun_every_days=30), HarnessFactory(rerun_every_days=0)
    model = MockModelFactory()
    monthly.eval_models.add(model)
    never.eval_models.add(model)
    old = timezone.now() - datetime.timedelta(days=31)
    for harness in (monthly, never):
        run = RunFactory(harness=harness, model=model, status="succeeded")
        ReproductionRun.objects.filter(pk=run.pk).update(created=old)

    assert [r.harness for r in schedule_reruns()] == [monthly]
    assert schedule_reruns(now=timezone.now()) == []
    forced = schedule_reruns(harness_ids=[never.pk], force=True)
    assert [r.harness for r in forced] == [never]


def test_registering_a_model_for_a_harness_schedules_it(django_capture_on_commit_callbacks):
    harness, model, other = HarnessFactory(), MockModelFactory(), HarnessFactory()
    patcher, delay = sent_tasks("reproductions.signals.send", "reproductions.tasks.schedule_reproductions")
    with patcher:
        with django_capture_on_commit_callbacks(execute=True):
            harness.eval_models.add(model)
        delay.assert_called_once_with(harness_ids=[harness.pk], model_ids=[model.pk])
        delay.reset_mock()
        with django_capture_on_commit_callbacks(execute=True):
            model.harnesses.add(other)
        delay.assert_called_once_with(harness_ids=[other.pk], model_ids=[model.pk])


def test_schedule_task_and_periodic_entry(enqueued):
    from reproductions.tasks import schedule_reproductions

    HarnessFactory().eval_models.add(MockModelFactory())
    assert schedule_reproductions() == 1
    # The migration creates the entry; a transactional test may have flushed
    # the reused test database since, so apply its (idempotent) function again.
    from django.apps import apps

    importlib.import_module("reproductions.migrations.0004_rerun_schedule").create_schedule(apps, None)
    entry = PeriodicTask.objects.get(task="reproductions.tasks.schedule_reproductions")
    assert entry.enabled and entry.queue == "default" and entry.crontab.hour == "3"


def test_register_model_command_pins_every_file_and_schedules(tmp_path, settings, django_capture_on_commit_callbacks):
    settings.AIKB_MODELS_DIR = tmp_path
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"weights")
    harness = HarnessFactory()
    patcher, delay = sent_tasks("reproductions.signals.send", "reproductions.tasks.schedule_reproductions")
    with patcher, django_capture_on_commit_callbacks(execute=True):
        call_command("register_model", "My model", "--path", "my-model", "--harness", harness.slug, stdout=io.StringIO())
    model = EvalModel.objects.get(slug="my-model")
    assert set(model.weight_sha256) == {"config.json", "model.safetensors"}
    assert model.local_path == "my-model" and list(model.harnesses.all()) == [harness]
    delay.assert_called_once()
    with pytest.raises(CommandError, match="not a folder"):
        call_command("register_model", "X", "--path", "absent")


def test_run_page_shows_progress_and_pipeline_check_label(client, pair):
    harness, model = pair
    run = RunFactory(harness=harness, model=model, status="running", samples_done=2, samples_total=8)
    page = client.get(run.get_absolute_url())
    text = page.content.decode()
    assert page.status_code == 200
    assert '<progress max="8" value="2">' in text and "2 of 8 samples" in text
    assert "pipeline check" in text and 'http-equiv="refresh"' in text
    assert client.get("/runs/999999/").status_code == 404


def test_incident_page_shows_running_runs_and_verdict_history(client, queued_run):
    from reproductions.runner import execute_run

    done = execute_run(queued_run().pk)
    incident = done.harness.metric_links.get().claim.incident
    incident.is_published = True
    incident.save()
    running = RunFactory(harness=done.harness, model=MockModelFactory(), status="running", samples_done=1, samples_total=8)

    page = client.get(incident.get_absolute_url())
    text = page.content.decode()
    assert page.status_code == 200
    assert f'href="/runs/{running.pk}/"' in text and '<progress max="8" value="1">' in text
    assert f'href="/runs/{done.pk}/"' in text and "pipeline check" in text
    # Its figure is shown apart, labelled, and not among the metrics' data.
    assert "Pipeline checks (not data)" in text and "Pipeline check: <a" not in text


def test_seed_harnesses_creates_the_shipped_references_and_links_loaded_claims():
    from incidents.models import Metric
    from reproductions.models import Harness
    from reproductions.shipped import EMERGENT_MISALIGNMENT
    from tests.factories import ClaimFactory, IncidentFactory, MetricFactory

    link = EMERGENT_MISALIGNMENT["links"][0]
    claim = ClaimFactory(incident=IncidentFactory(public_id=link["incident"]),
                         statement=link["statement_starts"] + " of a set of questions.")
    MetricFactory(slug=link["metric"], unit=Metric.Unit.PERCENT)
    out = io.StringIO()
    call_command("seed_harnesses", stdout=out)
    call_command("seed_harnesses", stdout=out)  # idempotent

    assert Harness.objects.count() == 3
    em = Harness.objects.get(slug=EMERGENT_MISALIGNMENT["slug"])
    mapping = em.metric_links.get()
    assert (mapping.claim, mapping.score_metric, mapping.label) == (claim, "misaligned_rate", "")
    assert em.equivalence_margin == 10.0 and "Equivalence margin: 10 percentage points" in em.description
    assert "not linked" in out.getvalue()  # the agentic-misalignment claim is not loaded here
    agentic = Harness.objects.get(slug="agentic-misalignment-blackmail")
    assert agentic.task == "inspect_evals/agentic_misalignment" and agentic.task_args["scenario"] == "blackmail"


# The egress probe's pin: tests/reproductions/test_egress_probe.py (loading it needs Docker, or a stand-in).
@pytest.mark.parametrize("slug", ["emergent-misalignment-free-form-questions", "agentic-misalignment-blackmail"])
def test_shipped_harnesses_load_on_this_worker_at_their_pinned_version(slug):
    """The pins are right: each task loads with its arguments at the version the reference expects."""
    from reproductions.shipped import SHIPPED
    from reproductions.task_loader import load_task

    spec = next(s for s in SHIPPED if s["slug"] == slug)
    task = load_task(spec["task"], spec["task_args"])
    assert str(task.version) == spec["task_version"]


def test_run_and_harness_lists_cost_the_same_queries_for_one_item_or_many(queued_run):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reproductions.runner import execute_run

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert APIClient().get(url).status_code == 200
        return len(captured)

    execute_run(queued_run().pk)
    one_run, one_harness = queries("/api/v1/runs/"), queries("/api/v1/harnesses/")
    for _ in range(4):
        execute_run(queued_run().pk)
    assert queries("/api/v1/runs/") == one_run
    assert queries("/api/v1/harnesses/") == one_harness
