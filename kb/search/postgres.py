"""PostgreSQL backend: compiles a parsed query into a tsquery built from SQL
functions, each word a bound parameter (never text pasted into to_tsquery)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from kb.search.constants import (
    BM25_K1,
    IDF_COUNT_CAP,
    LENGTH_SAMPLE,
    MARK_END,
    MARK_START,
    POSTGRES_BM25_B,
    POSTGRES_RANK_WEIGHTS,
    SNIPPET_ELLIPSIS,
    SNIPPET_TOKENS,
)
from kb.search.query import ParsedQuery, Term

CONFIG = "kb_english"
HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_TOKENS}, "
    f'MinWords={SNIPPET_TOKENS // 2}, MaxFragments=2, FragmentDelimiter="{SNIPPET_ELLIPSIS} "'
)


def _term(term: Term):
    if term.prefix:
        return f"to_tsquery('{CONFIG}', quote_literal(%s) || ':*')", [term.words[0]]
    if term.is_phrase:
        return f"phraseto_tsquery('{CONFIG}', %s)", [" ".join(term.words)]
    return f"plainto_tsquery('{CONFIG}', %s)", [term.words[0]]


def _any(terms):
    parts, params = [], []
    for term in terms:
        sql, term_params = _term(term)
        parts.append(sql)
        params += term_params
    return "(" + " || ".join(parts) + ")", params


def compile_tsquery(parsed: ParsedQuery):
    parts, params = [], []
    for group in parsed.groups:
        sql, group_params = _any(group)
        parts.append(sql)
        params += group_params
    positive = ("(" + " || ".join(parts) + ")") if parsed.any_group else " && ".join(parts)
    if parsed.excluded:
        sql, excluded_params = _any(parsed.excluded)
        positive = f"{positive} && !!{sql}"
        params += excluded_params
    return "(" + positive + ")", params


def match_sql(
    document_sql: str,
    rowid_sql: str,
    parsed: ParsedQuery,
    min_rowid: int | None,
    also_rowids: tuple[int, ...] = (),
    within_rowids: tuple[int, ...] | None = None,
):
    tsquery, params = compile_tsquery(parsed)
    sql = f"{document_sql} @@ {tsquery}"
    if within_rowids is not None:
        sql += f" AND {rowid_sql} = ANY(%s::bigint[])"
        params.append(list(within_rowids))
    if min_rowid is not None and also_rowids:
        sql += f" AND ({rowid_sql} >= %s OR {rowid_sql} = ANY(%s::bigint[]))"
        params += [min_rowid, list(also_rowids)]
    elif min_rowid is not None:
        sql += f" AND {rowid_sql} >= %s"
        params.append(min_rowid)
    return sql, params


@dataclass(frozen=True)
class TermStatistics:
    """What BM25 needs beyond the document: each term's inverse document frequency
    (in the order of ``ParsedQuery.terms``) and the average document length."""

    idf: tuple[float, ...]
    average_length: float


def term_statistics(cursor, parsed: ParsedQuery) -> TermStatistics:
    """PostgreSQL keeps no corpus statistics for ranking (ts_rank knows nothing of
    how common a word is, so "escrow" would count no more than "agreement"). One
    query (not run for a query of one term): each word's share of documents from
    the planner's statistics of the column when ANALYZE found it among the most
    common lexemes, otherwise (a rarer word, a phrase, a prefix, or a table never
    analysed) its matches counted up to ``IDF_COUNT_CAP`` through the GIN index; the
    number of documents from the planner's statistics (counted when the table was
    never analysed); and the average length of a sample of documents."""
    counts, params = [], []
    # One term's idf would scale every score alike: not worth counting.
    counted_terms = parsed.terms if len(parsed.terms) > 1 else []
    for term in counted_terms:
        sql, term_params = _term(term)
        count = (
            "(SELECT count(*) FROM (SELECT 1 FROM kb_search_document "  # noqa: S608 - our own SQL; values are bound
            f"WHERE kb_search_document @@ {sql} LIMIT %s) matches)"
        )
        if term.is_phrase or term.prefix:
            counts.append(count)
            params += [*term_params, IDF_COUNT_CAP]
            continue
        # A common word's share of documents is in the planner's statistics of the
        # column (ANALYZE keeps the most common lexemes); only others are counted.
        counts.append(
            "COALESCE((SELECT freqs[array_position(elems, "  # noqa: S608 - our own SQL; values are bound
            f"array_to_string(tsvector_to_array(to_tsvector('{CONFIG}', %s)), ' '))] "
            f"* pg_class.reltuples FROM common), {count})"
        )
        params += [term.words[0], *term_params, IDF_COUNT_CAP]
    cursor.execute(
        "WITH common AS (SELECT most_common_elems::text::text[] AS elems, "  # noqa: S608 - our own SQL; values are bound
        "most_common_elem_freqs AS freqs FROM pg_stats WHERE schemaname = current_schema() "
        "AND tablename = 'kb_search_document' AND attname = 'kb_search_document') "
        "SELECT CASE WHEN reltuples >= 0 THEN reltuples::bigint "
        "ELSE (SELECT count(*) FROM kb_search_document) END, "
        "(SELECT avg(length(kb_search_document)) FROM (SELECT kb_search_document "
        "FROM kb_search_document LIMIT %s) sample)"
        f"{''.join(', ' + count for count in counts)} "
        "FROM pg_class WHERE oid = 'kb_search_document'::regclass",
        [LENGTH_SAMPLE, *params],
    )
    documents, average_length, *frequencies = cursor.fetchone()
    documents = max(documents, *frequencies, 0)
    idf = tuple(
        math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5)) for frequency in frequencies
    )
    return TermStatistics(idf=idf or (1.0,), average_length=float(average_length or 1))


def rank_sql(table_sql: str, parsed: ParsedQuery, statistics: TermStatistics | None):
    """BM25 over the weighted parts (BM25F-like): a term's frequency is its
    occurrences weighted by part (ts_rank_cd of the term alone, normalization 0,
    scaled so an occurrence in the text counts 1), the document's length its number
    of distinct words; summed over the terms, each times its idf, a typed word with
    equivalents times ``TYPED_TERM_WEIGHT`` as on SQLite."""
    rank_weights = "{" + ", ".join(str(weight) for weight in POSTGRES_RANK_WEIGHTS) + "}"
    document = f"{table_sql}.kb_search_document"
    idfs = statistics.idf if statistics else (1.0,) * len(parsed.terms)
    average_length = statistics.average_length if statistics else 1.0
    # k1 * (1 - b + b * length / average length): the length normalization.
    k1, b = BM25_K1, POSTGRES_BM25_B
    length_norm = f"{k1} * (1 - {b} + {b} * length({document}) / %s::float8)"
    scale = 1 / POSTGRES_RANK_WEIGHTS[2]
    parts, params = [], []
    for (term, weight), idf in zip(parsed.weighted_terms(), idfs, strict=True):
        tsquery, term_params = _term(term)
        frequency = f"{scale} * ts_rank_cd('{rank_weights}'::float4[], {document}, {tsquery}, 0)"
        # BM25's f * (k1 + 1) / (f + norm), written with f once so PostgreSQL
        # computes ts_rank_cd once per term and row.
        parts.append(f"%s * {BM25_K1 + 1} * (1 - {length_norm} / ({frequency} + {length_norm}))")
        params += [idf * weight, average_length, *term_params, average_length]
    return "(" + " + ".join(parts) + ")", params


def id_list(ids: list[int]):
    """A subquery yielding ``ids``, bound as one parameter (an array)."""
    return "SELECT unnest(%s::bigint[])", [ids]


def snippets(cursor, ids: list[int], parsed: ParsedQuery) -> dict[int, str]:
    tsquery, params = compile_tsquery(parsed)
    cursor.execute(
        f"SELECT id, ts_headline('{CONFIG}', translate(text, chr(2) || chr(3), '  '), "  # noqa: S608 - every value is bound
        f"{tsquery}, %s) FROM kb_clause WHERE id = ANY(%s)",
        [*params, HEADLINE_OPTIONS, ids],
    )
    return dict(cursor.fetchall())


def disable_triggers(cursor) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE t.tgname LIKE 'kb\\_search\\_%%' AND NOT t.tgisinternal"
    )
    saved = cursor.fetchall()
    # ALTER TABLE refuses while deferred foreign-key checks are pending.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, name in saved:
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{name}"')
    return saved


def enable_triggers(cursor, saved: list[tuple[str, str]]) -> None:
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, name in saved:
        cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{name}"')
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def rebuild(cursor) -> None:
    cursor.execute("TRUNCATE kb_search_document")
    cursor.execute(
        "INSERT INTO kb_search_document(rowid, kb_search_document) "
        "SELECT rowid, kb_search_document FROM kb_search_view"
    )
    # After a bulk load the planner's statistics are stale; without them it drives
    # a search from every published clause instead of from the GIN index.
    for table in (
        "kb_search_document",
        "kb_clause",
        "kb_announcement",
        "kb_clause_topics",
        "kb_clause_parties",
        "kb_announcement_parties",
    ):
        cursor.execute(f"ANALYZE {table}")
