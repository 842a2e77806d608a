"""The benchmarks' own PostgreSQL database, filled with synthetic incidents.

Call `setup_bench_database(n)` before importing models: it points Django at
BENCH_DATABASE_NAME (default `aikb_bench`) on the server of DATABASE_URL,
creates and migrates it if needed, and tops it up to at least `n` synthetic
incidents with `manage.py generate_synthetic`. With BENCH_EMBEDDED=1 the
server is the run command's embedded PostgreSQL 18 (config.embedded_db), on
its own data folder `var/bench-pgdata`, started for the benchmark's process.
"""

import functools
import os
import time
from urllib.parse import urlparse, urlunparse

DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


@functools.cache
def _embedded_server():
    """The embedded PostgreSQL 18 on var/bench-pgdata, started once per
    process (it stops when the process exits)."""
    from pathlib import Path

    from config import embedded_db

    var = Path(os.environ.get("AIKB_VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    return embedded_db.start(var / "bench-pgdata", say=lambda line: print(line, flush=True))


def bench_database_url() -> str:
    server = _embedded_server().get_uri() if os.environ.get("BENCH_EMBEDDED") == "1" else None
    base = urlparse(server or os.environ.get("DATABASE_URL", DEFAULT_SERVER))
    name = os.environ.get("BENCH_DATABASE_NAME", "aikb_bench")
    return urlunparse(base._replace(path=f"/{name}"))


def _create_database_if_missing(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_bench_database(incidents: int, verbose: bool = True) -> None:
    """Make the benchmark database current and ensure it holds `incidents` synthetic incidents."""
    import django
    from django.core.management import call_command

    url = bench_database_url()
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    _create_database_if_missing(url)
    django.setup()
    call_command("migrate", verbosity=0)

    from incidents.models import Incident
    from reproductions.synthetic import SLUG_PREFIX

    have = Incident.objects.filter(slug__startswith=SLUG_PREFIX).count()
    if have < incidents:
        started = time.perf_counter()
        call_command("generate_synthetic", incidents=incidents - have, verbosity=1 if verbose else 0)
        if verbose:
            print(f"generated {incidents - have} synthetic incidents in {time.perf_counter() - started:.1f} s")


def server_version() -> str:
    """The PostgreSQL the figures were measured on, e.g. "PostgreSQL 18.1"."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return "PostgreSQL " + cursor.fetchone()[0].split()[0]
