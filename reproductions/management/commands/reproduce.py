"""Run a harness on its models, with a progress bar."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from reproductions.models import EvalModel, Harness, ReproductionRun
from reproductions.runner import execute_run
from reproductions.services import RunAlreadyActive, trigger_run

POLL_SECONDS = 1.0


class Command(BaseCommand):
    help = (
        "Run HARNESS on --model (repeatable; default: every model registered for it). By default the run is "
        "queued for a gpu worker and followed; --inline runs it in this process."
    )

    def add_arguments(self, parser):
        parser.add_argument("harness", help="Harness slug.")
        parser.add_argument("--model", action="append", default=[], help="Model slug (repeatable).")
        parser.add_argument("--inline", action="store_true", help="Run here instead of on a gpu worker.")
        parser.add_argument("--no-wait", action="store_true", help="Queue and return without following.")

    def handle(self, *args, **options):
        harness = Harness.objects.filter(slug=options["harness"]).first()
        if harness is None:
            raise CommandError(f"Unknown harness {options['harness']!r}.")
        if options["model"]:
            models = list(EvalModel.objects.filter(slug__in=options["model"]))
            missing = set(options["model"]) - {m.slug for m in models}
            if missing:
                raise CommandError(f"Unknown model(s): {', '.join(sorted(missing))}.")
        else:
            models = list(harness.eval_models.filter(is_active=True))
            if not models:
                raise CommandError(f"No model is registered for {harness}; pass --model.")
        failures = 0
        for model in models:
            try:
                run = trigger_run(harness, model, triggered_by=ReproductionRun.Trigger.COMMAND)
            except RunAlreadyActive as error:
                raise CommandError(str(error)) from error
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from error
            self.stdout.write(f"Run {run.pk}: {harness} on {model}")
            if options["no_wait"] and not options["inline"]:
                continue
            run = self.follow(run, inline=options["inline"])
            failures += run.status != ReproductionRun.Status.SUCCEEDED
            self.report(run)
        if failures:
            raise CommandError(f"{failures} run(s) did not succeed.")

    def follow(self, run: ReproductionRun, *, inline: bool) -> ReproductionRun:
        with tqdm(total=None, desc=f"run {run.pk}", unit="sample", file=self.stderr._out) as bar:

            def show(done: int, total: int | None) -> None:
                if total is not None and bar.total != total:
                    bar.total = total
                bar.n = done
                bar.refresh()

            if inline:
                return execute_run(run.pk, on_progress=show)
            while True:
                run.refresh_from_db()
                bar.set_postfix_str(run.status)
                show(run.samples_done, run.samples_total)
                if run.status in ReproductionRun.FINAL_STATUSES:
                    return run
                time.sleep(POLL_SECONDS)

    def report(self, run: ReproductionRun) -> None:
        line = f"Run {run.pk} {run.status} ({run.get_purpose_display().lower()})"
        if run.error:
            self.stdout.write(self.style.ERROR(f"{line}: {run.error}"))
            return
        self.stdout.write(self.style.SUCCESS(line))
        verdicts = {v.measurement_id: v for v in run.verdicts.all()}
        for measurement in run.measurements.select_related("metric").order_by("id"):
            verdict = verdicts.get(measurement.pk)
            outcome = f"{verdict.get_outcome_display()}: {verdict.reason}" if verdict else "no verdict"
            self.stdout.write(
                f"  {measurement.metric}: {measurement.value:.3g} [{measurement.lower}, {measurement.upper}] "
                f"n={measurement.sample_size} → {outcome}"
            )
        if run.samples_ungraded:
            self.stdout.write(f"  {run.samples_ungraded} sample(s) ungraded, left out of the figures")
        for note in run.notes:
            self.stdout.write(f"  Note: {note}")
