"""Time the admin's change lists and change forms on the current database.

Run it on a throwaway database: ``--populate`` first adds synthetic rows (no
history), e.g. for a million announcements with a clause each::

    export DATABASE_URL=sqlite:////tmp/kb-bench.sqlite3
    python manage.py migrate
    python manage.py benchmark_admin --populate 1000000 --clauses-each 1

Then prints the admin rows of ``kb_bench`` (``kb_bench --section admin``): p50/p95
of each change list and change form, and what a full COUNT(*) would cost next to
the capped count the change lists use.
"""

import datetime as dt
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from tqdm import tqdm

from kb.dates import DatePrecision
from kb.models import Announcement, Clause, Party, Status, Topic

BATCH = 5_000


class Command(BaseCommand):
    help = "Time the admin pages on the current database (optionally adding synthetic rows)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--populate",
            type=int,
            default=0,
            help="Add this many synthetic announcements first (use a throwaway database).",
        )
        parser.add_argument(
            "--clauses-each", type=int, default=1, help="Clauses per synthetic announcement."
        )
        parser.add_argument("--repeat", type=int, default=10, help="Loads per page.")

    def handle(self, *args, **options):
        if options["populate"]:
            self.populate(options["populate"], options["clauses_each"])
        call_command(
            "kb_bench",
            section=["admin"],
            repeat=options["repeat"],
            baseline_repeat=options["repeat"],
            stdout=self.stdout,
            stderr=self.stderr,
        )

    def populate(self, count, clauses_each):
        party, _ = Party.objects.get_or_create(slug="benchmark-party", name="Benchmark party")
        topic, _ = Topic.objects.get_or_create(slug="benchmark-topic", name="Benchmark topic")
        start = Announcement.objects.count()
        statuses = [Status.PUBLISHED, Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED]
        now = time.time()
        for first in tqdm(range(start, start + count, BATCH), unit_scale=BATCH, desc="rows"):
            with transaction.atomic():
                announcements = Announcement.objects.bulk_create(
                    Announcement(
                        title=f"Benchmark statement {n}",
                        slug=f"benchmark-{n}",
                        status=statuses[n % 4],
                        published_at=_aware(now) if n % 4 == 0 else None,
                        date=_date(n),
                        date_precision=DatePrecision.DAY,
                    )
                    for n in range(first, min(first + BATCH, start + count))
                )
                Announcement.parties.through.objects.bulk_create(
                    Announcement.parties.through(announcement_id=a.pk, party_id=party.pk)
                    for a in announcements
                )
                clauses = Clause.objects.bulk_create(
                    Clause(announcement_id=a.pk, position=p, heading=f"Clause {p} of {a.slug}")
                    for a in announcements
                    for p in range(1, clauses_each + 1)
                )
                Clause.topics.through.objects.bulk_create(
                    Clause.topics.through(clause_id=c.pk, topic_id=topic.pk) for c in clauses[::7]
                )
        # Fresh statistics, as a long-running database would have: without them the
        # planners guess row counts as if the tables were empty.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _date(n):
    return dt.date(2000, 1, 1) + dt.timedelta(days=n % 9_000)


def _aware(timestamp):
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC)
