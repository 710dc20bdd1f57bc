"""Ranking the earlier published clauses a clause most likely continues.

Order: clauses of the same parties, then of overlapping parties, then the rest;
within each, by how alike the wording is (the search engine's more-like-this over
heading and text, with the thesaurus: ``kb.search.similar``). Only clauses of
published announcements that came earlier: by date when both announcements have
one and their periods do not overlap, else by publication order (an unpublished
clause comes after every published one). Never a clause of the same announcement,
nor one the editor dismissed for this clause.

Reads: one engine search, then five queries for the candidates' facts, whatever
their number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from kb.dates import PartialDate
from kb.importers.base import PartyLookup
from kb.lineage_suggestions import effects
from kb.lineage_suggestions.effects import propose_effect
from kb.models import Announcement, Clause, Party, Status, Topic
from kb.search.documents import period_end
from kb.search.similar import SimilarClauses
from kb.search.stopwords import STOPWORDS

# Suggestions shown per clause.
DEFAULT_LIMIT = 5
# The engine is asked for this many more candidates than wanted, as some are then
# left out by the order and publication checks only the database can make.
CANDIDATE_FACTOR = 10
MIN_CANDIDATES = 50
# The wording is compared on at most this much of each clause's text.
COMPARED_CHARS = 20_000
# "both mention ...": at most this many shared words, of at least this many letters.
SHARED_WORDS_SHOWN = 3
SHARED_WORD_MIN_LENGTH = 4

SAME, OVERLAPPING, OTHER = "same", "overlapping", "other"
_PARTY_TIERS = {SAME: 2, OVERLAPPING: 1, OTHER: 0}
_WORD = re.compile(r"[^\W_]+")
# Words of the effect rules ("remains", "unchanged") say how, not what about: not shown
# as shared words.
_EFFECT_WORDS = frozenset(
    word
    for phrases in (
        effects.REMOVAL_PHRASES,
        effects.REPLACEMENT_PHRASES,
        effects.CHANGE_PHRASES,
        effects.REAFFIRMATION_PHRASES,
    )
    for phrase in phrases
    for word in phrase.split()
)


@dataclass(frozen=True)
class ClauseDraft:
    """What ranking needs of a clause, saved or not."""

    heading: str
    text: str = ""
    parties: frozenset[int] = frozenset()
    topics: frozenset[int] = frozenset()
    # The announcement's date as stored (first day of its period) and precision.
    date: dt.date | None = None
    date_precision: str = ""
    # When the announcement was published; None: not published (yet).
    published_at: dt.datetime | None = None
    announcement_id: int | None = None
    clause_id: int | None = None
    # The clause this one supersedes now, if any (marked "linked" in the results).
    supersedes_id: int | None = None
    # The clauses of its own announcement (never suggested): left out by the engine,
    # so that they do not crowd out the candidates of a long contract.
    siblings: frozenset[int] = frozenset()
    dismissed: frozenset[int] = field(default_factory=frozenset)

    @property
    def date_end(self) -> dt.date | None:
        return period_end(self.date, self.date_precision)


@dataclass(frozen=True)
class Suggestion:
    clause_id: int
    heading: str
    announcement_id: int
    announcement_title: str
    announcement_date: PartialDate
    effect: str  # a ClauseEffect value
    verb: str  # "reaffirms", "amends", "replaces" or "removes"
    score: float  # party tier (0-2) plus the similarity
    similarity: float  # the text score over the best candidate's (0-1)
    parties: str  # SAME, OVERLAPPING or OTHER
    reason: str
    linked: bool = False

    def as_dict(self) -> dict:
        return {
            "clause_id": self.clause_id,
            "heading": self.heading,
            "announcement": {
                "id": self.announcement_id,
                "title": self.announcement_title,
                "date": str(self.announcement_date) if self.announcement_date.date else None,
            },
            "effect": self.effect,
            "verb": self.verb,
            "score": round(self.score, 3),
            "similarity": round(self.similarity, 3),
            "parties": self.parties,
            "reason": self.reason,
            "linked": self.linked,
        }


def draft_of(clause: Clause) -> ClauseDraft:
    """A saved clause as ranking sees it: five queries (its parties, its announcement's,
    its topics, its dismissals, its announcement's clauses), or three when its parties
    and topics are prefetched."""
    from kb.lineage_suggestions.models import LineageDismissal

    announcement = clause.announcement
    parties = {party.pk for party in clause.parties.all()}
    parties |= set(announcement.parties.values_list("pk", flat=True))
    return ClauseDraft(
        heading=clause.heading,
        text=clause.text,
        parties=frozenset(parties),
        topics=frozenset(topic.pk for topic in clause.topics.all()),
        date=announcement.date,
        date_precision=announcement.date_precision,
        published_at=announcement.published_at if announcement.is_published else None,
        announcement_id=announcement.pk,
        clause_id=clause.pk,
        supersedes_id=clause.supersedes_id,
        siblings=frozenset(announcement.clauses.values_list("pk", flat=True)),
        dismissed=frozenset(
            LineageDismissal.objects.filter(clause=clause).values_list("candidate_id", flat=True)
        ),
    )


def suggest_for_clause(clause: Clause, *, limit: int = DEFAULT_LIMIT) -> list[Suggestion]:
    return suggest(draft_of(clause), limit=limit)


def suggest(
    draft: ClauseDraft, *, limit: int = DEFAULT_LIMIT, finder: SimilarClauses | None = None
) -> list[Suggestion]:
    """The ``limit`` earlier published clauses ``draft`` most likely continues, best
    first. ``finder``: the engine's view to search (one is opened otherwise)."""
    if limit <= 0:
        return []
    exclude = set(draft.dismissed) | draft.siblings
    if draft.clause_id is not None:
        exclude.add(draft.clause_id)
    found = (finder or SimilarClauses()).find(
        draft.heading,
        draft.text[:COMPARED_CHARS],
        parties=tuple(sorted(draft.parties)),
        starts_by=draft.date_end,
        exclude=tuple(sorted(exclude)),
        limit=max(MIN_CANDIDATES, limit * CANDIDATE_FACTOR),
    )
    if not found:
        return []
    scores = {item.clause_id: item.score for item in found}
    candidates = _candidates(list(scores))
    kept = [c for c in candidates.values() if _is_earlier(c, draft)]
    if not kept:
        return []
    for candidate in kept:
        candidate.tier = _party_tier(draft.parties, candidate.parties)
    kept.sort(key=lambda c: (-_PARTY_TIERS[c.tier], -scores[c.pk], c.pk))
    kept = kept[:limit]
    best = max(scores[c.pk] for c in kept) or 1.0
    names = _names(draft, kept)
    results = []
    for candidate in kept:
        similarity = scores[candidate.pk] / best
        proposal = propose_effect(
            f"{draft.heading}\n{draft.text[:COMPARED_CHARS]}",
            f"{candidate.heading}\n{candidate.text[:COMPARED_CHARS]}",
        )
        reason = "; ".join(
            part
            for part in (
                _parties_phrase(draft.parties, candidate, names),
                _about_phrase(draft, candidate, names),
                proposal.because,
            )
            if part
        )
        results.append(
            Suggestion(
                clause_id=candidate.pk,
                heading=candidate.heading,
                announcement_id=candidate.announcement_id,
                announcement_title=candidate.announcement_title,
                announcement_date=PartialDate(candidate.date, candidate.date_precision),
                effect=proposal.effect,
                verb=proposal.verb,
                score=_PARTY_TIERS[candidate.tier] + similarity,
                similarity=similarity,
                parties=candidate.tier,
                reason=reason,
                linked=candidate.pk == draft.supersedes_id,
            )
        )
    return results


@dataclass
class _Candidate:
    pk: int
    heading: str
    text: str
    announcement_id: int
    announcement_title: str
    date: dt.date | None
    date_precision: str
    published_at: dt.datetime | None
    parties: set[int] = field(default_factory=set)
    topics: set[int] = field(default_factory=set)
    tier: str = OTHER

    @property
    def date_end(self) -> dt.date | None:
        return period_end(self.date, self.date_precision)


def _candidates(ids: list[int]) -> dict[int, _Candidate]:
    """The clauses of ``ids`` that are published now, with their facts (three queries)."""
    rows = (
        Clause.objects.filter(pk__in=ids, announcement__status=Status.PUBLISHED)
        .select_related("announcement")
        .only(
            "heading",
            "text",
            "announcement__title",
            "announcement__date",
            "announcement__date_precision",
            "announcement__published_at",
        )
    )
    candidates = {
        clause.pk: _Candidate(
            pk=clause.pk,
            heading=clause.heading,
            text=clause.text,
            announcement_id=clause.announcement_id,
            announcement_title=clause.announcement.title,
            date=clause.announcement.date,
            date_precision=clause.announcement.date_precision,
            published_at=clause.announcement.published_at,
        )
        for clause in rows
    }
    if not candidates:
        return {}
    for clause_id, party_id in Clause.parties.through.objects.filter(
        clause_id__in=candidates
    ).values_list("clause_id", "party_id"):
        candidates[clause_id].parties.add(party_id)
    by_announcement = defaultdict(list)
    for candidate in candidates.values():
        by_announcement[candidate.announcement_id].append(candidate)
    for announcement_id, party_id in Announcement.parties.through.objects.filter(
        announcement_id__in=by_announcement
    ).values_list("announcement_id", "party_id"):
        for candidate in by_announcement[announcement_id]:
            candidate.parties.add(party_id)
    for clause_id, topic_id in Clause.topics.through.objects.filter(
        clause_id__in=candidates
    ).values_list("clause_id", "topic_id"):
        candidates[clause_id].topics.add(topic_id)
    return candidates


def _is_earlier(candidate: _Candidate, draft: ClauseDraft) -> bool:
    """Whether ``candidate`` came before the draft: by date when both periods are
    known and apart, else by publication order (the announcement id breaks ties)."""
    if candidate.announcement_id == draft.announcement_id:
        return False
    if candidate.date and draft.date:
        if candidate.date_end < draft.date:
            return True
        if candidate.date > draft.date_end:
            return False
    if draft.published_at is None:
        return True
    if candidate.published_at is None:
        return False
    return (candidate.published_at, candidate.announcement_id) < (
        draft.published_at,
        draft.announcement_id or 0,
    )


def _party_tier(draft_parties: frozenset[int], candidate_parties: set[int]) -> str:
    if draft_parties and draft_parties == candidate_parties:
        return SAME
    return OVERLAPPING if draft_parties & candidate_parties else OTHER


@dataclass(frozen=True)
class _Names:
    parties: dict[int, str]
    topics: dict[int, str]


def _names(draft: ClauseDraft, candidates: list[_Candidate]) -> _Names:
    """The names the reasons mention (two queries)."""
    shared_parties = {p for c in candidates for p in c.parties & draft.parties}
    shared_topics = {t for c in candidates for t in c.topics & draft.topics}
    return _Names(
        parties=dict(Party.objects.filter(pk__in=shared_parties).values_list("pk", "name")),
        topics=dict(
            Topic.objects.filter(Q(pk__in=shared_topics)).values_list("pk", "name")
            if shared_topics
            else []
        ),
    )


def _parties_phrase(draft_parties: frozenset[int], candidate: _Candidate, names: _Names) -> str:
    if candidate.tier == SAME:
        return "same parties"
    if candidate.tier == OVERLAPPING:
        shared = sorted(names.parties.get(p, f"#{p}") for p in candidate.parties & draft_parties)
        return "shares " + ", ".join(shared)
    return "other parties" if draft_parties and candidate.parties else ""


def _about_phrase(draft: ClauseDraft, candidate: _Candidate, names: _Names) -> str:
    topics = sorted(names.topics[t] for t in candidate.topics & draft.topics if t in names.topics)
    if topics:
        return "both about the " + " and the ".join(topics)
    names_words = {w.lower() for name in names.parties.values() for w in _WORD.findall(name)}
    words = _shared_words(
        f"{draft.heading} {draft.text[:COMPARED_CHARS]}",
        f"{candidate.heading} {candidate.text[:COMPARED_CHARS]}",
        ignored=names_words | _EFFECT_WORDS,
    )
    return "both mention " + ", ".join(f"“{word}”" for word in words) if words else ""


def _shared_words(new: str, earlier: str, *, ignored: set[str]) -> list[str]:
    """Words of ``new`` (in its order) that ``earlier`` also has: no stopwords, no
    short words, none of ``ignored`` (the parties' names), a plural matching its
    singular."""
    earlier_words = {_singular(w.lower()) for w in _WORD.findall(earlier)}
    shared: list[str] = []
    for word in _WORD.findall(new):
        lower = word.lower()
        if (
            len(lower) >= SHARED_WORD_MIN_LENGTH
            and lower not in STOPWORDS
            and lower not in ignored
            and _singular(lower) in earlier_words
            and lower not in shared
        ):
            shared.append(lower)
            if len(shared) == SHARED_WORDS_SHOWN:
                break
    return shared


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def suggest_for_new_clauses(
    clauses: Sequence[tuple[str, str]],
    *,
    party_names: Sequence[str] = (),
    date: dt.date | None = None,
    date_precision: str = "",
    limit: int = DEFAULT_LIMIT,
) -> list[list[Suggestion]]:
    """Suggestions for clauses not saved yet (``(heading, text)`` each), of an
    announcement not published yet naming ``party_names`` (those the knowledge base
    knows count): the statement import's preview."""
    lookup = PartyLookup()
    parties = frozenset(
        party.pk for name in party_names if (party := lookup.find(name)) is not None
    )
    finder = SimilarClauses()
    return [
        suggest(
            ClauseDraft(
                heading=heading,
                text=text,
                parties=parties,
                date=date,
                date_precision=date_precision,
            ),
            limit=limit,
            finder=finder,
        )
        for heading, text in clauses
    ]
