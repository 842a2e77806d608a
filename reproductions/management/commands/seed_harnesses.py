"""Create (or update) the harness references this project ships."""

from django.core.management.base import BaseCommand
from django.db import transaction

from reproductions.models import Harness
from reproductions.services import link_shipped_harness
from reproductions.shipped import SHIPPED

HARNESS_FIELDS = (
    "name", "description", "task", "task_args", "task_version", "grader_task_arg", "temperature", "do_sample",
    "max_tokens", "epochs", "batch_size", "min_sample_size", "equivalence_margin", "max_ungraded_share",
)


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
                claim, metric, missing = link_shipped_harness(harness, link)
                if missing:
                    self.stdout.write(self.style.WARNING(
                        f"  not linked: the {missing} of {link['incident']} ({link['metric']}) is not loaded"
                    ))
                else:
                    self.stdout.write(f"  tests claim {claim.pk} of {link['incident']} ({metric.slug})")
