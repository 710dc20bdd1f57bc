"""Planner statistics, refreshed after the bulk loaders (docs/operating/statistics.md).

Both databases choose their plans from statistics on each table and index. Taken
on a nearly empty database (after ``migrate`` or ``load_demo``), they describe tables
of a few rows, and SQLite keeps them until a table has grown 25-fold
(kb/sqlite_backend/base.py): every bulk loader refreshes them when it is done, so
the next import or page is planned for the data that is there.
"""

from __future__ import annotations

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, connections


def kb_tables() -> list[str]:
    """kb's tables: its models, their history and their many-to-many link tables."""
    models = apps.get_app_config("kb").get_models(include_auto_created=True)
    return sorted({model._meta.db_table for model in models if model._meta.managed})


def refresh_statistics(using: str = DEFAULT_DB_ALIAS) -> None:
    """Take fresh planner statistics of kb's tables.

    SQLite: a full ``ANALYZE`` (it reads whole indexes: 0.25 s at 100,000 clauses,
    20 s at a million, holding the write lock). PostgreSQL: ``ANALYZE`` of kb's
    tables (a sample of each, a fraction of a second). Must not run inside a
    transaction that might still roll back the rows it describes.
    """
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(table) for table in kb_tables())
            cursor.execute(f"ANALYZE {tables}")
