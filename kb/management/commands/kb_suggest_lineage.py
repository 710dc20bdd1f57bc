"""The earlier published clauses a clause most likely continues, with the effect
the rules propose and why (``kb/lineage_suggestions``).

    python manage.py kb_suggest_lineage CLAUSE_ID [--limit 5] [--json]

Measuring them (recall against editors' links, speed) is a development tool:
``kb_lineage_measure`` in ``kb_dev``.
"""

import json

from django.core.management.base import BaseCommand, CommandError

from kb.lineage_suggestions.ranking import DEFAULT_LIMIT, suggest_for_clause
from kb.models import Clause


class Command(BaseCommand):
    help = "Print the earlier clauses a clause most likely reaffirms, amends or replaces."

    def add_arguments(self, parser):
        parser.add_argument("clause_id", help="The id of the clause to suggest predecessors for.")
        parser.add_argument(
            "--limit", type=int, default=DEFAULT_LIMIT, help="How many suggestions (1-100)."
        )
        parser.add_argument("--json", action="store_true", help="Print JSON instead of text.")

    def handle(self, *args, clause_id, limit, **options):
        as_json = options["json"]
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
        for rank, s in enumerate(suggestions, start=1):
            linked = " (linked now)" if s.linked else ""
            self.stdout.write(
                f"{rank}. clause {s.clause_id}: {s.heading} — {s.announcement_title} "
                f"({s.announcement_date})\n   {s.verb}, score {s.score:.2f}: {s.reason}{linked}"
            )
