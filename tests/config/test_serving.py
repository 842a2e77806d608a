"""A serving process loads its views at start and keeps them out of the
garbage collector's walks (config.serving)."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]

PROBE = """
import gc, sys, time
import config.wsgi
loaded = "api.views" in sys.modules and "incidents.views" in sys.modules
frozen = gc.get_freeze_count()
started = time.perf_counter()
gc.collect()
print(loaded, frozen, len(gc.get_objects()), round((time.perf_counter() - started) * 1000, 1))
"""


def test_wsgi_application_loads_views_and_freezes_them():
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=BASE_DIR, env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    loaded, frozen, walked, _ = result.stdout.split()
    assert loaded == "True"  # imported at start, not by the first request
    # Start-up's objects (well over 100,000 with Django and DRF loaded) are
    # frozen; a full collection walks only the few made since.
    assert int(frozen) > 100_000
    assert int(walked) < int(frozen) / 10
