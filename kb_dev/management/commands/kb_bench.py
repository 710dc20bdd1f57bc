"""What users feel, timed on the current database and its search index, as one table.

    python manage.py kb_generate --clauses 100000 --seed 7 --source DIR
    python manage.py kb_bench [--repeat 20] [--section search ...] [--json]

Sections: ``search``, the search page through the test client (rendered template,
facets, snippets) for each query class, beside what the page asks of the engine
alone (count, first page, facets, snippets, spelling: the framework's overhead is
the ratio) and beside the same query as ``icontains`` filters (what Django admin's
search does); ``counts``, the exact result count and the facets of very common
words; ``rank``, the engine's top 20 beside an exhaustive ranking of every match
of the same query (rank safety); ``index``, the time to build the search index from
the database, its size on disk, and one update after a one-clause edit; ``pages``,
the public pages; ``admin``, the change lists and change forms; ``import``, import
throughput and database size. Every figure and ratio comes from this run; each row
names its target and whether this run met it. Runs with DEBUG off, on SQLite or
PostgreSQL (whatever DATABASE_URL names), and leaves no data behind: the import
row's clauses are rolled back, the edited clause gets its text back, and the index
section rebuilds the index (as ``search_index rebuild`` does) and brings it up to
date.

Times are wall clock, with this process's CPU time beside them: SQLite and tantivy
run in-process, so the CPU time is the cost without waiting for a core on a busy
machine; with PostgreSQL it leaves out the server's work.
"""

import json
import os
from importlib.metadata import version

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import override_settings

from kb.models import Clause
from kb_dev.bench import SECTIONS, TABLE_HEADERS, Bench, BenchError
from kb_dev.tables import format_table


class Command(BaseCommand):
    help = (
        "Time the search page and engine, the search index, public pages, admin and imports "
        "on the current database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=30, help="Timed runs per row.")
        parser.add_argument(
            "--baseline-repeat",
            type=int,
            default=5,
            help="Timed runs of each slow icontains / COUNT(*) baseline (0: none).",
        )
        parser.add_argument(
            "--import-clauses",
            type=int,
            default=2_000,
            help="Clauses generated (then rolled back) to measure import throughput.",
        )
        parser.add_argument(
            "--section",
            action="append",
            choices=SECTIONS,
            help="Run only this section (repeatable); all by default.",
        )
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead.")

    def handle(self, *args, **options):
        if min(options["repeat"], options["import_clauses"]) < 1 or options["baseline_repeat"] < 0:
            raise CommandError("--repeat and --import-clauses must be ≥ 1, --baseline-repeat ≥ 0.")
        clauses = Clause.objects.published().count()
        if not clauses:
            raise CommandError(
                f"The {connection.vendor} database {connection.settings_dict['NAME']} has no "
                "published clauses: nothing to measure. Grow a scratch database first, e.g. "
                "DATABASE_URL=sqlite:////tmp/kb_bench.sqlite3 python manage.py migrate && "
                "python manage.py kb_generate --clauses 100000 --seed 7"
            )
        bench = Bench(
            repeat=options["repeat"],
            baseline_repeat=options["baseline_repeat"],
            import_clauses=options["import_clauses"],
        )
        load_before = os.getloadavg()[0]
        # Production's settings for what is timed (no query log, no debug pages);
        # the test client's host is allowed.
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
            try:
                rows = bench.run(options["section"] or SECTIONS)
            except BenchError as error:
                raise CommandError(str(error)) from error
        heading = {
            "database": connection.vendor,
            "published_clauses": clauses,
            "repeat": options["repeat"],
            "baseline_repeat": options["baseline_repeat"],
            "load_average_before": round(load_before, 1),
            "load_average": round(os.getloadavg()[0], 1),
            "cores": os.cpu_count(),
            "tantivy": version("tantivy"),
        }
        if options["json"]:
            self.stdout.write(json.dumps({**heading, "rows": [r.as_dict() for r in rows]}))
            return
        self.stdout.write(
            f"{clauses:,} published clauses on {connection.vendor}; {options['repeat']} runs "
            f"per row ({options['baseline_repeat']} per baseline); times in ms; load average "
            f"{heading['load_average_before']} before, {heading['load_average']} after, on "
            f"{heading['cores']} cores; tantivy {heading['tantivy']}"
        )
        self.stdout.write(format_table(TABLE_HEADERS, [row.cells() for row in rows]))
