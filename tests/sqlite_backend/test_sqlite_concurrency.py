"""kb's SQLite settings (WAL, busy timeout, IMMEDIATE transactions) hold up under
gunicorn-like load: 8 writer and 8 reader processes on one database file."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from tests.concurrent_writes import CLAUSES_PER_WRITE

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="SQLite's locking; PostgreSQL locks rows itself"
    ),
]

SECONDS = 9


@pytest.fixture(scope="module")
def hammered(tmp_path_factory):
    """Run the writers and readers once; the tests read the outcome."""
    workdir = tmp_path_factory.mktemp("concurrency")
    database = workdir / "kb.sqlite3"
    out = workdir / "result.json"
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.concurrent_writes", "--migrate", "--seconds", str(SECONDS)]
        + ["--out", str(out)],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{database}"},
        check=True,
        timeout=SECONDS + 60,
    )
    result = json.loads(out.read_text())
    assert "crash" not in result, result.get("crash")
    return result, database


def test_no_writer_or_reader_meets_a_locked_database(hammered):
    result, _ = hammered
    assert result["committed"], "no write committed at all"
    assert result["reads"] > 0
    assert result["write_errors"] == []
    assert result["read_errors"] == []


def test_every_committed_write_is_in_the_database_afterwards(hammered):
    result, database = hammered
    with sqlite3.connect(database) as db:
        stored = dict(
            db.execute(
                "SELECT a.slug, count(c.id) FROM kb_announcement a"
                " LEFT JOIN kb_clause c ON c.announcement_id = a.id GROUP BY a.slug"
            ).fetchall()
        )
    assert {slug: stored.get(slug) for slug, _ in result["committed"]} == {
        slug: CLAUSES_PER_WRITE for slug, _ in result["committed"]
    }


def test_the_database_file_is_in_wal_mode(hammered):
    _, database = hammered
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
