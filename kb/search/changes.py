"""Reading the change log: which changes an index has not applied yet.

An index remembers a ``Position``: every change written by a transaction below
``horizon`` is applied, and so are the changes listed in ``seen``. What the next
update applies is every other change it can see.

Why a horizon and not simply "the highest id applied": on PostgreSQL, ids are
handed out when rows are inserted, not when their transactions commit, so a change
with a lower id can become visible after one with a higher id; an index that
skipped to the highest id would miss it for good. So each row carries the id of
its transaction, and the horizon is the oldest transaction still running when the
changes were read (``pg_snapshot_xmin``): no change below it can appear later, and
those above it that were already applied are listed in ``seen`` until the horizon
passes them. SQLite lets one writer commit at a time, so there ids are in commit
order, and the horizon is simply one past the highest id read.

Applying a change re-reads its record from the database (``documents.py``), so
applying one twice, or out of order, gives the same index: an update that dies
half-way leaves the position where it was, and the next update redoes it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connections, transaction
from django.utils import timezone

from kb.models import Announcement, Clause
from kb.search import schema
from kb.search.documents import Key
from kb.search.models import ChangeTarget, SearchChange, SearchLogState


@dataclass(frozen=True)
class Position:
    horizon: int
    # (change id, transaction id) of applied changes at or above the horizon.
    seen: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict:
        return {"horizon": self.horizon, "seen": [list(pair) for pair in self.seen]}

    @classmethod
    def from_json(cls, data: dict) -> Position:
        return cls(int(data["horizon"]), tuple((int(a), int(b)) for a, b in data["seen"]))


@dataclass(frozen=True)
class Change:
    id: int
    transaction: int
    target: str
    target_id: int


class ChangeLog:
    """The change log of one database (a connection alias)."""

    def __init__(self, using: str = "default"):
        self.using = using

    @property
    def _connection(self):
        return connections[self.using]

    @property
    def _is_postgres(self) -> bool:
        return self._connection.vendor == "postgresql"

    def database_id(self) -> str:
        """This database's identity (see ``SearchLogState``), created on first use."""
        state = self._state()
        return str(state.database)

    def _state(self) -> SearchLogState:
        state = SearchLogState.objects.using(self.using).filter(pk=1).first()
        if state is None:
            with transaction.atomic(using=self.using):
                state, _ = SearchLogState.objects.using(self.using).get_or_create(
                    pk=1, defaults={"database": uuid.uuid4()}
                )
        return state

    def new_identity(self) -> None:
        """Give the database a new identity: every index of the old one is rebuilt
        (after a restore, whose log no index has followed)."""
        with transaction.atomic(using=self.using):
            SearchLogState.objects.using(self.using).update_or_create(
                pk=1, defaults={"database": uuid.uuid4(), "pruned_through": 0}
            )

    @property
    def _order_column(self) -> str:
        """The column that orders changes by when they became visible (see above)."""
        return "transaction_id" if self._is_postgres else "id"

    def _unapplied(self, position: Position) -> tuple[str, list]:
        """A condition on ``kb_search_change`` (and its parameters): the changes not
        applied at ``position``."""
        sql, params = f"{self._order_column} >= %s", [position.horizon]
        if position.seen:
            seen = [change_id for change_id, _ in position.seen]
            if self._is_postgres:
                sql += " AND NOT id = ANY(%s)"
                params.append(seen)
            else:
                sql += " AND id NOT IN (SELECT value FROM json_each(%s))"
                params.append(json.dumps(seen))
        return sql, params

    def _horizon(self, cursor) -> int:
        if self._is_postgres:
            cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        else:
            # The last id handed out (AUTOINCREMENT never reuses one, even once the
            # rows are pruned), committed: SQLite has one writer at a time.
            cursor.execute(
                "SELECT COALESCE((SELECT seq FROM sqlite_sequence "
                "WHERE name = 'kb_search_change'), 0) + 1"
            )
        return cursor.fetchone()[0]

    def current(self) -> Position:
        """The position of an index built from what can be read from now on: every
        change visible now counts as applied."""
        with self._connection.cursor() as cursor:
            horizon = self._horizon(cursor)
            if not self._is_postgres:
                return Position(horizon)
            cursor.execute(
                "SELECT id, transaction_id FROM kb_search_change WHERE transaction_id >= %s",
                [horizon],
            )
            return Position(horizon, tuple(sorted(cursor.fetchall())))

    def pending(self, position: Position, *, limit: int) -> tuple[list[Change], Position]:
        """Up to ``limit`` changes not applied at ``position``, oldest first, and
        the position once they are applied (when there were more than ``limit``,
        the caller rebuilds instead)."""
        with self._connection.cursor() as cursor:
            horizon = self._horizon(cursor)
            condition, params = self._unapplied(position)
            sql = (
                f"SELECT id, {self._order_column}, target, target_id "  # noqa: S608 - our own SQL
                f"FROM kb_search_change WHERE {condition}"
            )
            if not self._is_postgres:
                # Only what was committed when the horizon was read (see above).
                sql += " AND id < %s"
                params.append(horizon)
            cursor.execute(f"{sql} ORDER BY id LIMIT %s", [*params, limit])
            changes = [Change(*row) for row in cursor.fetchall()]
        horizon = max(horizon, position.horizon)
        seen = {pair for pair in position.seen if pair[1] >= horizon}
        seen |= {(change.id, change.transaction) for change in changes}
        seen = {pair for pair in seen if pair[1] >= horizon}
        return changes, Position(horizon, tuple(sorted(seen)))

    def has_pending(self, position: Position) -> bool:
        """Whether a change not applied at ``position`` can be seen."""
        return self.status(position)[1]

    def status(self, position: Position | None) -> tuple[str | None, bool]:
        """This database's identity, and whether a change not applied at ``position``
        can be seen (None: no position yet), in one query: a search asks before
        every run."""
        sql, params = "SELECT FALSE", []
        if position is not None:
            condition, params = self._unapplied(position)
            sql = f"SELECT EXISTS(SELECT 1 FROM kb_search_change WHERE {condition})"  # noqa: S608 - our own SQL
        with self._connection.cursor() as cursor:
            cursor.execute(
                f"SELECT (SELECT database FROM kb_search_log_state WHERE id = 1), ({sql})",  # noqa: S608 - our own SQL
                params,
            )
            database, pending = cursor.fetchone()
        # SQLite returns the UUID as 32 hex digits, PostgreSQL as a UUID.
        return (str(uuid.UUID(str(database))) if database else None), bool(pending)

    def is_pruned_past(self, position: Position) -> bool:
        """Whether changes this position has not applied were pruned."""
        return self._state().pruned_through >= position.horizon

    def prune(self, *, older_than: dt.timedelta) -> int:
        """Delete the changes older than ``older_than`` whose transactions are over;
        returns how many. Indexes that had not applied them are rebuilt."""
        cutoff = timezone.now() - older_than
        column = self._order_column
        with transaction.atomic(using=self.using), self._connection.cursor() as cursor:
            horizon = self._horizon(cursor)
            old = SearchChange.objects.using(self.using).filter(created_at__lt=cutoff)
            old = old.filter(**{f"{column}__lt": horizon})
            last = old.order_by(f"-{column}").values_list(column, flat=True).first()
            if last is None:
                return 0
            state = self._state()
            SearchLogState.objects.using(self.using).filter(pk=1).update(
                pruned_through=max(state.pruned_through, last)
            )
            deleted, _ = (
                SearchChange.objects.using(self.using).filter(**{f"{column}__lte": last}).delete()
            )
            return deleted

    def oldest_change_time(self) -> dt.datetime | None:
        return (
            SearchChange.objects.using(self.using)
            .order_by("id")
            .values_list("created_at", flat=True)
            .first()
        )

    def affected_keys(self, changes: Iterable[Change]) -> set[Key]:
        """The index documents the changes may have changed (see the targets in the
        migration's triggers): a clause's own; an announcement's, its clauses' and
        the clauses these supersede (whose "in force" bounds follow their successors);
        a party's announcements and every clause that names it or whose announcement
        does; a topic's clauses."""
        by_target = defaultdict(set)
        for change in changes:
            by_target[change.target].add(change.target_id)
        clauses = Clause.objects.using(self.using)
        clause_ids = set(by_target[ChangeTarget.CLAUSE])
        announcement_ids = set(by_target[ChangeTarget.ANNOUNCEMENT])
        if parties := by_target[ChangeTarget.PARTY]:
            announcement_ids |= set(
                Announcement.parties.through.objects.using(self.using)
                .filter(party_id__in=parties)
                .values_list("announcement_id", flat=True)
            )
            clause_ids |= set(
                Clause.parties.through.objects.using(self.using)
                .filter(party_id__in=parties)
                .values_list("clause_id", flat=True)
            )
        if topics := by_target[ChangeTarget.TOPIC]:
            clause_ids |= set(
                Clause.topics.through.objects.using(self.using)
                .filter(topic_id__in=topics)
                .values_list("clause_id", flat=True)
            )
        if announcement_ids:
            for pk, earlier in clauses.filter(announcement_id__in=announcement_ids).values_list(
                "pk", "supersedes_id"
            ):
                clause_ids.add(pk)
                if earlier is not None:
                    clause_ids.add(earlier)
        return {Key(schema.CLAUSE, pk) for pk in clause_ids} | {
            Key(schema.ANNOUNCEMENT, pk) for pk in announcement_ids
        }
