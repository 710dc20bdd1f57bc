"""The change log that keeps every search index in step with the database.

Triggers (migration ``0013_search_change_log``) add a row for each change to a
record that search shows (a clause, an announcement, a party's or topic's name, a
link between them), in the transaction that makes the change: a change that is
committed is logged, and one rolled back is not. Each index applies the rows it
has not applied yet (``kb.search.changes``), so any number of indexes, one per
application server, follow the same database.
"""

from django.db import models
from django.db.models.functions import Now


class ChangeTarget(models.TextChoices):
    CLAUSE = "clause", "Clause"
    ANNOUNCEMENT = "announcement", "Announcement"
    PARTY = "party", "Party"
    TOPIC = "topic", "Topic"


class SearchChange(models.Model):
    """A record whose document may have changed: the index re-reads it. Written by
    the database's triggers only."""

    target = models.CharField(max_length=12, choices=ChangeTarget.choices)
    target_id = models.BigIntegerField()
    # PostgreSQL: the id of the transaction that wrote the row (a column default,
    # ``pg_current_xact_id()``), which says in what order changes became visible
    # (see kb.search.changes). SQLite commits one writer at a time, so the row's
    # own id says that; there it stays empty.
    transaction_id = models.BigIntegerField(null=True, editable=False)
    created_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta:
        app_label = "kb"
        db_table = "kb_search_change"
        indexes = [
            models.Index(fields=["transaction_id"], name="search_change_transaction"),
            models.Index(fields=["created_at"], name="search_change_created"),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.target_id}"


class SearchLogState(models.Model):
    """One row: the database's identity and how far its change log was pruned.

    ``database`` names this database's indexes (an index directory serves one
    database only, even when two share a ``KB_VAR_DIR``); a restore gives it a new
    value, so every index is rebuilt from the restored records. ``pruned_through``:
    changes of positions up to this one were deleted, so an index that had not
    applied them must be rebuilt."""

    database = models.UUIDField()
    pruned_through = models.BigIntegerField(default=0)

    class Meta:
        app_label = "kb"
        db_table = "kb_search_log_state"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="search_log_state_single_row")
        ]

    def __str__(self) -> str:
        return f"Search log of database {self.database}"
