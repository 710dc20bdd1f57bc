import sqlite3

import pytest
from django.db import connection, connections

from kb.sqlite_backend.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own pragma")


@pytest.fixture
def open_file_database(django_db_blocker):
    """A connection of kb's backend to a scratch file (not the test database)."""
    with django_db_blocker.unblock():
        yield lambda path: DatabaseWrapper(
            {**connection.settings_dict, "NAME": str(path)}, alias="optimize"
        )


def test_closing_a_connection_gives_the_planner_statistics_for_the_tables_it_queried(
    tmp_path, open_file_database
):
    path = tmp_path / "kb.sqlite3"
    database = open_file_database(path)
    with database.cursor() as cursor:
        cursor.execute("CREATE TABLE clause (topic INTEGER, heading TEXT)")
        cursor.execute("CREATE INDEX clause_topic ON clause (topic)")
        cursor.executemany(
            "INSERT INTO clause VALUES (%s, %s)", [(n % 10, f"Clause {n}") for n in range(1000)]
        )
        cursor.execute("SELECT heading FROM clause WHERE topic = 3")
        cursor.fetchall()
    database.close()
    statistics = sqlite3.connect(path).execute("SELECT tbl, idx FROM sqlite_stat1").fetchall()
    assert statistics == [("clause", "clause_topic")]


def test_a_connection_that_queried_nothing_closes_without_analysing(tmp_path, open_file_database):
    path = tmp_path / "kb.sqlite3"
    database = open_file_database(path)
    with database.cursor() as cursor:
        cursor.execute("CREATE TABLE clause (topic INTEGER)")
    database.close()
    tables = sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall()
    assert ("sqlite_stat1",) not in tables


def test_the_sites_connections_use_this_backend():
    assert isinstance(connections["default"], DatabaseWrapper)


def test_statistics_count_every_row_not_a_sample(tmp_path, open_file_database):
    path = tmp_path / "kb.sqlite3"
    database = open_file_database(path)
    with database.cursor() as cursor:
        cursor.execute("CREATE TABLE announcement (status TEXT)")
        cursor.execute("CREATE INDEX announcement_status ON announcement (status)")
        cursor.executemany("INSERT INTO announcement VALUES (%s)", [("published",)] * 5000)
        cursor.execute("SELECT count(*) FROM announcement WHERE status = 'published'")
        cursor.fetchall()
    database.close()
    (stat,) = sqlite3.connect(path).execute("SELECT stat FROM sqlite_stat1").fetchone()
    # "rows, rows per status": one status for all 5,000 (a 400-row sample said ~400).
    assert stat == "5000 5000"


def test_migrate_leaves_statistics_for_the_planner(django_db_blocker):
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("migrate", verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone() == (1,)
