"""What the index holds for each published record, read from the database.

``read_documents(keys)`` returns the documents of the given records that are
published now; a record that is not (a draft, a retracted announcement, a deleted
row) has no document, and the index drops it. ``all_documents()`` yields every
published record's document, for a rebuild or a check. Both read in chunks, a few
queries per chunk whatever its size, and never hold more than one chunk's rows.

Derived values (see ``schema.py`` for the fields):
- A clause concerns the parties it names and those of its announcement, as the
  party filter of the pages does.
- The "in force" bounds: a clause starts at its ``effective_from`` or else at its
  announcement's date (unknown: it counts as started), ends at its
  ``effective_until`` (unknown: never), and is superseded from the earliest start
  of its published successors. ``ClauseQuerySet.in_force_on`` states the same rule
  in SQL; a test checks that both agree.
- Sort keys pack (date, announcement id, position) into one unsigned integer, as
  the pages order clauses: newest first (undated last), oldest first (undated
  last), and by publication time for feeds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import tantivy

from kb.dates import DatePrecision, PartialDate
from kb.models import Announcement, Clause, Party, Status, Topic
from kb.search import schema
from kb.search.constants import CONTEXT_SUMMARY_CHARS, READ_CHUNK_SIZE

# How many bits of each part a sort key keeps (22 + 26 + 16 = 64): day numbers up
# to 9999-12-31 fit in 22 bits; beyond 2**26 announcements or 65,535 clauses in
# one announcement the order among those would wrap.
_DATE_BITS, _ANNOUNCEMENT_BITS, _POSITION_BITS = 22, 26, 16
_UNDATED_LAST = (1 << _DATE_BITS) - 1
_POSITION_MAX = (1 << _POSITION_BITS) - 1
# A clause never superseded: after every date.
NEVER = schema.NO_END + 1


@dataclass(frozen=True)
class Key:
    """A record of the index: its type (``schema.CLAUSE``/``ANNOUNCEMENT``) and pk."""

    type: str
    pk: int

    @property
    def uid(self) -> int:
        """The record's number in the index: its pk, and its type in the lowest bit."""
        return self.pk << 1 | (self.type == schema.ANNOUNCEMENT)

    @classmethod
    def from_uid(cls, uid: int) -> Key:
        return cls(schema.ANNOUNCEMENT if uid & 1 else schema.CLAUSE, uid >> 1)


@dataclass(frozen=True)
class IndexDocument:
    key: Key
    heading: str
    body: str
    context: str
    kind: str
    parties: tuple[int, ...]
    date: dt.date | None
    date_end: dt.date | None
    # (newest, oldest, published): see ``sort_keys``.
    sort_keys: tuple[int, int, int]
    topics: tuple[int, ...] = ()
    effect: str = ""
    # Clauses only: the "in force" bounds, as day numbers.
    starts: int | None = None
    ends: int | None = None
    superseded_from: int | None = None
    digest: int = field(init=False)

    def __post_init__(self):
        content = repr(
            (
                self.key, self.heading, self.body, self.context, self.kind, self.parties,
                self.date, self.date_end, self.sort_keys,
                self.topics, self.effect, self.starts, self.ends, self.superseded_from,
            )
        )  # fmt: skip
        digest = int.from_bytes(hashlib.blake2b(content.encode(), digest_size=8).digest())
        object.__setattr__(self, "digest", digest)

    def to_tantivy(self) -> tantivy.Document:
        document = tantivy.Document()
        document.add_unsigned(schema.UID, self.key.uid)
        document.add_text(schema.TYPE, self.key.type)
        own_words = f"{self.heading}\n{self.body}"
        document.add_text(schema.TEXT, own_words)
        document.add_text(schema.CONTEXT, self.context)
        document.add_text(schema.WORDS, own_words)
        document.add_text(schema.KIND, self.kind)
        for party in self.parties:
            document.add_unsigned(schema.PARTY, party)
        for topic in self.topics:
            document.add_unsigned(schema.TOPIC, topic)
        if self.effect:
            document.add_text(schema.EFFECT, self.effect)
        if self.date is not None:
            document.add_unsigned(schema.YEAR, self.date.year)
            document.add_unsigned(schema.DATE_START, self.date.toordinal())
            document.add_unsigned(schema.DATE_END, self.date_end.toordinal())
        if self.starts is not None:
            document.add_unsigned(schema.STARTS, self.starts)
            document.add_unsigned(schema.ENDS, self.ends)
            document.add_unsigned(schema.SUPERSEDED_FROM, self.superseded_from)
        for name, value in zip(
            (schema.NEWEST, schema.OLDEST, schema.PUBLISHED), self.sort_keys, strict=False
        ):
            document.add_unsigned(name, value)
        document.add_unsigned(schema.DIGEST, self.digest)
        return document


