"""`make run` on a fresh server: `ensure_database` creates DATABASE_URL's database, or
says in one line what to do; `PORT` chooses the port."""

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from kb.management.commands import ensure_database

MANAGE = str(settings.BASE_DIR / "manage.py")
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs DATABASE_URL=postgres://..."
)


def manage_ensure_database(database_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, MANAGE, "ensure_database"],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=60,
    )


def server_url(database: str, **overrides) -> str:
    params = {**connection.get_connection_params(), **overrides}
    user = params.get("user") or ""
    password = f":{params['password']}" if params.get("password") else ""
    host = params.get("host") or "localhost"
    return f"postgres://{user}{password}@{host}:{params.get('port') or 5432}/{database}"


@pytest.fixture
def throwaway_database():
    """A database name nobody uses, dropped after the test."""
    name = f"kb_ensure_{uuid.uuid4().hex[:12]}"
    yield name
    params = {**connection.get_connection_params(), "dbname": "postgres"}
    with psycopg.connect(**params, autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')


def database_exists(name: str) -> bool:
    params = {**connection.get_connection_params(), "dbname": "postgres"}
    with psycopg.connect(**params) as server:
        return bool(
            server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        )


@on_postgresql
def test_a_missing_database_is_created_then_found(throwaway_database):
    first = manage_ensure_database(server_url(throwaway_database))
    assert first.returncode == 0, first.stderr
    assert f"Created database {throwaway_database!r}" in first.stdout
    assert database_exists(throwaway_database)
    again = manage_ensure_database(server_url(throwaway_database))
    assert again.returncode == 0, again.stderr
    assert "exists" in again.stdout


@on_postgresql
def test_a_server_that_cannot_be_reached_is_one_line_and_a_failure(throwaway_database):
    result = manage_ensure_database(server_url(throwaway_database, port=1))
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert f"Cannot use database {throwaway_database!r}" in result.stderr
    assert "Traceback" not in result.stderr
    assert not database_exists(throwaway_database)


def test_a_user_who_may_not_create_databases_is_told_how(monkeypatch):
    """A user without CREATEDB (simulated: this test creates no roles on the server)."""

    class Server:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def execute(self, query, params=None):
            if not isinstance(query, str):  # the composed CREATE DATABASE
                raise psycopg.errors.InsufficientPrivilege("permission denied to create database")
            return self  # the look-up in pg_database, which finds nothing

        def fetchone(self):
            return None

    def connect(**params):
        if params["dbname"] == "kb":
            raise psycopg.OperationalError(
                'connection to server at "db", port 5432 failed: FATAL:  database "kb" does '
                "not exist"
            )
        return Server()

    monkeypatch.setattr(ensure_database.psycopg, "connect", connect)
    params = {"dbname": "kb", "user": "kb", "host": "db", "port": 5432}
    with pytest.raises(CommandError) as refused:
        ensure_database.ensure_postgres_database(params)
    message = str(refused.value)
    assert "\n" not in message
    assert "'kb' does not exist on db:5432 and 'kb' may not create it" in message
    assert "createdb -h db -p 5432 -U <a user who may> -O kb kb" in message


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite run")
def test_on_sqlite_there_is_nothing_to_create(capsys):
    call_command("ensure_database")
    assert "nothing to create" in capsys.readouterr().out


@pytest.mark.parametrize(("port", "expected"), [(None, "8000"), ("8123", "8123")])
def test_make_run_ensures_the_database_before_migrating_and_serves_on_port(port, expected):
    # Run as a top-level make (CI calls the suite from `make test`): no inherited make state.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PORT", "MAKEFLAGS", "MAKELEVEL", "MFLAGS"}
    }
    if port:
        env["PORT"] = port
    result = subprocess.run(  # noqa: S603
        ["make", "--no-print-directory", "--dry-run", "--always-make", "run"],  # noqa: S607
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    lines = result.stdout.splitlines()
    ensure = next(i for i, line in enumerate(lines) if "manage.py ensure_database" in line)
    migrate = next(i for i, line in enumerate(lines) if "manage.py migrate" in line)
    assert ensure < migrate
    assert lines[-1].endswith(f"manage.py runserver 127.0.0.1:{expected}")
