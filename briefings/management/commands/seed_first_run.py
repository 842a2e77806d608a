"""What the run command adds after the curated data, so that its first start
shows the whole product: the shipped harnesses linked to the curated
claims, a finished pipeline check with its samples, and a digest.

A briefings command because this is the one app that may use both the
reproductions and the digests (tests/test_architecture.py). Each step calls
the service the worker or the beat schedule uses, here in this process, so
no worker is needed; each is idempotent, so the run command calls this on
every start."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from tqdm import tqdm

from briefings.first_run import ensure_first_digest
from reproductions.pipeline_check import run_pipeline_check, seed_pipeline_check


class Command(BaseCommand):
    help = (
        "Seed the shipped harnesses and link them to the curated claims, run the shipped pipeline check "
        "(Inspect's mock model, no GPU or network; labelled a pipeline check, never a verdict) once, and build "
        "a first digest while the archive is empty. Idempotent: `scripts/run.sh` runs it on every start, after "
        "load_curated."
    )

    def handle(self, *args, verbosity=1, **options):
        call_command("seed_harnesses", stdout=self.stdout)
        seed_pipeline_check()
        bars = []

        def show(done: int, total: int | None) -> None:
            # A bar only while a run goes on: later starts find it recorded.
            if not bars:
                bars.append(tqdm(total=total, desc="pipeline check", unit="sample", file=self.stderr._out,
                                 disable=verbosity == 0))
            bar = bars[0]
            if total is not None and bar.total != total:
                bar.total = total
            bar.n = done
            bar.refresh()

        try:
            check = run_pipeline_check(on_progress=show)
        finally:
            for bar in bars:
                bar.close()
        self.stdout.write(check.message)
        digest, message = ensure_first_digest()
        self.stdout.write(message)
        # A first dated release at /data/ (by name: releases sits beside briefings, not below).
        call_command("publish_release", "--if-none", stdout=self.stdout)
