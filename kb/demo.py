"""The demo knowledge base: the seed statement (kb/data/demo_statement.txt) and an
editor's curation of it.

Every fact below is in the seed: the parties it names, the clauses of the joint
statement, and clauses of the related announcements worded from their own summaries
(``apply_demo_curation`` refuses a clause text that is not in its summary). The seed
gives no dates for any of these announcements, so every date stays unknown; the only
date is the end of the IP terms, "through 2032".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from kb.dates import PartialDate
from kb.importers.base import PartyLookup
from kb.importers.statement import ImportResult, import_statement, parse_statement_bytes
from kb.models import Announcement, Clause, ClauseEffect, Party, Status, Topic

DEMO_STATEMENT = Path(__file__).resolve().parent / "data" / "demo_statement.txt"

PARTIES = ["OpenAI", "Microsoft", "Amazon"]

# Editor-written names and descriptions.
TOPICS = {
    "Partnership": "The partnership as a whole: its standing, its phases and how the "
    "companies work together.",
    "IP licence": "Microsoft's licence to and access to OpenAI's intellectual property: "
    "its scope, exclusivity and term.",
    "Revenue share": "How revenue is shared between the partners, in either direction.",
    "Cloud exclusivity": "Which cloud hosts OpenAI's research, APIs and products, and on "
    "what exclusive terms.",
    "AGI": "The contractual definition of AGI and the process for determining that it has "
    "been achieved.",
    "Compute": "Computing capacity: the infrastructure OpenAI's work runs on and commitments "
    "to buy it.",
    "Investment and equity": "Microsoft's investment in OpenAI and the stake it holds.",
    "Governance": "How the partnership is run: procedures, verification and each party's "
    "independence.",
}

BOUND_PARTIES = ("OpenAI", "Microsoft")  # every demo clause binds both, and only them

STATEMENT = "statement"  # the key of the joint statement itself in the tables below


@dataclass(frozen=True)
class ClauseRef:
    """A clause by its announcement's key (below) and its position."""

    announcement: str
    position: int


@dataclass(frozen=True)
class Curation:
    topics: tuple[str, ...]
    effect: str = ClauseEffect.NEW
    supersedes: ClauseRef | None = None
    until_year: int | None = None  # "through 2032": in force until 31 December 2032


@dataclass(frozen=True)
class DemoClause:
    heading: str
    text: str  # words of the announcement's own summary
    curation: Curation


# The joint statement's clauses, by position (their wording comes from the import).
STATEMENT_CLAUSES = {
    1: Curation(("Partnership",), ClauseEffect.REAFFIRMED),
    2: Curation(("IP licence",), ClauseEffect.REAFFIRMED, ClauseRef("definitive agreement", 2)),
    3: Curation(("Revenue share",), ClauseEffect.REAFFIRMED),
    4: Curation(("Cloud exclusivity",), ClauseEffect.AMENDED, ClauseRef("multi-year extension", 1)),
    5: Curation(("Cloud exclusivity", "Compute"), ClauseEffect.REAFFIRMED),
    6: Curation(
        ("AGI", "Governance"), ClauseEffect.REAFFIRMED, ClauseRef("definitive agreement", 3)
    ),
    7: Curation(("Compute", "Partnership"), ClauseEffect.REAFFIRMED),
}

# The related announcements: a phrase that picks each out by its summary, and the
# clauses an editor drew from that summary.
RELATED = {
    "research partnership": (
        "primary cloud platform",
        [
            DemoClause(
                "Azure is the primary cloud platform for OpenAI's deep learning and AI research",
                "OpenAI and Microsoft announced a partnership to run OpenAI's large-scale "
                "experiments on Azure, making it the primary cloud platform for OpenAI's deep "
                "learning and AI research.",
                Curation(("Cloud exclusivity", "Compute")),
            ),
            DemoClause(
                "Azure's GPU infrastructure accelerates AI research",
                "The collaboration will leverage Azure's GPU infrastructure to accelerate AI "
                "research and share results with the broader community.",
                Curation(("Compute",)),
            ),
        ],
    ),
    "multi-year extension": (
        "multi-year, multi-billion dollar",
        [
            DemoClause(
                "Azure remains the exclusive cloud provider for all OpenAI workloads across "
                "research, API, and products",
                "Azure supercomputing systems that will remain the exclusive cloud provider for "
                "all OpenAI workloads across research, API, and products.",
                Curation(
                    ("Cloud exclusivity",),
                    ClauseEffect.AMENDED,
                    ClauseRef("research partnership", 1),
                ),
            ),
            DemoClause(
                "Microsoft increases investment in Azure supercomputing systems",
                "Microsoft increasing investment in Azure supercomputing systems",
                Curation(("Investment and equity", "Compute")),
            ),
        ],
    ),
    "definitive agreement": (
        "new definitive agreement",
        [
            DemoClause(
                "Microsoft increases its investment to $135 billion (27% stake)",
                "Microsoft increasing its investment to $135 billion (27% stake)",
                Curation(("Investment and equity",)),
            ),
            DemoClause(
                "IP rights extended through 2032",
                "extending IP rights through 2032.",
                Curation(("IP licence",), until_year=2032),
            ),
            DemoClause(
                "AGI verification procedures",
                "The deal introduces AGI verification procedures",
                Curation(("AGI", "Governance")),
            ),
            DemoClause(
                "$250B Azure services commitment from OpenAI",
                "includes a $250B Azure services commitment from OpenAI.",
                Curation(("Compute",)),
            ),
            DemoClause(
                "Greater independence in pursuing AGI and product development",
                "allows both companies greater independence in pursuing AGI and product "
                "development",
                Curation(("AGI", "Governance")),
            ),
        ],
    ),
    "memorandum of understanding": (
        "non-binding memorandum of understanding",
        [
            DemoClause(
                "Non-binding memorandum of understanding for the next phase of the partnership",
                "OpenAI and Microsoft have signed a non-binding memorandum of understanding for "
                "the next phase of their partnership, with both companies actively working to "
                "finalize contractual terms while emphasizing their shared commitment to AI "
                "safety.",
                Curation(("Partnership",)),
            ),
        ],
    ),
    "amended agreement": (
        "amended partnership agreement",
        [
            DemoClause(
                "Revenue sharing from Microsoft to OpenAI removed",
                "removes revenue sharing from Microsoft to OpenAI",
                Curation(("Revenue share",), ClauseEffect.AMENDED, ClauseRef(STATEMENT, 3)),
            ),
            DemoClause(
                "Microsoft's license to OpenAI IP is non-exclusive through 2032",
                "makes Microsoft's license to OpenAI IP non-exclusive through 2032.",
                Curation(
                    ("IP licence",), ClauseEffect.AMENDED, ClauseRef(STATEMENT, 2), until_year=2032
                ),
            ),
        ],
    ),
}


