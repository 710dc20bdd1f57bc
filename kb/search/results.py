"""Search results as records: what pages, the API, feeds and exports show.

``SearchHits`` is a sequence that Django's paginator (and Django REST framework's)
can page: its length is the engine's exact count, and a slice runs the engine for
that slice only, then reads those records from the database, in the engine's order.
Records are read through the querysets given (``published()`` ones): a hit whose
record is not published any more (the index has not caught up yet) is left out,
so no index state can show an unpublished record.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kb.models import Announcement, Clause
from kb.search import schema
from kb.search.constants import MARK_END, MARK_START, READ_CHUNK_SIZE
from kb.search.documents import Key
from kb.search.engine import Hit, SearchResults


def default_querysets() -> dict[str, QuerySet]:
    return {
        schema.CLAUSE: Clause.objects.published().for_list(),
        schema.ANNOUNCEMENT: Announcement.objects.published().for_list(),
    }


@dataclass
class SearchHits(Sequence):
    results: SearchResults
    querysets: dict[str, QuerySet]

    @classmethod
    def of(cls, results: SearchResults, **querysets: QuerySet) -> SearchHits:
        return cls(results, {**default_querysets(), **querysets})

    def with_querysets(self, **querysets: QuerySet) -> SearchHits:
        """The same results, their records read through other querysets (another
        loading plan); each must be a ``published()`` one."""
        return SearchHits(self.results, {**self.querysets, **querysets})

    def __len__(self) -> int:
        return self.results.count

    def count(self) -> int:  # what Django's Paginator asks first
        return self.results.count

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(self.results.count)
            if step != 1:
                raise ValueError("Search results are read in order, without a step.")
            return self._records(self.results.hits(start, stop - start))
        if index < 0:
            index += self.results.count
        found = self._records(self.results.hits(index, 1))
        if not found:
            raise IndexError(index)
        return found[0]

    def __iter__(self) -> Iterator:
        for hits in self.hit_chunks():
            yield from self._records(hits)

    def hit_chunks(self) -> Iterator[list[Hit]]:
        """Every hit, in order, ``READ_CHUNK_SIZE`` at a time: one database read each."""
        every_hit = itertools.chain.from_iterable(self.results.chunks())
        for chunk in itertools.batched(every_hit, READ_CHUNK_SIZE):
            yield list(chunk)

    def _records(self, hits: list[Hit]) -> list:
        """The hits' records, in order, each with ``search_type``, ``search_score`` and
        ``search_every_word``;
        records the querysets do not hold (not published) are left out."""
        by_type: dict[str, list[int]] = {}
        for hit in hits:
            by_type.setdefault(hit.key.type, []).append(hit.key.pk)
        loaded = {
            document_type: self.querysets[document_type].in_bulk(pks)
            for document_type, pks in by_type.items()
        }
        records = []
        for hit in hits:
            record = loaded[hit.key.type].get(hit.key.pk)
            if record is not None:
                record.search_type = hit.key.type
                record.search_score = hit.score
                record.search_every_word = hit.every_word
                records.append(record)
        return records


def record_key(record) -> Key:
    return Key(record.search_type, record.pk)


def attach_snippets(records: list, results: SearchResults) -> None:
    """Set ``snippet`` on each record: its text around the matches, escaped, with
    ``<mark>`` around the matched words ("" when the text holds none of them).
    The text read is ``snippet_source`` when the queryset annotated it (a bounded
    start of the text), else the record's text."""
    sources = {}
    for record in records:
        source = getattr(record, "snippet_source", None)
        if source is None:
            source = record.text
            if record.search_type == schema.ANNOUNCEMENT:
                source = f"{record.summary}\n{source}"
        sources[record_key(record)] = source
    marked = results.snippets(sources)
    for record in records:
        record.snippet = highlight(marked[record_key(record)])


def highlight(marked_text: str) -> SafeString:
    """Escape the whole text first, then turn the marker characters into <mark>."""
    escaped = escape(marked_text)
    return mark_safe(  # noqa: S308 - escaped above; the markers cannot come from records
        escaped.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")
    )
