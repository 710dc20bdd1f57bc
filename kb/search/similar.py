"""Published clauses worded like a given text (which need not be saved):
more-like-this over a clause's own words (its most distinctive terms, each scored
by BM25), plus the thesaurus.

``similar_clauses()`` is what lineage suggestions (``kb/lineage_suggestions``) ask
the engine. It returns clause ids with their text score, clauses that share more
of the given parties first, and leaves the date and publication-order rules that
need the database to the caller (it only drops what the index can tell is later:
clauses of announcements that start after the given period ends).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections import Counter
from dataclasses import dataclass

from tantivy import FieldType, Occur, Query

from kb.search import schema
from kb.search.compiler import Compiler
from kb.search.constants import (
    MAX_EXPANSIONS,
    SIMILAR_EXPANSION_WEIGHT,
    SIMILAR_MAX_QUERY_TERMS,
    SIMILAR_PARTY_BONUS,
    SIMILAR_SOURCE_CHARS,
)
from kb.search.documents import Key
from kb.search.index import SearchIndex, search_index
from kb.search.stopwords import STOPWORDS
from kb.search.thesaurus import EQUIVALENTS, LONGEST

_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Similar:
    clause_id: int
    # The text similarity alone (the party bonus taken off): BM25 over the terms
    # more-like-this picked, summed.
    score: float
    # How many of the given parties the clause concerns (its own and its announcement's).
    shared_parties: int


@functools.cache
def _stop_words() -> frozenset[str]:
    """The stopwords as the stemmed field holds them."""
    analyzer = schema.stemmed_analyzer()
    return frozenset({stem for word in STOPWORDS for stem in analyzer.analyze(word)} | STOPWORDS)


def _distinctive_terms(searcher, source: str) -> list[str]:
    """More-like-this's choice of terms, as Lucene's MoreLikeThis makes it: the
    text's terms (stemmed, no stopwords) of highest tf-idf, at most
    ``SIMILAR_MAX_QUERY_TERMS``; a term in no document is left out (it matches nothing).

    Made here rather than with tantivy's ``MoreLikeThisQuery``: in tantivy 0.27 that
    query panics once the index holds deleted documents not yet merged away (it takes
    the live document count as the total, and document frequencies still count the
    deleted ones), which every index has after an update."""
    stop = _stop_words()
    counts = Counter(term for term in schema.stemmed_analyzer().analyze(source) if term not in stop)
    total = searcher.num_docs
    scored = []
    for term, frequency in counts.items():
        documents = searcher.doc_freq(schema.TEXT, term)
        if documents:
            idf = math.log(1 + (max(total, documents) - documents + 0.5) / (documents + 0.5))
            scored.append((frequency * idf, term))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [term for _, term in scored[:SIMILAR_MAX_QUERY_TERMS]]


class SimilarClauses:
    """Finds similar clauses in one view of the index (one check for pending changes,
    however many clauses are looked up: a statement's preview looks up each of its
    clauses)."""

    def __init__(self, index: SearchIndex | None = None):
        self.searcher = (index or search_index()).fresh_searcher()
        self.compiler = Compiler(self.searcher)

    def find(
        self,
        heading: str,
        text: str,
        *,
        parties: tuple[int, ...] = (),
        starts_by: dt.date | None = None,
        exclude: tuple[int, ...] = (),
        limit: int = 50,
    ) -> list[Similar]:
        """The published clauses most like ``heading`` and ``text``: those that share
        more of ``parties`` first, then by text score. ``starts_by``: leave out clauses
        of announcements whose date starts after this day (undated ones stay in).
        ``exclude``: clause ids never to return."""
        return _find(
            self.searcher, self.compiler, heading, text, parties, starts_by, exclude, limit
        )


def similar_clauses(heading: str, text: str, **options) -> list[Similar]:
    """``SimilarClauses().find(...)`` for a single lookup."""
    return SimilarClauses().find(heading, text, **options)


def _find(searcher, compiler, heading, text, parties, starts_by, exclude, limit) -> list[Similar]:
    source = f"{heading}\n{text}"[:SIMILAR_SOURCE_CHARS]
    if not _WORD.search(source):
        return []
    terms = _distinctive_terms(searcher, source)
    if not terms:
        return []
    like = Query.boolean_query(
        [(Occur.Should, Query.term_query(compiler.schema, schema.TEXT, term)) for term in terms]
    )
    text_query = Query.boolean_query(
        [(Occur.Should, like)]
        + [
            (Occur.Should, Query.boost_query(query, SIMILAR_EXPANSION_WEIGHT))
            for query in _thesaurus_queries(compiler, source)
        ]
    )
    clauses = [
        (Occur.Must, text_query),
        (Occur.Must, Query.term_query(compiler.schema, schema.TYPE, schema.CLAUSE)),
    ]
    # Each shared party lifts a clause above every clause that shares fewer: the
    # bonus is far above any text score, and taken off again below.
    clauses += [
        (
            Occur.Should,
            Query.const_score_query(
                Query.term_query(compiler.schema, schema.PARTY, party), SIMILAR_PARTY_BONUS
            ),
        )
        for party in dict.fromkeys(parties)
    ]
    if starts_by is not None:
        later = Query.range_query(
            compiler.schema,
            schema.DATE_START,
            FieldType.Unsigned,
            lower_bound=starts_by.toordinal() + 1,
            upper_bound=schema.NO_END,
        )
        clauses.append((Occur.MustNot, later))
    if exclude:
        uids = [Key(schema.CLAUSE, pk).uid for pk in exclude]
        clauses.append((Occur.MustNot, Query.term_set_query(compiler.schema, schema.UID, uids)))
    found = searcher.search(Query.boolean_query(clauses), limit).hits
    uids = searcher.fast_field_values(schema.UID, [address for _, address in found])
    results = []
    for (score, _), uid in zip(found, uids, strict=True):
        shared = int(score // SIMILAR_PARTY_BONUS)
        results.append(
            Similar(Key.from_uid(uid).pk, float(score - shared * SIMILAR_PARTY_BONUS), shared)
        )
    return results


def _thesaurus_queries(compiler: Compiler, source: str) -> list[Query]:
    """For each expression of the thesaurus in ``source``, its equivalents (as
    phrases in the stemmed text field), each once: "IP" also finds "intellectual
    property"."""
    words = [word.lower() for word in _WORD.findall(source)]
    wanted: dict[tuple[str, ...], None] = {}
    for start in range(len(words)):
        for length in range(1, LONGEST + 1):
            expression = tuple(words[start : start + length])
            if len(expression) == length and expression in EQUIVALENTS:
                wanted.update(dict.fromkeys(EQUIVALENTS[expression]))
    queries = []
    for expression in list(wanted)[:MAX_EXPANSIONS]:
        query = compiler._words_in(schema.TEXT, expression)
        if query is not None:
            queries.append(query)
    return queries
