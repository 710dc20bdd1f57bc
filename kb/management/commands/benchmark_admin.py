"""Time the admin's change lists and change forms on the current database.

Run it on a throwaway database: ``--populate`` first adds synthetic rows (no
history), e.g. for a million announcements with a clause each::

    export DATABASE_URL=sqlite:////tmp/kb-bench.sqlite3
    python manage.py migrate
    python manage.py benchmark_admin --populate 1000000 --clauses-each 1

Prints, per page, the median time of a few loads and its number of queries, then
what a full COUNT(*) would cost next to the capped count the change lists use.
"""

import datetime as dt
import statistics
import time

from django.contrib.auth import get_user_model
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.base import SessionBase
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from tqdm import tqdm

from kb.admin import CappedCountPaginator
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
        parser.add_argument("--repeat", type=int, default=3, help="Loads per page.")

    def handle(self, *args, **options):
        if options["populate"]:
            self.populate(options["populate"], options["clauses_each"])
        announcement = Announcement.objects.order_by("-pk").first()
        clause = Clause.objects.order_by("-pk").first()
        party = Party.objects.first()
        topic = Topic.objects.first()
        pages = ["/admin/kb/announcement/", "/admin/kb/announcement/?status=published"]
        pages += ["/admin/kb/announcement/?year=2025", "/admin/kb/announcement/?q=statement"]
        if party and topic:
            pages += [
                f"/admin/kb/announcement/?party={party.slug}",
                f"/admin/kb/announcement/?topic={topic.slug}",
            ]
        pages += ["/admin/kb/clause/", "/admin/kb/clause/?status=published"]
        if announcement:
            pages.append(f"/admin/kb/announcement/{announcement.pk}/change/")
        if clause:
            pages.append(f"/admin/kb/clause/{clause.pk}/change/")
        self.stdout.write(
            f"{Announcement.objects.count():,} announcements, {Clause.objects.count():,} "
            f"clauses on {connection.vendor}"
        )
        for url in pages:
            median, queries, slowest = self.time_page(url, options["repeat"])
            self.stdout.write(f"{median:8.1f} ms {queries:3d} queries  {url}")
            self.stdout.write(f"           slowest {slowest['time']} s: {slowest['sql'][:300]}")
        for model in (Announcement, Clause):
            full = self.time_call(lambda m=model: m.objects.count(), options["repeat"])
            capped = self.time_call(
                lambda m=model: m.objects.order_by()[: CappedCountPaginator.COUNT_CAP + 1].count(),
                options["repeat"],
            )
            self.stdout.write(
                f"{model._meta.verbose_name}: full COUNT(*) {full:.1f} ms, "
                f"capped count {capped:.1f} ms"
            )

    def time_page(self, url, repeat):
        request_factory = RequestFactory()
        user = get_user_model()(username="benchmark", is_staff=True, is_superuser=True)
        timings, queries = [], 0
        for _ in range(repeat):
            request = request_factory.get(url)
            request.user = user
            request.session = SessionBase()
            request._messages = FallbackStorage(request)
            view = resolve(request.path_info)
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                response = view.func(request, *view.args, **view.kwargs)
                response.render()
            timings.append((time.perf_counter() - started) * 1000)
            queries = len(captured.captured_queries)
            slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
            if response.status_code != 200:
                self.stderr.write(f"{url} answered {response.status_code}")
        return statistics.median(timings), queries, slowest

    @staticmethod
    def time_call(call, repeat):
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
        return statistics.median(timings)

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