class DemoDataError(Exception):
    """The seed no longer says what the curation relies on."""


def demo_is_loaded() -> bool:
    """The seed statement is in the database and the curation has run (only the demo
    curation creates its topics; a statement imported by hand is not the demo yet)."""
    statement = parse_statement_bytes(DEMO_STATEMENT.read_bytes(), filename=str(DEMO_STATEMENT))
    topic_slugs = [slugify(name) for name in TOPICS]
    return Announcement.objects.filter(
        source_url=statement.statement.source_url
    ).exists() and Topic.objects.filter(slug__in=topic_slugs).count() == len(topic_slugs)


def load_demo() -> ImportResult:
    """Import the seed as published and apply the curation, in one transaction."""
    parsed = parse_statement_bytes(DEMO_STATEMENT.read_bytes(), filename=str(DEMO_STATEMENT))
    with transaction.atomic():
        result = import_statement(parsed=parsed, status=Status.PUBLISHED)
        apply_demo_curation(result)
    return result


def apply_demo_curation(result: ImportResult) -> None:
    lookup = PartyLookup()
    parties = {name: _party(name, lookup) for name in PARTIES}
    bound = [parties[name] for name in BOUND_PARTIES]
    topics = {name: _topic(name, description) for name, description in TOPICS.items()}
    announcements = {STATEMENT: result.statement} | {
        key: _related(result.related, phrase) for key, (phrase, _) in RELATED.items()
    }
    for announcement in announcements.values():
        _publish(announcement)

    curated: list[tuple[Clause, Curation]] = []
    for position, curation in STATEMENT_CLAUSES.items():
        curated.append((result.statement.clauses.get(position=position), curation))
    for key, (_, clauses) in RELATED.items():
        announcement = announcements[key]
        for position, demo in enumerate(clauses, start=1):
            if demo.text not in announcement.summary:
                raise DemoDataError(f"{key}: {demo.text!r} is not in its summary")
            clause = Clause.objects.filter(announcement=announcement, position=position).first()
            clause = clause or Clause(announcement=announcement, position=position)
            _save_if_changed(clause, heading=demo.heading, text=demo.text)
            curated.append((clause, demo.curation))

    # Links last: a clause may supersede one curated after it in these tables.
    for clause, curation in curated:
        earlier = curation.supersedes
        until = PartialDate.of(curation.until_year, end=True) if curation.until_year else None
        _save_if_changed(
            clause,
            effect=curation.effect,
            supersedes=(
                announcements[earlier.announcement].clauses.get(position=earlier.position)
                if earlier
                else None
            ),
            effective_until=until.date if until else None,
            effective_until_precision=until.precision if until else PartialDate.unknown().precision,
        )
        clause.topics.set([topics[name] for name in curation.topics])
        clause.parties.set(bound)


def _party(name: str, lookup: PartyLookup) -> Party:
    party, new = lookup.get_or_new(name)
    if new:
        party.full_clean()
        party.save()
    return party


def _topic(name: str, description: str) -> Topic:
    topic, _ = Topic.objects.get_or_create(
        slug=slugify(name), defaults={"name": name, "description": description}
    )
    return topic


def _related(announcements: list[Announcement], phrase: str) -> Announcement:
    matches = [item for item in announcements if phrase in item.summary]
    if len(matches) != 1:
        raise DemoDataError(f"expected one related announcement about {phrase!r}")
    return matches[0]


def _publish(announcement: Announcement) -> None:
    if announcement.status != Status.PUBLISHED:
        _save_if_changed(announcement, status=Status.PUBLISHED, published_at=timezone.now())


def _save_if_changed(instance, **values) -> None:
    """Save only real changes, so loading the demo again adds no history entries."""
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if instance.pk is not None and not changed:
        return
    for name in changed:
        setattr(instance, name, values[name])
    instance.full_clean()
    instance.save()
