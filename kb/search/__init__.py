"""Full-text search over published clauses: the only public entry to the engine.

Two backends share one query syntax (see ``query.py``): SQLite FTS5 and PostgreSQL
full-text search, chosen by the database the queryset uses. The index holds the
clauses of published announcements only, maintained by triggers (migration
``0003_search_index``).

How a search runs (see the README, "Search" and "Performance"): one query reads
the ids of the ``RANKED_CANDIDATES + 1`` newest matches that pass the queryset's
filters (their number is the capped count); when there are that many, a bounded
count of the index tells whether the query matches at most ``RANK_ALL_UP_TO``
clauses in all. The returned queryset then joins the index (every match, or only
those at least as new as the last candidate), ranks inside the full-text statement
and is paginated by the caller. Snippets are made for the shown page only.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType

from django.db import connections, transaction
from django.db.models import (
    Case,
    Exists,
    Expression,
    F,
    FloatField,
    Lookup,
    OuterRef,
    QuerySet,
    When,
)
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kb.search import postgres, sqlite
from kb.search.constants import (
    MARK_END,
    MARK_START,
    NARROW_FILTER_UP_TO,
    RANK_ALL_UP_TO,
    RANKED_CANDIDATES,
)
from kb.search.models import SearchDocument, SearchDocumentField
from kb.search.query import ParsedQuery, QueryError, Term, parse_query

__all__ = [
    "ParsedQuery",
    "QueryError",
    "Term",
    "attach_snippets",
    "bounded_search",
    "deferred_search_index",
    "id_list_sql",
    "parse_query",
    "rebuild_search_index",
    "search_clauses",
]


def _backend(connection) -> ModuleType:
    return postgres if connection.vendor == "postgresql" else sqlite


@dataclass(frozen=True)
class _Match:
    parsed: ParsedQuery
    min_rowid: int | None = None
    # Ids kept whatever ``min_rowid`` says (the all-words matches among closest ones).
    also_rowids: tuple[int, ...] = ()
    # Only these ids may match (the few clauses a selective filter leaves), or None.
    within_rowids: tuple[int, ...] | None = None


@SearchDocumentField.register_lookup
class FullTextMatch(Lookup):
    """``document__fulltext=_Match(...)``: the document matches the query (and its
    rowid is at least ``min_rowid``, so FTS5 itself skips older matches)."""

    lookup_name = "fulltext"
    prepare_rhs = False

    def get_prep_lookup(self):
        return self.rhs

    def as_sql(self, compiler, connection):
        document_sql, params = compiler.compile(self.lhs)
        table_sql = compiler.quote_name(self.lhs.alias)
        sql, match_params = _backend(connection).match_sql(
            document_sql,
            f"{table_sql}.rowid",
            self.rhs.parsed,
            self.rhs.min_rowid,
            self.rhs.also_rowids,
            self.rhs.within_rowids,
        )
        return sql, (*params, *match_params)


class SearchRank(Expression):
    """How well the joined index row matches; higher is better on both backends."""

    output_field = FloatField()

    def __init__(self, document, parsed: ParsedQuery, statistics):
        super().__init__()
        # statistics: what the backend's rank needs from the whole index (None on
        # SQLite, whose bm25 has them; see postgres.term_statistics).
        self.document, self.parsed, self.statistics = document, parsed, statistics

    def get_source_expressions(self):
        return [self.document]

    def set_source_expressions(self, expressions):
        (self.document,) = expressions

    def as_sql(self, compiler, connection):
        table_sql = compiler.quote_name(self.document.alias)
        return _backend(connection).rank_sql(table_sql, self.parsed, self.statistics)


def _as_parsed(query: str | ParsedQuery) -> ParsedQuery:
    return query if isinstance(query, ParsedQuery) else parse_query(query)


def search_clauses(queryset: QuerySet, query: str | ParsedQuery) -> QuerySet:
    """The clauses of ``queryset`` matching ``query``, best first (ties newest
    first), annotated with ``search_rank`` (higher is better). An empty query
    returns ``queryset`` as it is.

    Runs a query or two now, to bound the candidates: the ``RANKED_CANDIDATES``
    newest matches that pass the queryset's filters are counted, and ranked
    (every match is, when the query matches at most ``RANK_ALL_UP_TO`` clauses).
    Raises QueryError for a query that cannot run.
    """
    return bounded_search(queryset, query)[0]


def bounded_search(
    queryset: QuerySet,
    query: str | ParsedQuery,
    *,
    candidates: int | None = None,
    first_ids: list[int] | None = None,
    selective: bool = False,
) -> tuple[QuerySet, list[int] | None]:
    """``search_clauses``, and the ids of the newest matches passing the filters,
    at most ``candidates + 1`` of them (None for an empty query): their number is
    the capped count, and facets can be counted over them. ``candidates`` is how
    many matches are ranked, ``RANKED_CANDIDATES`` unless given.

    ``first_ids`` (a few ids that match ``query``, e.g. the clauses with every word
    when ``query`` is the closest-matches one) come first, ranked among themselves,
    and are always among the matches and the returned ids; the results carry
    ``first_match`` (True for them).

    ``selective``: the caller's filters usually leave few clauses (a topic, a
    party). When they leave at most ``NARROW_FILTER_UP_TO`` and the query matches
    more than ``RANK_ALL_UP_TO`` clauses in all, the newest matches are found from
    those clauses' ids rather than by checking the filters on every match, newest
    first, until enough pass (same results, fewer rows read)."""
    candidates = RANKED_CANDIDATES if candidates is None else candidates
    parsed = _as_parsed(query)
    if parsed.is_empty:
        return queryset, None
    first_ids = list(first_ids or [])
    many_matches = None  # whether the index holds more than RANK_ALL_UP_TO matches
    within = None
    if selective:
        many_matches = _count_at_most(queryset.db, parsed, RANK_ALL_UP_TO) > RANK_ALL_UP_TO
        if many_matches:
            within = _few_ids(queryset, NARROW_FILTER_UP_TO)
    # The ids of the newest matches passing the filters, one more than are ranked:
    # their number is the (capped) count, the last one the lowest id to rank.
    newest_query = SearchDocument.objects.using(queryset.db).filter(
        document__fulltext=_Match(parsed, within_rowids=within)
    )
    if within is None:
        newest_query = newest_query.filter(
            Exists(queryset.order_by().filter(pk=OuterRef("clause_id")))
        )
    newest = list(
        newest_query.order_by("-clause_id").values_list("clause_id", flat=True)[: candidates + 1]
    )
    min_rowid = newest[-1] if len(newest) > candidates else None
    if min_rowid is not None and many_matches is None:
        many_matches = _count_at_most(queryset.db, parsed, RANK_ALL_UP_TO) > RANK_ALL_UP_TO
    if min_rowid is not None and not many_matches:
        min_rowid = None  # few enough matches to rank them all
    connection = connections[queryset.db]
    statistics = None
    if newest or first_ids:
        with connection.cursor() as cursor:
            statistics = _backend(connection).term_statistics(cursor, parsed)
    if within is None:
        match = _Match(parsed, min_rowid, tuple(first_ids))
    else:
        # Every filtered match is among the ids read, so the ranked ones are exactly
        # the newest (and the first ids): FTS5 reads the term lists once and SQLite
        # keeps those, instead of checking the filters on every match in range.
        # (The lowest of them bounds the rowids FTS5 reads at all.)
        ranked = (*newest, *first_ids)
        match = _Match(parsed, min(ranked, default=None), within_rowids=ranked)
    matches = queryset.filter(search_document__document__fulltext=match).annotate(
        search_rank=SearchRank(F("search_document__document"), parsed, statistics)
    )
    order = ["-search_rank", F("announcement__date").desc(nulls_last=True), "-pk"]
    if first_ids:
        matches = matches.annotate(
            first_match=Case(When(pk__in=first_ids, then=True), default=False)
        )
        order.insert(0, "-first_match")
        first = set(first_ids)
        newest = first_ids + [pk for pk in newest if pk not in first]
    return matches.order_by(*order), newest


def _few_ids(queryset: QuerySet, limit: int) -> tuple[int, ...] | None:
    """The ids of ``queryset``'s clauses if there are at most ``limit``, else None."""
    ids = tuple(queryset.order_by().values_list("pk", flat=True)[: limit + 1])
    return ids if len(ids) <= limit else None