def sort_keys(
    date: dt.date | None, announcement_id: int, position: int, published_at: dt.datetime | None
) -> tuple[int, int, int]:
    """(newest, oldest, published): the pages' orders as numbers to sort by."""
    announcement = announcement_id & ((1 << _ANNOUNCEMENT_BITS) - 1)
    position = min(position, _POSITION_MAX)
    low_bits = _ANNOUNCEMENT_BITS + _POSITION_BITS
    day = date.toordinal() if date else None
    # Newest first is a descending sort: undated is 0, and a lower position must
    # come first, so it is stored reversed.
    newest = (day or 0) << low_bits | announcement << _POSITION_BITS | (_POSITION_MAX - position)
    oldest = (day or _UNDATED_LAST) << low_bits | announcement << _POSITION_BITS | position
    seconds = int(published_at.timestamp()) if published_at else 0
    published = seconds << _POSITION_BITS | (_POSITION_MAX - position)
    return newest, oldest, published


def period_end(date: dt.date | None, precision: str) -> dt.date | None:
    """The last day of the period a partial date stands for."""
    if date is None:
        return None
    if precision == DatePrecision.YEAR:
        return PartialDate.of(date.year, end=True).date
    if precision == DatePrecision.MONTH:
        return PartialDate.of(date.year, date.month, end=True).date
    return date


def _day(date: dt.date | None, default: int) -> int:
    return date.toordinal() if date else default


@dataclass(frozen=True)
class _AnnouncementFacts:
    title: str
    summary: str
    kind: str
    date: dt.date | None
    date_precision: str
    published_at: dt.datetime | None
    parties: tuple[int, ...]


class _Reader:
    """Reads documents chunk by chunk, remembering the announcements, parties and
    topics it has read (a rebuild reads each once)."""

    def __init__(self):
        self.announcements: dict[int, _AnnouncementFacts] = {}
        self.party_names: dict[int, str] = {}
        self.topic_names: dict[int, str] = {}

    def _load_announcements(self, ids: Iterable[int]) -> None:
        missing = {pk for pk in ids if pk not in self.announcements}
        if not missing:
            return
        links = defaultdict(list)
        for announcement_id, party_id in Announcement.parties.through.objects.filter(
            announcement_id__in=missing
        ).values_list("announcement_id", "party_id"):
            links[announcement_id].append(party_id)
        rows = Announcement.objects.filter(pk__in=missing, status=Status.PUBLISHED).values_list(
            "pk", "title", "summary", "kind", "date", "date_precision", "published_at"
        )
        for pk, title, summary, kind, date, precision, published_at in rows:
            self.announcements[pk] = _AnnouncementFacts(
                title, summary, kind, date, precision, published_at, tuple(sorted(links[pk]))
            )

    def _load_parties(self, ids: Iterable[int]) -> None:
        missing = {pk for pk in ids if pk not in self.party_names}
        for pk, name, short_name, aliases in Party.objects.filter(pk__in=missing).values_list(
            "pk", "name", "short_name", "aliases"
        ):
            self.party_names[pk] = " ".join(part for part in (name, short_name, aliases) if part)

    def _load_topics(self, ids: Iterable[int]) -> None:
        missing = {pk for pk in ids if pk not in self.topic_names}
        self.topic_names.update(Topic.objects.filter(pk__in=missing).values_list("pk", "name"))

    def announcement_documents(self, ids: list[int]) -> list[IndexDocument]:
        rows = Announcement.objects.filter(pk__in=ids, status=Status.PUBLISHED).values_list(
            "pk", "text"
        )
        texts = dict(rows)
        self._load_announcements(texts)
        self._load_parties(p for pk in texts for p in self.announcements[pk].parties)
        documents = []
        for pk in sorted(texts):
            facts = self.announcements[pk]
            documents.append(
                IndexDocument(
                    key=Key(schema.ANNOUNCEMENT, pk),
                    heading=facts.title,
                    body=f"{facts.summary}\n{texts[pk]}".strip(),
                    context=" ".join(self.party_names[p] for p in facts.parties),
                    kind=facts.kind,
                    parties=facts.parties,
                    date=facts.date,
                    date_end=period_end(facts.date, facts.date_precision),
                    sort_keys=sort_keys(facts.date, pk, 0, facts.published_at),
                )
            )
        return documents

    def clause_documents(self, ids: list[int]) -> list[IndexDocument]:
        rows = list(
            Clause.objects.filter(pk__in=ids, announcement__status=Status.PUBLISHED)
            .order_by("pk")
            .values_list(
                "pk",
                "announcement_id",
                "position",
                "heading",
                "text",
                "effect",
                "effective_from",
                "effective_until",
            )
        )
        if not rows:
            return []
        found = [row[0] for row in rows]
        self._load_announcements({row[1] for row in rows})
        topics = _links(Clause.topics.through, "topic_id", found)
        parties = _links(Clause.parties.through, "party_id", found)
        successors = _successor_starts(found)
        self._load_topics(t for values in topics.values() for t in values)
        self._load_parties(
            {p for values in parties.values() for p in values}
            | {p for row in rows for p in self.announcements[row[1]].parties}
        )
        documents = []
        for pk, announcement_id, position, heading, text, effect, start, until in rows:
            facts = self.announcements[announcement_id]
            clause_parties = tuple(sorted(set(parties[pk]) | set(facts.parties)))
            clause_topics = tuple(sorted(topics[pk]))
            context = [facts.title, facts.summary[:CONTEXT_SUMMARY_CHARS]]
            context += [self.party_names[p] for p in clause_parties]
            context += [self.topic_names[t] for t in clause_topics]
            document = IndexDocument(
                key=Key(schema.CLAUSE, pk),
                heading=heading,
                body=text,
                context="\n".join(part for part in context if part),
                kind=facts.kind,
                parties=clause_parties,
                topics=clause_topics,
                effect=effect,
                date=facts.date,
                date_end=period_end(facts.date, facts.date_precision),
                starts=_day(start or facts.date, schema.NO_START),
                ends=_day(until, schema.NO_END),
                superseded_from=successors.get(pk, NEVER),
                sort_keys=sort_keys(facts.date, announcement_id, position, facts.published_at),
            )
            documents.append(document)
        return documents


