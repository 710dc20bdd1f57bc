"""Several processes writing records and updating one index at once, on a database
they all commit to (a file for SQLite, a database of its own on the PostgreSQL
server): nothing committed is lost, whoever dies or rebuilds meanwhile."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings
from django.db import connection

pytestmark = pytest.mark.slow

TIMEOUT = 120


@pytest.fixture(scope="module")
def database_url(tmp_path_factory):
    """A migrated database the child processes share, dropped afterwards."""
    if connection.vendor == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('processes') / 'kb.sqlite3'}"
        run(url, None, "manage.py", "migrate", "--noinput")
        yield url
        return
    site = urlsplit(os.environ["DATABASE_URL"])
    name = f"kb_processes_{os.getpid()}_{secrets.token_hex(3)}"
    server = urlunsplit(site._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(site._replace(path=f"/{name}"))
    try:
        run(url, None, "manage.py", "migrate", "--noinput")
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def environment(url: str, index_dir) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "kb.settings"}
    if index_dir is not None:
        env["KB_SEARCH_INDEX_DIR"] = str(index_dir)
    return env


def run(url: str, index_dir, *args: str) -> str:
    command = [sys.executable, *args] if args[0].endswith(".py") else None
    command = command or [sys.executable, "-m", "tests.search.index_processes", *args]
    result = subprocess.run(  # noqa: S603 - our own interpreter and modules
        command,
        cwd=settings.BASE_DIR,
        env=environment(url, index_dir),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def start(url: str, index_dir, *args: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "tests.search.index_processes", *args],
        cwd=settings.BASE_DIR,
        env=environment(url, index_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    return out


def verify(url: str, index_dir, words: list[str]) -> dict:
    return json.loads(run(url, index_dir, "verify", "--words", json.dumps(words)))


def test_a_writer_killed_before_its_commit_loses_nothing(database_url, tmp_path):
    index_dir = tmp_path / "search"
    run(database_url, index_dir, "update")
    words = json.loads(
        run(database_url, index_dir, "write", "--tag", "k", "--seconds", "0", "--no-update")
    )
    ready = tmp_path / "ready"
    hanging = start(database_url, index_dir, "update-then-hang", "--ready", str(ready))
    deadline = time.monotonic() + TIMEOUT
    while not ready.exists():
        assert hanging.poll() is None, hanging.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.05)
    hanging.send_signal(signal.SIGKILL)
    hanging.wait(timeout=TIMEOUT)
    # Its lock died with it: the next update takes the lock and applies the changes.
    run(database_url, index_dir, "update")
    assert verify(database_url, index_dir, words) == {"differences": 0, "found": words}


def test_writers_updating_at_once_lose_nothing(database_url, tmp_path):
    index_dir = tmp_path / "search"
    run(database_url, index_dir, "update")
    writers = [
        start(database_url, index_dir, "write", "--tag", tag, "--seconds", "4")
        for tag in ("w1", "w2", "w3")
    ]
    words = [word for writer in writers for word in json.loads(finish(writer))]
    # Searches apply what is pending: the last writes' changes, at the latest.
    outcome = verify(database_url, index_dir, words)
    assert outcome["differences"] == 0
    assert sorted(outcome["found"]) == sorted(words)


def test_a_rebuild_during_writes_misses_nothing(database_url, tmp_path):
    index_dir = tmp_path / "search"
    run(database_url, index_dir, "update")
    writer = start(database_url, index_dir, "write", "--tag", "r", "--seconds", "4")
    for _ in range(2):
        run(database_url, index_dir, "rebuild")
    words = json.loads(finish(writer))
    outcome = verify(database_url, index_dir, words)
    assert outcome["differences"] == 0
    assert sorted(outcome["found"]) == sorted(words)
