"""PostgreSQL: the search index follows inserted clauses and link rows once per
statement, not once per row.

Migration 0005's row triggers refreshed one clause's document per inserted clause
and per inserted topic, party or announcement-party link: Django adds a clause's
topics in one ``INSERT`` of many rows, and each row cost a refresh (5,000 topic links
took 23 s, about 50 clauses a second for a bulk import). Statement triggers with
transition tables (``REFERENCING NEW TABLE``) refresh every affected clause in one
set-based statement. The refresh itself (``kb_search_refresh``), the update triggers
of the record tables and the clause delete trigger are unchanged. SQLite has no
statement triggers; its FTS5 index is fed by row triggers, which are cheap there.
"""

from importlib import import_module

from django.db import migrations

# (table, how to find the clauses that rows of a transition table ``rows`` touch)
LINKS = {
    "kb_clause_topics": "SELECT clause_id FROM {rows}",
    "kb_clause_parties": "SELECT clause_id FROM {rows}",
    "kb_announcement_parties": (
        "SELECT c.id FROM kb_clause c WHERE c.announcement_id IN "
        "(SELECT announcement_id FROM {rows})"
    ),
}
EVENTS = {
    # event: (transition tables, the rows whose clauses to refresh)
    "INSERT": ("NEW TABLE AS new_rows", ["new_rows"]),
    "DELETE": ("OLD TABLE AS old_rows", ["old_rows"]),
    "UPDATE": ("OLD TABLE AS old_rows NEW TABLE AS new_rows", ["old_rows", "new_rows"]),
}


def _name(table: str, event: str) -> str:
    return f"kb_search_{table.removeprefix('kb_')}_{event.lower()}s"


def _statement_trigger(table: str, event: str, affected_sql: str) -> list[str]:
    name = _name(table, event)
    transition, rows = EVENTS[event]
    affected = " UNION ".join(affected_sql.format(rows=row) for row in rows)
    return [
        f"""
        CREATE FUNCTION {name}() RETURNS trigger AS $$
        BEGIN
            PERFORM kb_search_refresh(ARRAY({affected}));
            RETURN NULL;
        END;
        $$ LANGUAGE plpgsql
        """,
        f"""
        CREATE TRIGGER {name} AFTER {event} ON {table}
        REFERENCING {transition} FOR EACH STATEMENT EXECUTE FUNCTION {name}()
        """,
    ]


# The row-trigger functions of migration 0005 that these statement triggers replace.
REPLACED = [
    "kb_search_clause_insert()",
    *(f"kb_search_{table.removeprefix('kb_')}_change()" for table in LINKS),
]

FORWARD = [f"DROP FUNCTION {function} CASCADE" for function in REPLACED]
FORWARD += _statement_trigger("kb_clause", "INSERT", "SELECT id FROM {rows}")
for link_table, affected_sql in LINKS.items():
    for event in EVENTS:
        FORWARD += _statement_trigger(link_table, event, affected_sql)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, event in [("kb_clause", "INSERT"), *((link, e) for link in LINKS for e in EVENTS)]:
        schema_editor.execute(f"DROP FUNCTION {_name(table, event)}() CASCADE")
    # Migration 0005's functions and row triggers, exactly as it created them.
    search_index = import_module("kb.migrations.0005_search_index")
    for statement in search_index.POSTGRES_FORWARD:
        if any(function in statement for function in REPLACED):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("kb", "0011_narrow_lookup_indexes")]

    operations = [migrations.RunPython(forward, reverse)]