def _links(through, column: str, clause_ids: list[int]) -> dict[int, list[int]]:
    links = defaultdict(list)
    for clause_id, value in through.objects.filter(clause_id__in=clause_ids).values_list(
        "clause_id", column
    ):
        links[clause_id].append(value)
    return links


def _successor_starts(clause_ids: list[int]) -> dict[int, int]:
    """For each clause with published successors: the earliest day one starts (an
    unknown start counts as started: ``schema.NO_START``)."""
    starts: dict[int, int] = {}
    rows = (
        Clause.objects.published()
        .filter(supersedes_id__in=clause_ids)
        .values_list("supersedes_id", "effective_from", "announcement__date")
    )
    for earlier, start, announcement_date in rows:
        day = _day(start or announcement_date, schema.NO_START)
        starts[earlier] = min(day, starts.get(earlier, NEVER))
    return starts


def read_documents(keys: Iterable[Key]) -> dict[Key, IndexDocument]:
    """The documents of ``keys`` whose records are published now."""
    reader = _Reader()
    by_type = defaultdict(list)
    for key in keys:
        by_type[key.type].append(key.pk)
    documents: dict[Key, IndexDocument] = {}
    for start in range(0, len(by_type[schema.CLAUSE]), READ_CHUNK_SIZE):
        chunk = by_type[schema.CLAUSE][start : start + READ_CHUNK_SIZE]
        documents.update((d.key, d) for d in reader.clause_documents(chunk))
    for start in range(0, len(by_type[schema.ANNOUNCEMENT]), READ_CHUNK_SIZE):
        chunk = by_type[schema.ANNOUNCEMENT][start : start + READ_CHUNK_SIZE]
        documents.update((d.key, d) for d in reader.announcement_documents(chunk))
    return documents


def all_documents() -> Iterator[IndexDocument]:
    """Every published record's document: clauses, then announcements, by pk."""
    reader = _Reader()
    published_clauses = Clause.objects.filter(announcement__status=Status.PUBLISHED)
    for ids in _id_chunks(published_clauses):
        yield from reader.clause_documents(ids)
    reader.announcements.clear()  # announcement documents read their own facts
    for ids in _id_chunks(Announcement.objects.published()):
        yield from reader.announcement_documents(ids)


def _id_chunks(queryset) -> Iterator[list[int]]:
    """The queryset's ids in chunks of ``READ_CHUNK_SIZE``, by pk (keyset pagination:
    each chunk's query starts from an index seek, however deep)."""
    last = 0
    while True:
        ids = list(
            queryset.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:READ_CHUNK_SIZE]
        )
        if not ids:
            return
        yield ids
        last = ids[-1]