def _count_at_most(using: str, parsed: ParsedQuery, limit: int) -> int:
    """How many documents match, counted up to ``limit + 1`` (the index alone, no
    filters: an upper bound of the matches that pass them)."""
    return (
        SearchDocument.objects.using(using)
        .filter(document__fulltext=_Match(parsed))
        .values("clause_id")[: limit + 1]
        .count()
    )


def id_list_sql(ids: list[int], using: str = "default") -> tuple[str, list]:
    """SQL for a subquery yielding ``ids``, with the list bound as one parameter:
    cheaper to build and run than an ``IN`` list of a thousand parameters."""
    return _backend(connections[using]).id_list(list(ids))


def attach_snippets(clauses: list, query: str | ParsedQuery) -> None:
    """Set ``clause.snippet`` on each clause of one page: its text around the
    matches, escaped, with ``<mark>`` around matched words; "" for no query."""
    parsed = _as_parsed(query)
    if parsed.is_empty or not clauses:
        for clause in clauses:
            clause.snippet = SafeString("")
        return
    connection = connections[clauses[0]._state.db or "default"]
    with connection.cursor() as cursor:
        raw = _backend(connection).snippets(cursor, [clause.pk for clause in clauses], parsed)
    for clause in clauses:
        clause.snippet = highlight(raw.get(clause.pk) or "")


def highlight(marked_text: str) -> SafeString:
    """Escape the whole text first, then turn the marker characters into <mark>."""
    escaped = escape(marked_text)
    return mark_safe(  # noqa: S308 - escaped above; the markers cannot come from records
        escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    )


@contextmanager
def deferred_search_index(using: str = "default"):
    """For bulk loads: the index triggers are off inside the block (one transaction),
    and the whole index is rebuilt once at the end."""
    connection = connections[using]
    backend = _backend(connection)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        saved = backend.disable_triggers(cursor)
        yield
        backend.enable_triggers(cursor, saved)
        backend.rebuild(cursor)


def rebuild_search_index(using: str = "default") -> None:
    """Recompute every document of the index from the records."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        _backend(connection).rebuild(cursor)
