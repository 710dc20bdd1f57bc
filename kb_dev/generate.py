"""Grow the knowledge base with generated, published records, for benchmarks.

Texts are windows of real contract prose when a directory of ``.txt`` files is
given (CUAD's ``full_contract_txt``, read in place, never copied), otherwise
sentences drawn from a built-in contract vocabulary. The same seed gives the same
records. Everything is written with bulk inserts in one transaction, and the
planner's statistics are refreshed; the search index follows through its change log.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, reset_queries, transaction
from django.utils import timezone

from kb.dates import DatePrecision
from kb.models import Announcement, AnnouncementKind, Clause, ClauseEffect, Party, Status, Topic

BATCH_SIZE = 2_000
CLAUSES_PER_ANNOUNCEMENT = (3, 30)
PARTIES = 400
TOPICS = 41
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2026, 10, 31)
# Share of clauses that continue the lineage of an earlier clause.
LINEAGE_SHARE = 0.05
WINDOW_WORDS = (25, 90)

# Frequent words first: a rough Zipf shape makes "agreement" and "shall" common.
_VOCABULARY_TEXT = (
    "the agreement shall party parties of and to in any this such or by with be "
    "license exclusive rights services term termination notice written company "
    "provider customer product products territory revenue share payment fees "
    "confidential information intellectual property warranty liability damages "
    "indemnify governing law state court arbitration assignment change control "
    "consent renewal period effective date year days months obligations audit "
    "insurance minimum commitment volume price most favored nation non-compete "
    "exclusivity competitor supply distribution marketing trademark source code "
    "escrow affiliate subsidiary licensee licensor royalty cap uncapped breach "
    "cure material default force majeure compliance records inspection joint "
    "ownership improvements covenant solicit employees third beneficiary "
    "insolvency bankruptcy successor merger acquisition cloud compute model "
    "models research deployment access platform capacity infrastructure"
)
VOCABULARY = _VOCABULARY_TEXT.split()
TOPIC_NAMES = (
    "Exclusivity", "License Grant", "Revenue/Profit Sharing", "Change of Control",
    "Anti-Assignment", "Governing Law", "Termination for Convenience", "Cap on Liability",
    "Uncapped Liability", "Audit Rights", "Insurance", "Most Favored Nation",
    "Non-Compete", "Minimum Commitment", "Volume Restriction", "IP Ownership Assignment",
    "Joint IP Ownership", "Source Code Escrow", "Post-Termination Services",
    "Warranty Duration", "Renewal Term", "Notice Period to Terminate Renewal",
    "Expiration Date", "Effective Date", "Agreement Date", "Competitive Restriction Exception",
    "No-Solicit of Customers", "No-Solicit of Employees", "Non-Disparagement",
    "Covenant Not to Sue", "Third Party Beneficiary", "Rofr/Rofo/Rofn", "Price Restrictions",
    "Liquidated Damages", "Affiliate License-Licensor", "Affiliate License-Licensee",
    "Unlimited/All-You-Can-Eat-License", "Irrevocable or Perpetual License",
    "Non-Transferable License", "Document Name", "Parties",
)  # fmt: skip


@dataclass(frozen=True)
class GeneratedCounts:
    announcements: int
    clauses: int
    parties: int
    topics: int


class TextSource:
    """Endless clause texts: windows of the given files' words, or vocabulary."""

    def __init__(self, rng: random.Random, directory: Path | None):
        self.rng = rng
        self.words: list[str] = []
        if directory is not None:
            for path in sorted(directory.glob("*.txt")):
                self.words += path.read_text(encoding="utf-8", errors="replace").split()
        self.weights = [1 / rank for rank in range(1, len(VOCABULARY) + 1)]

    def text(self) -> str:
        length = self.rng.randint(*WINDOW_WORDS)
        if self.words:
            start = self.rng.randrange(max(1, len(self.words) - length))
            return " ".join(self.words[start : start + length])
        words = self.rng.choices(VOCABULARY, weights=self.weights, k=length)
        return " ".join(words).capitalize() + "."


def _heading(text: str) -> str:
    words = re.findall(r"[^\W_][\w'’-]*", text)[:6]
    return " ".join(words).capitalize()[:200] or "Clause"


