"""A parsed query and the filters, compiled into tantivy query objects.

User text never reaches tantivy's own query parser: each term of ``ParsedQuery``
(letters and digits only) is analyzed by the same analyzer as the field it is
matched in, then becomes a term, phrase or prefix query of its own.

Scoring is BM25 per field (tantivy's k1 = 1.2, b = 0.75), summed over the fields
with ``schema.FIELD_BOOSTS``; a word the user typed weighs ``TYPED_TERM_WEIGHT``
times each equivalent the thesaurus added. Filters match without scoring, so they
never change the order.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import tantivy
from tantivy import FieldType, Occur, Query

from kb.models import ClauseEffect
from kb.search import schema
from kb.search.constants import AS_WRITTEN_BOOST, PREFIX_RANKED_WORDS
from kb.search.query import ParsedQuery, Term, weighted

# Records with every word rank above those that only have some ("closest matches"):
# added to their score, far above any BM25 sum, and small enough that a float32
# still tells their own scores apart.
ALL_WORDS_BONUS = 10_000.0


@dataclass(frozen=True)
class Filters:
    """What the results must be; ``None`` (or empty) leaves a filter out."""

    types: tuple[str, ...] = schema.DOCUMENT_TYPES
    party: int | None = None
    topic: int | None = None
    kind: str | None = None
    effect: str | None = None
    # The first and the last day of the range the announcement's period must overlap.
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    in_force_on: dt.date | None = None


def _boolean(clauses: list[tuple[Occur, Query]]) -> Query:
    return Query.boolean_query(clauses)


def _any(queries: list[Query]) -> Query:
    queries = [query for query in queries if query is not None]
    if not queries:
        return Query.empty_query()
    return queries[0] if len(queries) == 1 else _boolean([(Occur.Should, q) for q in queries])


def _boosted(query: Query, boost: float) -> Query:
    return query if boost == 1 else Query.boost_query(query, boost)


class Compiler:
    """Compiles against one searcher: a prefix is expanded to the words it starts
    in that searcher's index."""

    def __init__(self, searcher: tantivy.Searcher):
        self.searcher = searcher
        self.schema = schema.schema()

    # -- text

    def text(self, parsed: ParsedQuery) -> Query:
        """Matches the records that satisfy ``parsed``, scored by relevance."""
        occur = Occur.Should if parsed.any_group else Occur.Must
        clauses = [(occur, self._group(group)) for group in parsed.groups]
        clauses += [(Occur.MustNot, self._excluded(term)) for term in parsed.excluded]
        return _boolean(clauses)

    def with_closest_matches(self, parsed: ParsedQuery, relaxed: ParsedQuery) -> Query:
        """``relaxed`` (any of the words), with the records that satisfy ``parsed``
        (every word) first."""
        every_word = Query.const_score_query(self.text(parsed), ALL_WORDS_BONUS)
        return _boolean([(Occur.Must, self.text(relaxed)), (Occur.Should, every_word)])

    def _group(self, group: tuple[Term, ...]) -> Query:
        return _any([_boosted(self._term(term), weight) for term, weight in weighted(group)])

    def _term(self, term: Term) -> Query:
        if term.prefix:
            return self._prefix(term.words[0])
        fields = [
            _boosted(query, boost)
            for field, boost in schema.FIELD_BOOSTS.items()
            if (query := self._words_in(field, term.words)) is not None
        ]
        if term.as_written and (written := _analyzed(schema.words_analyzer(), term.as_written)):
            # Where the number is written as typed ("27%"), not just its digits ("27").
            as_written = Query.term_query(self.schema, schema.WORDS, written[0])
            if len(written) > 1:
                as_written = Query.phrase_query(self.schema, schema.WORDS, written)
            fields.append(_boosted(as_written, AS_WRITTEN_BOOST))
        return _any(fields)

    def _words_in(self, field: str, words: tuple[str, ...]) -> Query | None:
        """The words, in order, in a stemmed field; None if none survives analysis."""
        stems = [stem for word in words for stem in _analyzed(schema.stemmed_analyzer(), word)]
        if not stems:
            return None
        if len(stems) == 1:
            return Query.term_query(self.schema, field, stems[0])
        return Query.phrase_query(self.schema, field, stems)

    def _prefix(self, prefix: str) -> Query:
        """Every word of the records' own text that starts with ``prefix`` as written
        (``terminat*``: "terminate", "termination"), ranked by BM25 over the most
        frequent of them."""
        folded = _analyzed(schema.words_analyzer(), prefix)
        if not folded:
            return Query.empty_query()
        words = self.searcher.terms_with_prefix(schema.WORDS, folded[0])
        if not words:
            return Query.empty_query()
        ranked = sorted(words, key=lambda pair: (-pair[1], pair[0]))[:PREFIX_RANKED_WORDS]
        scoring = [Query.term_query(self.schema, schema.WORDS, word) for word, _ in ranked]
        if len(words) <= PREFIX_RANKED_WORDS:
            return _any(scoring)
        every_word = Query.regex_query(self.schema, schema.WORDS, re.escape(folded[0]) + ".*")
        return _boolean([(Occur.Must, every_word), *((Occur.Should, query) for query in scoring)])

    def _excluded(self, term: Term) -> Query:
        """An excluded term, matched in the record's own words only: excluding "IP"
        must not drop a clause because its announcement's summary says "IP"."""
        if term.prefix:
            return self._prefix(term.words[0])
        return self._words_in(schema.TEXT, term.words) or Query.empty_query()

    # -- filters

    def filtered(self, query: Query | None, filters: Filters) -> Query:
        """``query`` (None: every record) among the records ``filters`` allow."""
        clauses = [(Occur.Must, query or Query.all_query())]
        clauses += [(Occur.Must, Query.const_score_query(f, 0.0)) for f in self._filters(filters)]
        clauses += [(Occur.MustNot, f) for f in self._exclusions(filters)]
        return _boolean(clauses)

    def _filters(self, filters: Filters) -> list[Query]:
        queries = []
        if set(filters.types) != set(schema.DOCUMENT_TYPES):
            queries.append(_any([self._term_of(schema.TYPE, t) for t in filters.types]))
        for field, value in (
            (schema.PARTY, filters.party),
            (schema.TOPIC, filters.topic),
            (schema.KIND, filters.kind),
            (schema.EFFECT, filters.effect),
        ):
            if value:
                queries.append(self._term_of(field, value))
        if filters.date_from:
            queries.append(self._range(schema.DATE_END, lower=filters.date_from.toordinal()))
        if filters.date_to:
            queries.append(self._range(schema.DATE_START, upper=filters.date_to.toordinal()))
        if filters.in_force_on:
            day = filters.in_force_on.toordinal()
            queries += [
                self._range(schema.STARTS, upper=day),
                self._range(schema.ENDS, lower=day),
                self._range(schema.SUPERSEDED_FROM, lower=day + 1),
            ]
        return queries

    def _exclusions(self, filters: Filters) -> list[Query]:
        # A clause that removes a term ends its lineage: it is never in force.
        return [self._term_of(schema.EFFECT, ClauseEffect.REMOVED)] if filters.in_force_on else []

    def _term_of(self, field: str, value) -> Query:
        return Query.term_query(self.schema, field, value)

    def _range(self, field: str, *, lower: int | None = None, upper: int | None = None) -> Query:
        return Query.range_query(
            self.schema, field, FieldType.Unsigned, lower_bound=lower, upper_bound=upper
        )


def _analyzed(analyzer: tantivy.TextAnalyzer, text: str) -> list[str]:
    return analyzer.analyze(text)
