"""SQLite: the full-text index gets FTS5 prefix indexes for prefixes of 2 to 6
characters, so a prefix query (``licen*``) reads one list instead of merging the
lists of every indexed word that starts with it.

Without them, ``licen*`` merged the lists of some 296,000 documents in each of the
search's statements (newest matches, bounded count, ranking, snippets): 146 ms for
the engine at a million clauses. A prefix index serves only the lengths it is
built for (FTS5 never uses a shorter one), so longer prefixes still merge; they
usually cover fewer words. Each length costs about as much space as 60% of the
main index (at a million clauses the index grows from 431 MB to about 1.7 GB; see
the README, "Performance").

The table is recreated with the same columns, tokenizer and rank and rebuilt
from ``kb_search_source`` (about 2 minutes at a million clauses); that table's
triggers, which feed it, are untouched, and nothing else changes. PostgreSQL's
GIN index already answers prefix queries.
"""

from django.db import migrations

PREFIXES = "2 3 4 5 6"
FTS5_TABLE = """
    CREATE VIRTUAL TABLE kb_search_document USING fts5(
        heading, body, context,
        content='kb_search_source', content_rowid='clause_id',
        tokenize='porter unicode61 remove_diacritics 2'{prefix}
    )
"""
# The column weights of the rank, as migration 0005 set them.
RANK = (
    "INSERT INTO kb_search_document(kb_search_document, rank) "
    "VALUES ('rank', 'bm25(4.0, 1.0, 0.3)')"
)


def recreate(prefix: str):
    def operation(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP TABLE kb_search_document")
            cursor.execute(FTS5_TABLE.format(prefix=prefix))
            cursor.execute(RANK)
            # kb_search_source already holds every document: index it once.
            cursor.execute("INSERT INTO kb_search_document(kb_search_document) VALUES ('rebuild')")
            cursor.execute("INSERT INTO kb_search_document(kb_search_document) VALUES ('optimize')")

    return operation


class Migration(migrations.Migration):
    dependencies = [("kb", "0009_link_table_covering_indexes")]

    operations = [
        migrations.RunPython(recreate(f", prefix='{PREFIXES}'"), recreate("")),
    ]
