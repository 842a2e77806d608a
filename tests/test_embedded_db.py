"""The run command's embedded PostgreSQL 18 (config.embedded_db): it has
the extensions search needs, and a data folder of the old embedded
PostgreSQL 16 is carried over or moved aside, never deleted."""

import atexit
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest

from config import embedded_db

pytestmark = pytest.mark.integration


@pytest.fixture
def workdir():
    # Not under pytest's temporary folders: those are private to root (0700)
    # and the servers run as their own users when started by root. A short
    # path keeps the socket (in the data folder) under the Unix limit.
    path = Path(tempfile.mkdtemp(prefix="aikb-edb-"))
    path.chmod(0o755)
    servers = []
    yield path, servers
    for server in servers:
        server.cleanup()
        atexit.unregister(server._cleanup)
    shutil.rmtree(path, ignore_errors=True)


def query(server, sql):
    with psycopg.connect(server.get_uri(), autocommit=True) as connection:
        cursor = connection.execute(sql)
        return cursor.fetchall() if cursor.description else None


def test_a_new_folder_gets_postgresql_18_with_the_search_extensions(workdir):
    path, servers = workdir
    server = embedded_db.start(path / "pgdata", say=lambda line: None)
    servers.append(server)
    assert (path / "pgdata" / "PG_VERSION").read_text().strip() == "18"
    query(server, "CREATE EXTENSION pg_trgm; CREATE EXTENSION unaccent")
    assert query(server, "SELECT similarity('alibaba', 'alibba') > 0.3, unaccent('café')") == [(True, "cafe")]


def test_an_old_postgresql_16_folder_is_carried_over_and_kept(workdir):
    import pgserver

    path, servers = workdir
    old = pgserver.get_server(str(path / "pgdata"), cleanup_mode="stop")
    query(old, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('an editor''s work')")
    old.cleanup()
    atexit.unregister(old._cleanup)
    assert embedded_db.data_major_version(path / "pgdata") == "16"

    said = []
    server = embedded_db.start(path / "pgdata", say=said.append)
    servers.append(server)
    assert query(server, "SELECT note FROM kept") == [("an editor's work",)]
    assert embedded_db.data_major_version(path / "pgdata") == "18"
    [aside] = path.glob("pgdata-pg16-*")
    assert embedded_db.data_major_version(aside) == "16"  # the old folder is kept
    assert not list(path.glob("*.dump"))
    assert any(str(aside) in line for line in said) and any("Carried over" in line for line in said)


def test_without_the_old_server_an_old_folder_is_moved_aside_with_instructions(workdir, monkeypatch):
    path, servers = workdir
    old = path / "pgdata"
    old.mkdir()
    (old / "PG_VERSION").write_text("16\n")
    (old / "base").mkdir()
    (old / "base" / "table").write_text("data")
    monkeypatch.setattr(embedded_db, "_old_server", lambda old_dir: None)

    said = []
    server = embedded_db.start(old, say=said.append)
    servers.append(server)
    assert embedded_db.data_major_version(old) == "18"
    [aside] = path.glob("pgdata-pg16-*")
    assert (aside / "base" / "table").read_text() == "data"
    assert any("NOT carried over" in line and "pip install pgserver" in line for line in said)


def test_a_failed_carry_over_puts_the_old_folder_back(workdir, monkeypatch):
    path, servers = workdir
    old = path / "pgdata"
    old.mkdir()
    (old / "PG_VERSION").write_text("16\n")

    def fail(old_dir, new_server, say):
        raise SystemExit("Could not carry the old data over")

    monkeypatch.setattr(embedded_db, "carry_over", fail)
    with pytest.raises(SystemExit):
        embedded_db.start(old, say=lambda line: None)
    assert embedded_db.data_major_version(old) == "16"
    assert not list(path.glob("pgdata-pg16-*"))
    assert len(list(path.glob("pgdata-failed-*"))) == 1
