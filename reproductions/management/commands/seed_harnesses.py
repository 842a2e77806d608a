"""Create (or update) the harness references this project ships."""

from django.core.management.base import BaseCommand
from django.db import transaction

from incidents.models import Claim, Metric
from reproductions.models import Harness, HarnessMetric
from reproductions.shipped import SHIPPED

HARNESS_FIELDS = (
    "name", "description", "task", "task_args", "task_version", "grader_task_arg", "temperature", "do_sample",
    "max_tokens", "epochs", "batch_size", "min_sample_size", "equivalence_margin", "max_ungraded_share",
)
LINK_FIELDS = ("score_name", "score_metric", "sample_size_metric", "label")


class Command(BaseCommand):
    help = (
        "Create or update the shipped harness references (agentic misalignment, emergent misalignment, "
        "egress probe) and link them to the curated claims and metrics they test. Models and graders are "
        "added afterwards (register_model, or the admin)."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        for spec in SHIPPED:
            harness, created = Harness.objects.update_or_create(
                slug=spec["slug"], defaults={field: spec[field] for field in HARNESS_FIELDS}
            )
            self.stdout.write(f"{'Created' if created else 'Updated'} {harness.name}")
            for link in spec["links"]:
                claim = Claim.objects.filter(
                    incident__public_id=link["incident"], statement__startswith=link["statement_starts"]
                ).first()
                metric = Metric.objects.filter(slug=link["metric"]).first()
                if claim is None or metric is None:
                    missing = "claim" if claim is None else "metric"
                    self.stdout.write(self.style.WARNING(
                        f"  not linked: the {missing} of {link['incident']} ({link['metric']}) is not loaded"
                    ))
                    continue
                HarnessMetric.objects.update_or_create(
                    harness=harness, metric=metric, claim=claim,
                    defaults={field: link.get(field, "") for field in LINK_FIELDS},
                )
                self.stdout.write(f"  tests claim {claim.pk} of {link['incident']} ({metric.slug})")
