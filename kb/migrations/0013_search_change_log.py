"""Search moves out of the database, to tantivy (kb/search): this migration removes
the FTS5 index (SQLite), the tsvector index (PostgreSQL) and the triggers that fed
them (migrations 0005, 0010 and 0012), and adds the change log the tantivy indexes
follow.

The log is written by triggers, in the transaction of each change, so every path
that changes a record (the admin, importers, bulk inserts, raw SQL) logs it, and a
rolled-back change logs nothing. A row names what changed, coarsely: a clause, an
announcement, a party or a topic (``kb.search.changes`` works out which documents
that touches). On PostgreSQL, statement triggers with transition tables log a bulk
insert in one statement, and each row carries its transaction's id (see
``kb.search.changes`` for why); SQLite's row triggers are cheap.

Reversing restores the old index from those migrations' own statements.
"""

import uuid
from importlib import import_module

from django.db import migrations, models
from django.db.models.functions import Now

# table: (what a row logs: [(target, column)], columns whose change matters on
# UPDATE (None: any), events)
WATCHED = {
    "kb_clause": (
        [("clause", "id"), ("clause", "supersedes_id")],
        (
            "heading", "text", "announcement_id", "position", "effect",
            "effective_from", "effective_until", "supersedes_id",
        ),
        ("INSERT", "UPDATE", "DELETE"),
    ),
    "kb_announcement": (
        [("announcement", "id")],
        ("title", "summary", "text", "status", "kind", "date", "date_precision", "published_at"),
        ("INSERT", "UPDATE", "DELETE"),
    ),
    "kb_party": ([("party", "id")], ("name", "short_name", "aliases"), ("UPDATE",)),
    "kb_topic": ([("topic", "id")], ("name",), ("UPDATE",)),
    "kb_clause_topics": ([("clause", "clause_id")], None, ("INSERT", "UPDATE", "DELETE")),
    "kb_clause_parties": ([("clause", "clause_id")], None, ("INSERT", "UPDATE", "DELETE")),
    "kb_announcement_parties": (
        [("announcement", "announcement_id")],
        None,
        ("INSERT", "UPDATE", "DELETE"),
    ),
}  # fmt: skip


def _name(table: str, event: str) -> str:
    return f"kb_search_log_{table.removeprefix('kb_')}_{event.lower()}"


# ---------------------------------------------------------------------- SQLite


def _sqlite_rows(targets, row: str) -> str:
    return "\n".join(
        f"INSERT INTO kb_search_change(target, target_id) "
        f"SELECT '{target}', {row}.{column} WHERE {row}.{column} IS NOT NULL;"
        for target, column in targets
    )


def _sqlite_triggers():
    for table, (targets, columns, events) in WATCHED.items():
        for event in events:
            when = ""
            if event == "UPDATE":
                body = _sqlite_rows(targets, "NEW") + "\n" + _sqlite_rows(
                    [(target, column) for target, column in targets if column != "id"], "OLD"
                )
                if columns:
                    when = "WHEN " + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
            else:
                body = _sqlite_rows(targets, "NEW" if event == "INSERT" else "OLD")
            yield (
                f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} {when} "
                f"BEGIN\n{body}\nEND"
            )


# ------------------------------------------------------------------ PostgreSQL


def _postgres_select(targets, rows: str, where: str = "") -> str:
    return " UNION ALL ".join(
        f"SELECT '{target}' AS target, {rows}.{column} AS target_id {where}"
        for target, column in targets
    )


