"""Planner statistics follow the bulk loaders (docs/operating/statistics.md)."""

import pytest
from django.core.management import call_command
from django.db import connection

from kb.models import Clause
from kb.statistics import kb_tables, refresh_statistics
from tests.factories import make_announcement, make_clause
from tests.samples import CuadRow, write_cuad_sample

pytestmark = pytest.mark.django_db


def clause_rows_in_statistics() -> int | None:
    """How many clauses the planner believes there are."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT stat FROM sqlite_stat1 WHERE tbl = 'kb_clause' AND idx = "
                "'clause_id_announcement'"
            )
            row = cursor.fetchone()
            return int(row[0].split()[0]) if row else None
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'kb_clause'")
        return int(cursor.fetchone()[0])


def test_refreshing_statistics_counts_the_rows_there_are_now():
    announcement = make_announcement()
    for _ in range(30):
        make_clause(announcement)
    refresh_statistics()
    assert clause_rows_in_statistics() == 30


def test_the_tables_analysed_are_kbs_own_with_history_and_links():
    tables = kb_tables()
    assert {"kb_clause", "kb_historicalclause", "kb_clause_topics", "kb_party"} <= set(tables)
    assert not any(table.startswith("auth_") for table in tables)


def test_load_demo_leaves_statistics_of_the_demo():
    call_command("load_demo")
    assert clause_rows_in_statistics() == Clause.objects.count() > 0


def test_import_cuad_leaves_statistics_of_what_it_imported(tmp_path):
    call_command("load_demo")
    rows = [
        CuadRow(
            filename=f"Contract_{n}.pdf",
            text=f"Terms {n}. The Licensee shall pay {n} dollars.",
            spans={"License Grant": [f"The Licensee shall pay {n} dollars."]},
        )
        for n in range(12)
    ]
    call_command("import_cuad", write_cuad_sample(tmp_path, rows), verbosity=0)
    assert clause_rows_in_statistics() == Clause.objects.count() >= 12 + 7


def test_a_small_statement_import_does_not_analyse_the_whole_database(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(
        "kb.management.commands.import_statement.refresh_statistics", lambda: calls.append(1)
    )
    path = tmp_path / "statement.txt"
    path.write_text("Summary.\n# A statement\n**Heading\\.**Body\\.\n", encoding="utf-8")
    call_command("import_statement", str(path))
    assert calls == []
