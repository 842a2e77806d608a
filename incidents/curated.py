"""Loading the curated, cited fixtures of the seed incidents."""

import shutil
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import transaction

from .models import Incident
from .search import refresh_search_vectors

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
# Order matters: taxonomy before the incidents that use it.
CURATED_FIXTURES = ["taxonomy.yaml", "curated.yaml"]
ARCHIVES_DIR = FIXTURES_DIR / "archives"
# Curated rows withdrawn from the fixtures, removed from databases loaded
# before: Figure 1 of the agentic-misalignment study repeats the runs of
# its Figure 7, which were stored twice (measurements 1, 3, 4 and 5).
WITHDRAWN = {"incidents.Measurement": [1, 3, 4, 5]}


def curated_is_loaded() -> bool:
    return Incident.objects.exists()


def copy_archived_files() -> None:
    """Put the archived copies the fixtures refer to where media storage serves them."""
    target = Path(settings.MEDIA_ROOT) / "archives"
    target.mkdir(parents=True, exist_ok=True)
    for path in ARCHIVES_DIR.glob("*"):
        if path.is_file():
            shutil.copyfile(path, target / path.name)


@transaction.atomic
def load_curated(verbosity: int = 1) -> None:
    """Load every curated fixture, then refresh the stored search vectors.

    Fixtures carry fixed primary keys, so loading twice updates rather than
    duplicates."""
    copy_archived_files()
    for label, pks in WITHDRAWN.items():
        apps.get_model(label).objects.filter(pk__in=pks).delete()
    call_command("loaddata", *[str(FIXTURES_DIR / name) for name in CURATED_FIXTURES], verbosity=verbosity)
    refresh_search_vectors()
