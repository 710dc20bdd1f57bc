"""How well lineage suggestions do on the current database (``kb/lineage_suggestions``).

    python manage.py kb_lineage_measure links [--json]
    python manage.py kb_lineage_measure bench [--repeat 30] [--json]

``links`` measures the suggestions against the links editors made (every published
clause linked to an earlier published one): recall at 1 and 5 and the effect rules'
accuracy. ``bench`` times one clause's suggestions and a 30-clause statement's
import preview.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from kb_dev.lineage import ONE_CLAUSE_TARGET_MS, STATEMENT_TARGET_MS, bench, check_links
from kb_dev.tables import format_table


class Command(BaseCommand):
    help = "Measure lineage suggestions: recall against editors' links, or their speed."

    def add_arguments(self, parser):
        parser.add_argument(
            "what", choices=["links", "bench"], help="links: recall and effects; bench: speed."
        )
        parser.add_argument("--json", action="store_true", help="Print JSON instead of tables.")
        parser.add_argument("--repeat", type=int, default=30, help="Timed runs (bench).")

    def handle(self, *args, what, repeat, **options):
        if what == "links":
            return self._check_links(options["json"])
        return self._bench(repeat, options["json"])

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
                                "cpu_p95_ms": round(t.cpu_p95, 1),
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
                ("what", "p50 ms", "p95 ms", "CPU p95 ms", "target ms", "met"),
                [
                    (
                        what,
                        f"{t.p50:.1f}",
                        f"{t.p95:.1f}",
                        f"{t.cpu_p95:.1f}",
                        target,
                        "yes" if t.p95 < target else "no",
                    )
                    for what, t, target in rows
                ],
            )
        )