def _postgres_triggers():
    yield (
        "ALTER TABLE kb_search_change "
        "ALTER COLUMN transaction_id SET DEFAULT pg_current_xact_id()::text::bigint"
    )
    for table, (targets, columns, events) in WATCHED.items():
        for event in events:
            name = _name(table, event)
            if event == "UPDATE":
                transition = "OLD TABLE AS old_rows NEW TABLE AS new_rows"
                changed = "TRUE"
                if columns:
                    changed = (
                        f"({', '.join(f'n.{c}' for c in columns)}) IS DISTINCT FROM "
                        f"({', '.join(f'o.{c}' for c in columns)})"
                    )
                where = f"FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE {changed}"
                select = _postgres_select(targets, "n", where)
                earlier = [(target, column) for target, column in targets if column != "id"]
                if earlier:
                    select += " UNION ALL " + _postgres_select(earlier, "o", where)
            else:
                transition = f"{'NEW' if event == 'INSERT' else 'OLD'} TABLE AS changed_rows"
                select = _postgres_select(targets, "changed_rows", "FROM changed_rows")
            yield f"""
                CREATE FUNCTION {name}() RETURNS trigger AS $$
                BEGIN
                    INSERT INTO kb_search_change(target, target_id)
                    SELECT DISTINCT target, target_id FROM ({select}) AS changed
                    WHERE target_id IS NOT NULL;
                    RETURN NULL;
                END;
                $$ LANGUAGE plpgsql
            """
            yield f"""
                CREATE TRIGGER {name} AFTER {event} ON {table}
                REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {name}()
            """


def create_log_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = _postgres_triggers() if vendor == "postgresql" else _sqlite_triggers()
    for statement in statements:
        schema_editor.execute(statement, params=None)


def drop_log_triggers(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    for table, (_, _, events) in WATCHED.items():
        for event in events:
            if postgres:
                schema_editor.execute(f"DROP FUNCTION IF EXISTS {_name(table, event)}() CASCADE")
            else:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table, event)}")


# ------------------------------------------------- the index of migrations 0005-0012

_SEARCH_INDEX = "kb.migrations.0005_search_index"
_PREFIX_INDEX = "kb.migrations.0010_search_prefix_index"
_STATEMENT_TRIGGERS = "kb.migrations.0012_postgres_statement_search_triggers"


def drop_database_search(apps, schema_editor):
    search_index = import_module(_SEARCH_INDEX)
    if schema_editor.connection.vendor == "postgresql":
        statement_triggers = import_module(_STATEMENT_TRIGGERS)
        for table, event in [
            ("kb_clause", "INSERT"),
            *((link, event) for link in statement_triggers.LINKS for event in statement_triggers.EVENTS),
        ]:
            schema_editor.execute(
                f"DROP FUNCTION IF EXISTS {statement_triggers._name(table, event)}() CASCADE"
            )
        statements = search_index.POSTGRES_REVERSE
    else:
        statements = search_index.SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement, params=None)


def restore_database_search(apps, schema_editor):
    import_module(_SEARCH_INDEX).forward(apps, schema_editor)
    prefix_index = import_module(_PREFIX_INDEX)
    prefix_index.recreate(f", prefix='{prefix_index.PREFIXES}'")(apps, schema_editor)
    import_module(_STATEMENT_TRIGGERS).forward(apps, schema_editor)


def create_identity(apps, schema_editor):
    apps.get_model("kb", "SearchLogState").objects.using(schema_editor.connection.alias).create(
        id=1, database=uuid.uuid4()
    )


class Migration(migrations.Migration):
    dependencies = [("kb", "0012_postgres_statement_search_triggers")]

    operations = [
        migrations.RunPython(drop_database_search, restore_database_search),
        migrations.DeleteModel(name="SearchDocument"),
        migrations.CreateModel(
            name="SearchChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "target",
                    models.CharField(
                        choices=[
                            ("clause", "Clause"),
                            ("announcement", "Announcement"),
                            ("party", "Party"),
                            ("topic", "Topic"),
                        ],
                        max_length=12,
                    ),
                ),
                ("target_id", models.BigIntegerField()),
                ("transaction_id", models.BigIntegerField(editable=False, null=True)),
                ("created_at", models.DateTimeField(db_default=Now(), editable=False)),
            ],
            options={
                "db_table": "kb_search_change",
                "indexes": [
                    models.Index(fields=["transaction_id"], name="search_change_transaction"),
                    models.Index(fields=["created_at"], name="search_change_created"),
                ],
            },
        ),
        migrations.CreateModel(
            name="SearchLogState",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("database", models.UUIDField()),
                ("pruned_through", models.BigIntegerField(default=0)),
            ],
            options={
                "db_table": "kb_search_log_state",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(id=1), name="search_log_state_single_row"
                    )
                ],
            },
        ),
        migrations.RunPython(create_identity, migrations.RunPython.noop),
        migrations.RunPython(create_log_triggers, drop_log_triggers),
    ]
