"""Indexes on the many-to-many link tables that hold both columns a lookup by
topic or party needs, so the clause or announcement ids come from the index alone.

Django's own indexes on these tables are one column each: finding the clauses of a
topic read the topic index, then every link row for its clause id (one row read
per clause of the topic). Used by the topic timeline, the party page and the
in-force page's party filter (``Clause.objects.concerning()``), the admin's party
and topic filters and the search facets. Plain ``CREATE INDEX`` on both databases
(the tables are Django's auto-created through tables, which take no
``Meta.indexes``); nothing is rebuilt, so the search triggers stay.
"""

from django.db import migrations

INDEXES = [
    ("kb_clause_topics_topic_clause", "kb_clause_topics", "topic_id, clause_id"),
    ("kb_clause_parties_party_clause", "kb_clause_parties", "party_id, clause_id"),
    (
        "kb_announcement_parties_party_announcement",
        "kb_announcement_parties",
        "party_id, announcement_id",
    ),
]


class Migration(migrations.Migration):
    dependencies = [("kb", "0008_announcement_published_index")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {name} ON {table} ({columns})",
            f"DROP INDEX {name}",
        )
        for name, table, columns in INDEXES
    ]
