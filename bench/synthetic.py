"""How fast `generate_synthetic` fills an empty database.

Creates a fresh database (BENCH_SYNTHETIC_DATABASE, default
`aikb_bench_synthetic`) on the server of DATABASE_URL, migrates it, and times
the generation of BENCH_SYNTHETIC_INCIDENTS incidents (default 100,000; the
target is under 10 minutes on the 2-core development machine).
"""

import os
import time
from urllib.parse import urlparse, urlunparse

from bench.database import DEFAULT_SERVER

TARGET_SECONDS = 600


def fresh_database_url() -> str:
    import psycopg

    base = urlparse(os.environ.get("DATABASE_URL", DEFAULT_SERVER))
    name = os.environ.get("BENCH_SYNTHETIC_DATABASE", "aikb_bench_synthetic")
    with psycopg.connect(urlunparse(base._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(base._replace(path=f"/{name}"))


def main() -> list[tuple]:
    total = int(os.environ.get("BENCH_SYNTHETIC_INCIDENTS", "100000"))
    os.environ["DATABASE_URL"] = fresh_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from incidents.models import Claim, Evidence, Incident, Measurement, Source

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("generate_synthetic", incidents=total)
    elapsed = time.perf_counter() - started
    counts = {model.__name__: model.objects.count() for model in (Incident, Claim, Source, Evidence, Measurement)}
    print(f"generated {total} incidents in {elapsed:.1f} s: {counts}")
    projected = elapsed * 100_000 / total
    return [
        (f"generate {total} incidents", f"{elapsed:.0f}", "s", ""),
        ("rate", f"{total / elapsed:.0f}", "incidents/s", ""),
        ("time for 100,000 incidents" + ("" if total == 100_000 else " (projected)"), f"{projected:.0f}", "s",
         f"< {TARGET_SECONDS}"),
    ]
