"""How good and how fast the suggestions are, on the current database.

``check_links()`` takes every published clause that an editor linked to an earlier
published clause and asks: is that clause among the suggestions, at which rank,
and do the effect rules give the editor's effect for the pair? ``bench()`` times
the suggestions for single clauses and for a statement's worth of unsaved ones.
Used by ``manage.py kb_suggest_lineage --check-links`` and ``--bench``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kb.lineage_suggestions.effects import propose_effect
from kb.lineage_suggestions.ranking import suggest_for_clause, suggest_for_new_clauses
from kb.models import Clause, Status
from kb_dev.bench import Timing, time_calls

CHECKED_RANKS = 5
BENCH_SEED = 16
STATEMENT_CLAUSES = 30
# The targets the issue sets.
ONE_CLAUSE_TARGET_MS = 100
STATEMENT_TARGET_MS = 2_000


@dataclass(frozen=True)
class LinkCheck:
    clause: Clause
    predecessor: Clause
    rank: int | None  # 1-based among the suggestions, None: not among them
    proposed: str  # the effect the rules give for the pair
    verb: str
    why_missed: str = ""

    @property
    def effect_right(self) -> bool:
        return self.proposed == self.clause.effect


def check_links(limit: int = CHECKED_RANKS) -> list[LinkCheck]:
    clauses = (
        Clause.objects.published()
        .filter(supersedes__announcement__status=Status.PUBLISHED)
        .select_related("announcement", "supersedes__announcement")
        .order_by("pk")
    )
    checks = []
    for clause in clauses:
        earlier = clause.supersedes
        suggested = [s.clause_id for s in suggest_for_clause(clause, limit=limit)]
        rank = suggested.index(earlier.pk) + 1 if earlier.pk in suggested else None
        proposal = propose_effect(
            f"{clause.heading}\n{clause.text}", f"{earlier.heading}\n{earlier.text}"
        )
        checks.append(
            LinkCheck(
                clause=clause,
                predecessor=earlier,
                rank=rank,
                proposed=proposal.effect,
                verb=proposal.verb,
                why_missed="" if rank else _why_missed(clause, earlier, limit),
            )
        )
    return checks


def _why_missed(clause: Clause, earlier: Clause, limit: int) -> str:
    from kb.lineage_suggestions.ranking import _candidates, _is_earlier, draft_of

    candidate = _candidates([earlier.pk]).get(earlier.pk)
    if candidate is None:
        return "not published"
    if not _is_earlier(candidate, draft_of(clause)):
        if candidate.date and clause.announcement.date:
            return "its announcement is dated later"
        return "no dates: its announcement was published later"
    wider = [s.clause_id for s in suggest_for_clause(clause, limit=100)]
    if earlier.pk in wider:
        return f"ranked {wider.index(earlier.pk) + 1}"
    return "the wording shares no significant word"


@dataclass(frozen=True)
class BenchResult:
    clauses: int
    one_clause: Timing
    statement: Timing


def bench(*, repeat: int = 30, sample: int = 50) -> BenchResult:
    """Suggestions for ``sample`` published clauses picked at random (each timed
    ``repeat`` times round-robin), and for a 30-clause unsaved statement built from
    the words of published clauses."""
    published = Clause.objects.published()
    total = published.count()
    if total < STATEMENT_CLAUSES:
        raise ValueError(f"Benchmark needs at least {STATEMENT_CLAUSES} published clauses.")
    chooser = random.Random(BENCH_SEED)  # noqa: S311 - a reproducible sample, not a secret
    highest = published.order_by("-pk").values_list("pk", flat=True).first()
    picked: list[Clause] = []
    while len(picked) < sample:
        clause = (
            published.filter(pk__gte=chooser.randint(1, highest))
            .select_related("announcement")
            .order_by("pk")
            .first()
        )
        if clause is not None:
            picked.append(clause)
    turn = iter(range(10**9))

    def one() -> None:
        suggest_for_clause(picked[next(turn) % len(picked)])

    one_clause = time_calls(one, repeat=max(repeat, len(picked)))
    statement = [(c.heading, c.text) for c in picked[:STATEMENT_CLAUSES]]
    parties = list(picked[0].announcement.parties.values_list("name", flat=True))

    def whole() -> None:
        suggest_for_new_clauses(statement, party_names=parties)

    statement_timing = time_calls(whole, repeat=max(3, repeat // 10))
    return BenchResult(total, one_clause, statement_timing)
