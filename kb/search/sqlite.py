"""SQLite FTS5 backend: compiles a parsed query into FTS5 syntax (each word quoted,
the operators ours) passed as one bound parameter."""

from __future__ import annotations

import json

from kb.search.constants import MARK_END, MARK_START, SNIPPET_ELLIPSIS, SNIPPET_TOKENS
from kb.search.query import ParsedQuery, Term, weighted

TRIGGER_PATTERN = "kb\\_search\\_%"


def _term(term: Term) -> str:
    # Words hold only letters and digits (see query.py), so quoting cannot break out.
    quoted = '"' + " ".join(term.words).replace('"', '""') + '"'
    return quoted + "*" if term.prefix else quoted


def _any(terms) -> str:
    compiled = [_term(term) for term in terms]
    return compiled[0] if len(compiled) == 1 else "(" + " OR ".join(compiled) + ")"


def _weighted(group) -> str:
    # FTS5's bm25 sums over the phrases of the query: a typed word with equivalents
    # is written TYPED_TERM_WEIGHT times, so it counts that many times each of them.
    return _any([term for term, weight in weighted(group) for _ in range(weight)])


def compile_match(parsed: ParsedQuery) -> str:
    operator = " OR " if parsed.any_group else " AND "
    positive = operator.join(_weighted(group) for group in parsed.groups)
    if parsed.excluded:
        return f"({positive}) NOT {_any(parsed.excluded)}"
    return positive


def match_sql(
    document_sql: str,
    rowid_sql: str,
    parsed: ParsedQuery,
    min_rowid: int | None,
    also_rowids: tuple[int, ...] = (),
    within_rowids: tuple[int, ...] | None = None,
):
    sql, params = f"{document_sql} MATCH %s", [compile_match(parsed)]
    if within_rowids is not None:
        # "+": checked by SQLite on each match FTS5 yields (one read of the term
        # lists); as an FTS5 rowid constraint it would seek once per id instead.
        sql += f" AND +{rowid_sql} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - our own SQL; values are bound
        params.append(json.dumps(list(within_rowids)))
    if min_rowid is not None and also_rowids:
        # FTS5 cannot take this OR as a bound: it reads every match's rowid (cheap)
        # and SQLite keeps those in range; only they are ranked.
        sql += f" AND ({rowid_sql} >= %s OR {rowid_sql} IN (SELECT value FROM json_each(%s)))"  # noqa: S608 - our own SQL; values are bound
        params += [min_rowid, json.dumps(list(also_rowids))]
    elif min_rowid is not None:
        sql += f" AND {rowid_sql} >= %s"
        params.append(min_rowid)
    return sql, params


def term_statistics(cursor, parsed: ParsedQuery) -> None:
    """None: FTS5's bm25 weighs each term by its rarity itself."""
    return None


def rank_sql(table_sql: str, parsed: ParsedQuery, statistics: None):
    # FTS5's rank column is bm25() with the column weights set by the migration;
    # lower is better there, higher is better in kb.
    return f"-{table_sql}.rank", []


def id_list(ids: list[int]):
    """A subquery yielding ``ids``, bound as one parameter (a JSON array)."""
    return "SELECT value FROM json_each(%s)", [json.dumps(ids)]


def snippets(cursor, ids: list[int], parsed: ParsedQuery) -> dict[int, str]:
    placeholders = ", ".join(["%s"] * len(ids))
    # FTS5 scans the page's rowid range once; "+rowid IN" is checked by SQLite
    # after it. Given the IN list itself, FTS5 would look up each rowid on its
    # own, re-reading every term of a prefix query per row (ten times slower).
    cursor.execute(
        "SELECT rowid, snippet(kb_search_document, 1, %s, %s, %s, %s) FROM kb_search_document "  # noqa: S608 - every value is bound
        "WHERE kb_search_document MATCH %s AND rowid BETWEEN %s AND %s "
        f"AND +rowid IN ({placeholders})",
        [
            MARK_START,
            MARK_END,
            SNIPPET_ELLIPSIS,
            SNIPPET_TOKENS,
            compile_match(parsed),
            min(ids),
            max(ids),
            *ids,
        ],
    )
    return dict(cursor.fetchall())


def disable_triggers(cursor) -> list[str]:
    """Drop the triggers that keep the index current from the records (SQLite cannot
    disable one) and return their SQL."""
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE %s "
        "ESCAPE '\\' AND tbl_name <> 'kb_search_source'",
        [TRIGGER_PATTERN],
    )
    saved = cursor.fetchall()
    for name, _ in saved:
        cursor.execute(f'DROP TRIGGER "{name}"')
    return [sql for _, sql in saved]


def enable_triggers(cursor, saved: list[str]) -> None:
    for sql in saved:
        cursor.execute(sql)


def rebuild(cursor) -> None:
    """Recompute every document from the view, then build FTS5 once (the source
    table's own triggers are off meanwhile: one bulk build beats a row at a time)."""
    cursor.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'kb_search_source'"
    )
    saved = [sql for (sql,) in cursor.fetchall()]
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'kb_search_source'"
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f'DROP TRIGGER "{name}"')
    cursor.execute("DELETE FROM kb_search_source")
    cursor.execute(
        "INSERT INTO kb_search_source(clause_id, heading, body, context) "
        "SELECT clause_id, heading, body, context FROM kb_search_view"
    )
    cursor.execute("INSERT INTO kb_search_document(kb_search_document) VALUES ('rebuild')")
    cursor.execute("INSERT INTO kb_search_document(kb_search_document) VALUES ('optimize')")
    enable_triggers(cursor, saved)
