"""The search rows of ``kb_bench`` alone: the search page beside the search engine
alone and beside ``icontains``, on the current database.

    python manage.py kb_search_bench --repeat 30

Same as ``python manage.py kb_bench --section search``; kept for the README's
earlier instructions.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print p50/p95 of the search page beside plain icontains filters (kb_bench's rows)."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=30, help="Timed runs per query.")
        parser.add_argument(
            "--baseline-repeat", type=int, default=5, help="Timed runs per icontains query."
        )

    def handle(self, *args, repeat, baseline_repeat, **options):
        call_command(
            "kb_bench",
            section=["search"],
            repeat=repeat,
            baseline_repeat=baseline_repeat,
            stdout=self.stdout,
            stderr=self.stderr,
        )
