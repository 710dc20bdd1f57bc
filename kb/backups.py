"""Backups of the whole knowledge base, taken while the site is running, and restores.

SQLite: a page-for-page copy made with SQLite's online backup API, which reads one
consistent snapshot (in WAL mode writers carry on meanwhile) and is itself a
working database file. PostgreSQL (or SQLite with ``as_json``, to move between
engines): a JSON dump (Django's serializer, natural keys) read inside one
transaction (REPEATABLE READ on PostgreSQL), so every table comes from the same
snapshot.

A backup is written under a temporary name and renamed when complete, so a file
with a backup's name is always a whole backup.

Search indexes (kb.search) follow a database by its identity and its change log. A
restored database's records match no existing index (an index of the same identity
reflects what the database held later, or another database altogether), so a
restore gives the database a new identity: every index of it is rebuilt from the
restored records on first use. JSON backups carry neither the change log nor the
identity.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.test.utils import override_settings

from kb.models import Announcement, Clause, Party, Topic
from kb.search.changes import ChangeLog

SQLITE_SUFFIX = ".sqlite3"
JSON_SUFFIX = ".json.gz"
# Rebuilt by `migrate` on any database, or worthless in a restored copy (the search
# change log and identity: a restore starts both afresh).
NOT_IN_JSON_BACKUPS = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "axes",
    "kb.SearchChange",
    "kb.SearchLogState",
]


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


@dataclass(frozen=True)
class Contents:
    announcements: int
    clauses: int
    parties: int
    topics: int
    users: int

    @classmethod
    def of_database(cls) -> Contents:
        return cls(
            announcements=Announcement.objects.count(),
            clauses=Clause.objects.count(),
            parties=Party.objects.count(),
            topics=Topic.objects.count(),
            users=get_user_model().objects.count(),
        )

    @property
    def is_empty(self) -> bool:
        return not any(vars(self).values())

    def __str__(self) -> str:
        return ", ".join(f"{count} {name}" for name, count in vars(self).items())


def backup_name(now: dt.datetime, *, as_json: bool) -> str:
    suffix = JSON_SUFFIX if as_json else SQLITE_SUFFIX
    return f"kb-{now.astimezone(dt.UTC):%Y%m%dT%H%M%S%fZ}{suffix}"


def backup(directory: Path, *, as_json: bool = False) -> Path:
    """Write a consistent snapshot of the database into ``directory``; return its path.

    SQLite gets a database file unless ``as_json`` (the way to move to PostgreSQL);
    PostgreSQL always gets JSON."""
    connection = connections[DEFAULT_DB_ALIAS]
    as_json = as_json or connection.vendor != "sqlite"
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / backup_name(dt.datetime.now(dt.UTC), as_json=as_json)
    if target.exists():
        raise BackupError(f"{target} already exists.")
    partial = target.with_name(target.name + ".partial")
    try:
        if not as_json:
            _backup_sqlite(partial)
        else:
            _backup_json(partial)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _backup_sqlite(path: Path) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    connection.ensure_connection()
    with sqlite3.connect(path) as copy:
        # pages=-1 (the default) copies everything in one step, from one read snapshot.
        connection.connection.backup(copy)
    copy.close()


def _backup_json(path: Path) -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    # One transaction, so every table is read from the same snapshot. On SQLite it is
    # IMMEDIATE (settings), so writers wait until the dump is done.
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        with gzip.open(path, "wt", encoding="utf-8") as out:
            call_command(
                "dumpdata",
                natural_foreign=True,
                natural_primary=True,
                exclude=NOT_IN_JSON_BACKUPS,
                stdout=out,
                verbosity=0,
            )


def restore(path: Path, *, force: bool = False) -> Contents:
    """Replace the database's contents with the backup at ``path``, under a new
    identity (every search index of it is rebuilt); return what it now holds.
    Refuses a database that holds anything unless ``force``."""
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    current = Contents.of_database()
    if not current.is_empty and not force:
        raise BackupError(
            f"The database is not empty ({current}); restoring {path.name} would replace "
            "all of it. Pass --force to do that."
        )
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if path.name.endswith(SQLITE_SUFFIX):
        if vendor != "sqlite":
            raise BackupError(
                f"{path.name} is a SQLite backup; this database is {vendor}. "
                "To move to it, take a JSON backup on SQLite (backup_kb --json)."
            )
        _restore_sqlite(path)
    elif path.name.endswith(JSON_SUFFIX):
        _restore_json(path)
    else:
        raise BackupError(f"{path.name}: not a kb backup (*{SQLITE_SUFFIX} or *{JSON_SUFFIX}).")
    return Contents.of_database()


def _restore_sqlite(path: Path) -> None:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as source:
            problems = source.execute("PRAGMA quick_check").fetchall()
            tables = {row[0] for row in source.execute("SELECT name FROM sqlite_master")}
            if problems != [("ok",)] or "kb_announcement" not in tables:
                raise BackupError(f"{path.name}: not a kb backup, or a damaged one.")
            connection = connections[DEFAULT_DB_ALIAS]
            connection.close()
            connection.ensure_connection()
            # The backup API replaces the live database in one write transaction:
            # other connections see the old contents or the new, never a mixture.
            source.backup(connection.connection)
        source.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path.name}: not a kb backup ({error}).") from error
    # The copy holds the identity and change log of the database it was taken from:
    # an index of that identity may reflect later records. (A separate transaction:
    # should the process die just before it, the restore did not report success, and
    # running it again gives the new identity.)
    ChangeLog(DEFAULT_DB_ALIAS).new_identity()


def _restore_json(path: Path) -> None:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as dump:
            json.load(dump)
    except (OSError, EOFError, ValueError) as error:
        raise BackupError(f"{path.name}: not a kb backup ({error}).") from error
    try:
        # The backup holds the history as it was: loading it must not write more
        # (django-simple-history records m2m changes even from loaddata).
        with override_settings(SIMPLE_HISTORY_ENABLED=False), transaction.atomic():
            call_command("flush", interactive=False, verbosity=0)
            call_command("loaddata", str(path), verbosity=0)
            # In the same transaction. (Backups taken before NOT_IN_JSON_BACKUPS left
            # the search log out bring the old identity back: replaced here too.)
            ChangeLog(DEFAULT_DB_ALIAS).new_identity()
    except (DatabaseError, DeserializationError) as error:
        raise BackupError(f"{path.name} could not be restored; nothing changed. {error}") from error
