"""Load the demo knowledge base: the seed statement, published, with its curation.

Idempotent and safe to run on every start (``make run`` does): once the demo is in
the database it is left alone, so an editor's curation survives. ``--refresh``
re-imports the seed and re-applies the demo curation over any edits.
"""

from django.core.management.base import BaseCommand

from kb.demo import demo_is_loaded, load_demo
from kb.statistics import refresh_statistics


class Command(BaseCommand):
    help = "Load the demo knowledge base (the seed statement and its curation)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--refresh",
            action="store_true",
            help="Re-import the seed and re-apply the demo curation even if the demo is "
            "already loaded (overwrites editors' changes to the demo records).",
        )

    def handle(self, *args, refresh: bool, **options):
        if demo_is_loaded() and not refresh:
            self.stdout.write("The demo is already loaded; nothing changed (--refresh reloads it).")
            return
        result = load_demo()
        refresh_statistics()
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {result.summary()}"))
