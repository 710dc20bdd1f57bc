"""Running a search: ranked keys, the exact count, facet counts, snippets and a
spelling suggestion, all from one searcher (one consistent view of the index).

Every match is ranked: tantivy keeps the top hits of a query in a heap while it
walks the postings (with block-max WAND for relevance), so the page is the true
top of all matches, and the count is exact. Filters and facets run inside the
engine over the whole result set.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import tantivy
from django.core.cache import cache
from tantivy import Order

from kb.search import schema
from kb.search.compiler import ALL_WORDS_BONUS, Compiler, Filters
from kb.search.constants import (
    CLOSEST_MATCHES_BELOW,
    CORRECTION_MAX_EDITS,
    CORRECTION_ONE_EDIT_UP_TO,
    CORRECTION_RARER_THAN,
    FACET_LIMIT,
    MARK_END,
    MARK_START,
    SNIPPET_CHARS,
    SNIPPET_WINDOW_CHARS,
)
from kb.search.documents import Key
from kb.search.index import SearchIndex, search_index
from kb.search.query import ParsedQuery

RELEVANCE, NEWEST, OLDEST, PUBLISHED = "relevance", "newest", "oldest", "published"
# Each sort but relevance: the sort-key field and its direction (documents.sort_keys).
SORT_FIELDS = {
    NEWEST: (schema.NEWEST, Order.Desc),
    OLDEST: (schema.OLDEST, Order.Asc),
    PUBLISHED: (schema.PUBLISHED, Order.Desc),
}
# Hits are read from the engine this many at a time when every result is wanted.
HIT_CHUNK = 5_000
# The count's pass also collects this many hits: the first page of the search page
# and of the API (at most 100 a page) comes from it.
FIRST_HITS = 100
MOST_CHUNKS = 20
YEARS_LISTED = 1_000
FACETS_CACHED_SECONDS = 600


@dataclass(frozen=True)
class SearchRequest:
    query: ParsedQuery = field(default_factory=ParsedQuery)
    filters: Filters = field(default_factory=Filters)
    sort: str = RELEVANCE
    # Follow few matches of every word with the matches of some of the words.
    closest_matches: bool = True


@dataclass(frozen=True)
class Hit:
    key: Key
    score: float
    # False for the closest matches that lack some word of the query.
    every_word: bool = True


@dataclass(frozen=True)
class Facets:
    """Counts over the whole result set, the most frequent first: ``types``,
    ``kinds`` and ``years`` in full, ``parties`` and ``topics`` (ids) the top few."""

    types: dict[str, int]
    kinds: list[tuple[str, int]]
    years: list[tuple[int, int]]
    parties: list[tuple[int, int]]
    topics: list[tuple[int, int]]


def search(request: SearchRequest, index: SearchIndex | None = None) -> SearchResults:
    """Run ``request`` on ``index`` (this process's index of the default database),
    applying pending changes first when no other process is writing."""
    index = index or search_index()
    searcher = index.fresh_searcher()
    return SearchResults(searcher, request, generation=index.generation)


class SearchResults:
    """The results of one request. ``count`` is exact; ``closest_matches`` says
    whether matches of some of the words follow the ``all_words_count`` that have
    every word (only when these were fewer than ``CLOSEST_MATCHES_BELOW``)."""

    def __init__(self, searcher: tantivy.Searcher, request: SearchRequest, *, generation=None):
        self.searcher = searcher
        self.request = request
        # Which commit of which index the searcher reads: facet counts are cached
        # for it (None: not cached).
        self.generation = generation
        self.compiler = Compiler(searcher)
        self.parsed = request.query
        self.closest_matches = False
        text = None if self.parsed.is_empty else self.compiler.text(self.parsed)
        self.query = self.compiler.filtered(text, request.filters)
        self.count, self._first_hits = self._count(self.query)
        self.all_words_count = self.count
        relaxed = self.parsed.relaxed()
        if (
            relaxed is not None
            and request.closest_matches
            and request.sort == RELEVANCE
            and self.count < CLOSEST_MATCHES_BELOW
        ):
            closest = self.compiler.filtered(
                self.compiler.with_closest_matches(self.parsed, relaxed), request.filters
            )
            closest_count, closest_hits = self._count(closest)
            if closest_count > self.count:
                self.query, self.count, self.closest_matches = closest, closest_count, True
                self._first_hits = closest_hits
        self.highlighted = relaxed if self.closest_matches else self.parsed

    def _count(self, query: tantivy.Query) -> tuple[int, list]:
        """The exact count and the first ``FIRST_HITS`` hits, in one pass."""
        result = self._search(query, FIRST_HITS, offset=0, count=True)
        return result.count, self._in_order(result.hits)

    def _search(self, query: tantivy.Query, limit: int, *, offset: int, count: bool = False):
        sort = SORT_FIELDS.get(self.request.sort)
        if sort is None:
            return self.searcher.search(query, limit, count=count, offset=offset)
        field_name, order = sort
        return self.searcher.search(
            query, limit, count=count, offset=offset, order_by_field=field_name, order=order
        )

    def _in_order(self, found: list) -> list:
        return self._ties_newest_first(found) if self.request.sort == RELEVANCE else found

    def hits(self, offset: int, limit: int) -> list[Hit]:
        """The results ``offset`` to ``offset + limit``, in the order asked for. Equal
        scores (identical records) are ordered newest first."""
        if limit <= 0 or offset >= self.count:
            return []
        if offset + limit <= len(self._first_hits) or len(self._first_hits) == self.count:
            found = self._first_hits[offset : offset + limit]
        else:
            found = self._in_order(self._search(self.query, limit, offset=offset).hits)
        sort = SORT_FIELDS.get(self.request.sort)
        uids = self.searcher.fast_field_values(schema.UID, [address for _, address in found])
        return [
            Hit(
                Key.from_uid(uid),
                float(score) if sort is None else 0.0,
                every_word=not self.closest_matches or score >= ALL_WORDS_BONUS,
            )
            for (score, _), uid in zip(found, uids, strict=True)
        ]

    def _ties_newest_first(self, found: list) -> list:
        newest = self.searcher.fast_field_values(schema.NEWEST, [address for _, address in found])
        order = sorted(range(len(found)), key=lambda i: (-found[i][0], -(newest[i] or 0)))
        return [found[i] for i in order]

    def chunks(self) -> Iterator[list[Hit]]:
        """Every result, in order, a chunk at a time (for exports). Each chunk is a
        search that collects the top ``offset + size``, so chunks grow with the count:
        at most ``MOST_CHUNKS`` searches, whatever the number of results."""
        size = max(HIT_CHUNK, -(-self.count // MOST_CHUNKS))
        for offset in range(0, self.count, size):
            yield self.hits(offset, size)

    @functools.cached_property
    def facets(self) -> Facets:
        """Counted over every match: the costliest part of a broad search, growing
        with the matches, so cached per query and index commit for
        ``FACETS_CACHED_SECONDS``: a repeated search of an unchanged index reuses them."""
        facets = self.cached_facets()
        if facets is None:
            facets = self._count_facets()
            if self.generation is not None:
                cache.set(self._facets_key, facets, FACETS_CACHED_SECONDS)
        return facets

    def cached_facets(self) -> Facets | None:
        """The facets if they are at hand (no matches, or counted for this query and
        index commit before), else None: a page can then leave counting them to a
        second request."""
        if not self.count:
            return Facets({}, [], [], [], [])
        return cache.get(self._facets_key) if self.generation is not None else None

    @property
    def _facets_key(self) -> str:
        described = repr((self.generation, self.parsed, self.closest_matches, self.request.filters))
        return "kb:facets:" + hashlib.sha256(described.encode()).hexdigest()

    def _count_facets(self) -> Facets:
        aggregations = {
            "types": {"terms": {"field": schema.TYPE, "size": len(schema.DOCUMENT_TYPES)}},
            "kinds": {"terms": {"field": schema.KIND, "size": 100}},
            "years": {"terms": {"field": schema.YEAR, "size": YEARS_LISTED}},
            "parties": {"terms": {"field": schema.PARTY, "size": FACET_LIMIT}},
            "topics": {"terms": {"field": schema.TOPIC, "size": FACET_LIMIT}},
        }
        result = self.searcher.aggregate(self.query, aggregations)

        def buckets(name: str, convert=lambda key: key) -> list:
            pairs = [(convert(b["key"]), b["doc_count"]) for b in result[name]["buckets"]]
            return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))

        return Facets(
            types=dict(buckets("types")),
            kinds=buckets("kinds"),
            years=sorted(buckets("years", int), reverse=True),
            parties=buckets("parties", int),
            topics=buckets("topics", int),
        )

    # -- snippets

    def snippets(self, texts: dict[Key, str]) -> dict[Key, str]:
        """For each text (a record's text or summary, as shown): the passage around
        the matches, with ``MARK_START``/``MARK_END`` around matched words, or ""
        when no word of the query is in it. Not escaped: see ``highlight``."""
        if self.highlighted.is_empty:
            return dict.fromkeys(texts, "")
        text_query = self.compiler.text(self.highlighted)
        generators = []
        for field_name in (schema.TEXT, schema.WORDS):
            generator = tantivy.SnippetGenerator.create(
                self.searcher, text_query, schema.schema(), field_name
            )
            generator.set_max_num_chars(SNIPPET_CHARS)
            generators.append((field_name, generator))
        finder = _first_match_finder(self.highlighted)
        return {key: _snippet(text, generators, finder) for key, text in texts.items()}

    # -- spelling

    @functools.cached_property
    def suggestion(self) -> str | None:
        """The query with its rare words replaced by the closest frequent words of the
        index ("exclusivty" -> "exclusive"), or None when no word needs it."""
        corrections = {}
        for term in self.parsed.terms:
            if term.prefix or term.expansion or term.is_phrase or term.as_written:
                continue
            (word,) = term.words
            frequency = self._frequency(word)
            if word.isdigit() or frequency >= CORRECTION_RARER_THAN:
                continue
            if (better := self._closest_word(word, more_than=frequency)) is not None:
                corrections[word] = better
        if not corrections:
            return None
        pattern = re.compile(r"\b(" + "|".join(map(re.escape, corrections)) + r")\b", re.IGNORECASE)
        return pattern.sub(lambda match: corrections[match[1].lower()], self.parsed.text)

    def _frequency(self, word: str) -> int:
        folded = schema.words_analyzer().analyze(word)
        return self.searcher.doc_freq(schema.WORDS, folded[0]) if folded else 0

    def _closest_word(self, word: str, *, more_than: int) -> str | None:
        """The word of the index fewest edits from ``word`` (the most frequent among
        equals), in more records than ``more_than``."""
        if len(word) < 3:
            return None
        most = 1 if len(word) <= CORRECTION_ONE_EDIT_UP_TO else CORRECTION_MAX_EDITS
        best = None
        for candidate, frequency in self.searcher.terms_with_prefix(schema.WORDS, word[:2]):
            if (
                frequency <= more_than
                or abs(len(candidate) - len(word)) > most
                or not candidate.isalpha()
            ):
                continue
            distance = edit_distance(word, candidate, most)
            if distance <= most and (best is None or (distance, -frequency) < best[:2]):
                best = (distance, -frequency, candidate)
        return best[2] if best else None


def edit_distance(a: str, b: str, most: int) -> int:
    """Optimal string alignment distance (a transposition is one edit), or
    ``most + 1`` as soon as it must exceed ``most``."""
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, 1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if (
                previous2 is not None
                and i > 1
                and j > 1
                and char_a == b[j - 2]
                and a[i - 2] == char_b
            ):
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > most:
            return most + 1
        previous2, previous = previous, current
    return previous[-1]


def _first_match_finder(parsed: ParsedQuery):
    """A regular expression for where a word of the query may first occur in a
    text: each word's start that its stem shares (case-insensitive)."""
    starts = set()
    for term in parsed.terms:
        for word in term.words[:1]:
            stems = schema.stemmed_analyzer().analyze(word)
            stem = stems[0] if stems else word
            common = 0
            while common < min(len(stem), len(word)) and stem[common] == word[common]:
                common += 1
            starts.add(word[: max(common, min(len(word), 3))])
    if not starts:
        return None
    return re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(starts))) + ")", re.IGNORECASE)