def generate(
    *,
    clauses: int,
    seed: int,
    source: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> GeneratedCounts:
    """Add ``clauses`` published clauses (and their announcements, parties and
    topics) in one transaction. The database's triggers log them for the search
    index, which applies them at its next update (rebuilding when they are many)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    texts = TextSource(rng, source)
    now = timezone.now()
    # Names stay unique when the command runs again on the same database.
    tag = f"s{seed}-{Announcement.objects.count()}"
    with transaction.atomic():
        parties = Party.objects.bulk_create(
            Party(name=f"Generated Party {tag}-{n:04d}", slug=f"party-{tag}-{n:04d}")
            for n in range(PARTIES)
        )
        topics = [
            Topic.objects.get_or_create(
                name=name, defaults={"slug": re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")}
            )[0]
            for name in TOPIC_NAMES[:TOPICS]
        ]
        announcements = 0
        written = 0
        earlier_clause_ids: list[int] = []
        for batch in _announcement_batches(rng, clauses):
            created = Announcement.objects.bulk_create(
                Announcement(
                    title=f"Generated agreement {tag}-{announcements + n}",
                    slug=f"generated-{tag}-{announcements + n}",
                    kind=rng.choice(AnnouncementKind.values),
                    date=day,
                    date_precision=DatePrecision.DAY,
                    summary=texts.text()[:300],
                    status=Status.PUBLISHED,
                    published_at=now,
                )
                for n, (day, _) in enumerate(batch)
            )
            announcements += len(created)
            Announcement.parties.through.objects.bulk_create(
                Announcement.parties.through(announcement_id=announcement.pk, party_id=party.pk)
                for announcement in created
                for party in rng.sample(parties, rng.randint(1, 3))
            )
            new_clauses = []
            for announcement, (_, count) in zip(created, batch, strict=True):
                for position in range(1, count + 1):
                    text = texts.text()
                    supersedes = None
                    if earlier_clause_ids and rng.random() < LINEAGE_SHARE:
                        supersedes = rng.choice(earlier_clause_ids)
                    new_clauses.append(
                        Clause(
                            announcement=announcement,
                            position=position,
                            heading=_heading(text),
                            text=text,
                            effect=rng.choice([ClauseEffect.AMENDED, ClauseEffect.REAFFIRMED])
                            if supersedes
                            else ClauseEffect.NEW,
                            supersedes_id=supersedes,
                        )
                    )
            Clause.objects.bulk_create(new_clauses, batch_size=BATCH_SIZE)
            Clause.topics.through.objects.bulk_create(
                Clause.topics.through(clause_id=clause.pk, topic_id=topic.pk)
                for clause in new_clauses
                for topic in rng.sample(topics, rng.randint(0, 2))
            )
            # Announcements are made in date order, so any earlier clause is from an
            # announcement no later than this one (the lineage rule holds).
            earlier_clause_ids += [clause.pk for clause in new_clauses]
            written += len(new_clauses)
            # With DEBUG on, Django keeps the SQL of every statement, and a batch's
            # bulk insert is about a megabyte of text: drop it, so memory stays flat.
            reset_queries()
            if progress:
                progress(len(new_clauses))
    # Fresh planner statistics: without them SQLite has none at all and guesses,
    # e.g. reads every clause to find a page's successors instead of using the
    # supersedes index (36 ms instead of 2.5 ms per page at 100,000 clauses).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return GeneratedCounts(announcements, written, len(parties), len(topics))


def _announcement_batches(rng: random.Random, clauses: int) -> Iterator[list[tuple]]:
    """(date, clause count) of each announcement, in date order, in batches."""
    counts = []
    remaining = clauses
    while remaining > 0:
        count = min(remaining, rng.randint(*CLAUSES_PER_ANNOUNCEMENT))
        counts.append(count)
        remaining -= count
    span = (LAST_DAY - FIRST_DAY).days
    days = sorted(FIRST_DAY + dt.timedelta(days=rng.randrange(span)) for _ in counts)
    batch: list[tuple] = []
    batch_clauses = 0
    for day, count in zip(days, counts, strict=True):
        batch.append((day, count))
        batch_clauses += count
        if batch_clauses >= BATCH_SIZE:
            yield batch
            batch, batch_clauses = [], 0
    if batch:
        yield batch
