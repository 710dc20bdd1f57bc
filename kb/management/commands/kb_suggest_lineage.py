"""The earlier published clauses a clause most likely continues, with the effect
the rules propose and why (``kb/lineage_suggestions``).

    python manage.py kb_suggest_lineage CLAUSE_ID [--limit 5] [--json]
    python manage.py kb_suggest_lineage --check-links [--json]
    python manage.py kb_suggest_lineage --bench [--repeat 30]

``--check-links`` measures the suggestions against the links editors made (every
published clause linked to an earlier published one): recall at 1 and 5 and the
effect rules' accuracy. ``--bench`` times one clause's suggestions and a 30-clause
statement's import preview on the current database.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from kb.bench import format_table
from kb.lineage_suggestions.measure import (
    ONE_CLAUSE_TARGET_MS,
    STATEMENT_TARGET_MS,
    bench,
    check_links,
)
from kb.lineage_suggestions.ranking import DEFAULT_LIMIT, suggest_for_clause
from kb.models import Clause


class Command(BaseCommand):
    help = "Print the earlier clauses a clause most likely reaffirms, amends or replaces."

    def add_arguments(self, parser):
        parser.add_argument(
            "clause_id", nargs="?", help="The id of the clause to suggest predecessors for."
        )
        parser.add_argument(
            "--limit", type=int, default=DEFAULT_LIMIT, help="How many suggestions (1-100)."
        )
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
        parser.add_argument(
            "--check-links",
            action="store_true",
            help="Measure recall and effect accuracy against the links editors made.",
        )
        parser.add_argument(
            "--bench", action="store_true", help="Time suggestions on the current database."
        )
        parser.add_argument("--repeat", type=int, default=30, help="Timed runs (--bench).")

    def handle(self, *args, clause_id, limit, check_links, bench, repeat, **options):
        as_json = options["json"]
        if check_links:
            return self._check_links(as_json)
        if bench:
            return self._bench(repeat, as_json)
        if clause_id is None:
            raise CommandError("Give a clause id, --check-links or --bench.")
        if not 1 <= limit <= 100:
            raise CommandError("--limit must be between 1 and 100.")
        try:
            pk = int(clause_id)
        except ValueError:
            raise CommandError(f"{clause_id!r} is not a clause id (a whole number).") from None
        clause = Clause.objects.select_related("announcement").filter(pk=pk).first()
        if clause is None:
            raise CommandError(f"There is no clause with id {pk}.")
        suggestions = suggest_for_clause(clause, limit=limit)
        if as_json:
            self.stdout.write(
                json.dumps(
                    {"clause_id": clause.pk, "suggestions": [s.as_dict() for s in suggestions]},
                    indent=2,
                    ensure_ascii=False,
                )
            )
            return
        self.stdout.write(f"Clause {clause.pk}: {clause.heading} ({clause.announcement})")
        if not suggestions:
            self.stdout.write("No earlier published clause is like it.")
            return
        rows = [
            (
                s.clause_id,
                s.heading,
                f"{s.announcement_title} ({s.announcement_date})",
                s.verb,
                f"{s.score:.2f}",
                s.reason + (" (linked now)" if s.linked else ""),
            )
            for s in suggestions
        ]
        headers = ("clause", "heading", "announcement", "effect", "score", "reason")
        self.stdout.write(format_table(headers, rows))

    def _check_links(self, as_json: bool) -> None:
        checks = check_links()
        if not checks:
            raise CommandError("No published clause is linked to an earlier published clause.")
        total = len(checks)
        summary = {
            "links": total,
            "recall_at_1": sum(c.rank == 1 for c in checks) / total,
            "recall_at_5": sum(c.rank is not None for c in checks) / total,
            "effect_accuracy": sum(c.effect_right for c in checks) / total,
        }
        rows = [
            {
                "clause_id": c.clause.pk,
                "heading": c.clause.heading,
                "predecessor_id": c.predecessor.pk,
                "predecessor": c.predecessor.heading,
                "rank": c.rank,
                "why_missed": c.why_missed,
                "curated_effect": c.clause.effect,
                "proposed_effect": c.proposed,
                "proposed_verb": c.verb,
            }
            for c in checks
        ]
        if as_json:
            self.stdout.write(json.dumps({**summary, "checks": rows}, indent=2, ensure_ascii=False))
            return
        self.stdout.write(
            format_table(
                ("clause", "predecessor", "rank", "curated", "proposed"),
                [
                    (
                        f"{r['clause_id']} {r['heading'][:50]}",
                        f"{r['predecessor_id']} {r['predecessor'][:50]}",
                        r["rank"] or f"missed: {r['why_missed']}",
                        r["curated_effect"],
                        f"{r['proposed_effect']} ({r['proposed_verb']})",
                    )
                    for r in rows
                ],
            )
        )
        self.stdout.write(
            f"\n{total} links: recall@1 {summary['recall_at_1']:.2f}, "
            f"recall@5 {summary['recall_at_5']:.2f}, "
            f"effect accuracy {summary['effect_accuracy']:.2f}"
        )

    def _bench(self, repeat: int, as_json: bool) -> None:
        try:
            result = bench(repeat=repeat)
        except ValueError as error:
            raise CommandError(str(error)) from None
        rows = [
            ("one clause", result.one_clause, ONE_CLAUSE_TARGET_MS),
            ("30-clause statement preview", result.statement, STATEMENT_TARGET_MS),
        ]
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "published_clauses": result.clauses,
                        "rows": [
                            {
                                "what": what,
                                "p50_ms": round(t.p50, 1),
                                "p95_ms": round(t.p95, 1),
                                "cpu_p50_ms": round(t.cpu_p50, 1),
                                "target_ms": target,
                            }
                            for what, t, target in rows
                        ],
                    },
                    indent=2,
                )
            )
            return
        self.stdout.write(f"{result.clauses} published clauses")
        self.stdout.write(
            format_table(
                ("what", "p50 ms", "p95 ms", "CPU p50 ms", "target ms", "met"),
                [
                    (
                        what,
                        f"{t.p50:.1f}",
                        f"{t.p95:.1f}",
                        f"{t.cpu_p50:.1f}",
                        target,
                        "yes" if t.p95 < target else "no",
                    )
                    for what, t, target in rows
                ],
            )
        )