def _snippet(text: str, generators, finder) -> str:
    text = text.replace(MARK_START, " ").replace(MARK_END, " ")
    start, full_length = 0, len(text)
    if len(text) > SNIPPET_WINDOW_CHARS:
        match = finder.search(text) if finder else None
        start = max(0, match.start() - SNIPPET_WINDOW_CHARS // 4) if match else 0
        text = text[start : start + SNIPPET_WINDOW_CHARS]
    for field_name, generator in generators:
        snippet = generator.snippet_from_doc(tantivy.Document(**{field_name: text}))
        if snippet.highlighted():
            shown = snippet.fragment_range()
            return _marked(
                snippet,
                before=start > 0 or shown.start > 0,
                after=shown.end < len(text.encode()) or start + len(text) < full_length,
            )
    return ""


def _marked(snippet: tantivy.Snippet, *, before: bool, after: bool) -> str:
    """The fragment with markers around the highlighted ranges (byte offsets)."""
    fragment = snippet.fragment().encode()
    parts, last = [], 0
    for span in sorted(snippet.highlighted(), key=lambda span: span.start):
        if span.start < last:
            continue
        parts += [fragment[last : span.start], MARK_START.encode()]
        parts += [fragment[span.start : span.end], MARK_END.encode()]
        last = span.end
    parts.append(fragment[last:])
    marked = b"".join(parts).decode(errors="replace").strip()
    return ("… " if before else "") + marked + (" …" if after else "")
