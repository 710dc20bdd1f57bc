"""The search index seen from the ORM: one row per published clause.

The table is created and kept in sync by migrations (triggers), never by Django:
on SQLite it is the FTS5 table itself, on PostgreSQL a table with a ``tsvector``.
Its text column is named after the table on both, because that is the column
FTS5's ``MATCH`` takes.
"""

from django.db import models

from kb.models import Clause

INDEX_TABLE = "kb_search_document"


class SearchDocumentField(models.Field):
    """The indexed document: FTS5's hidden table column, or PostgreSQL's tsvector.
    Only ever used through the ``fulltext`` lookup."""

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else None


class SearchDocument(models.Model):
    clause = models.OneToOneField(
        Clause,
        primary_key=True,
        db_column="rowid",
        db_constraint=False,
        on_delete=models.DO_NOTHING,
        related_name="search_document",
    )
    document = SearchDocumentField(db_column=INDEX_TABLE, editable=False)

    class Meta:
        managed = False
        db_table = INDEX_TABLE
        app_label = "kb"

    def __str__(self) -> str:
        return f"Search document of clause {self.clause_id}"
