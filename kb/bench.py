"""The benchmark behind ``kb_bench`` (and its narrower wrappers ``kb_search_bench``
and ``benchmark_admin``): what users feel, timed on the current database, as rows
of one table. Figures, not pass/fail: each row names its target from issue 6 and
says whether this run met it; people read the table (see README, "Performance").
"""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, models
from django.db.models import Q, QuerySet

from kb.models import Clause
from kb.search.query import parse_query


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of durations in seconds, in milliseconds."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1] * 1000


@dataclass(frozen=True)
class Timing:
    """Durations of repeated calls, in seconds: wall clock, and the CPU time of
    this process (on a machine shared with other work, the CPU time shows what a
    call costs without the time spent waiting for a core; SQLite runs in-process,
    so it includes the database's work, PostgreSQL's server time it does not)."""

    samples: tuple[float, ...]
    cpu_samples: tuple[float, ...] = ()

    @property
    def p50(self) -> float:
        return percentile(self.samples, 0.50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)

    @property
    def cpu_p50(self) -> float:
        return percentile(self.cpu_samples, 0.50)

    @property
    def cpu_p95(self) -> float:
        return percentile(self.cpu_samples, 0.95)


def time_calls(call: Callable[[], object], *, repeat: int, warmup: int = 1) -> Timing:
    """Run ``call`` ``warmup`` times untimed (caches warm), then ``repeat`` times."""
    for _ in range(warmup):
        call()
    samples, cpu_samples = [], []
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a collection inside one sample would be noise, not the query's cost
    try:
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            call()
            samples.append(time.perf_counter() - started)
            cpu_samples.append(time.process_time() - cpu_started)
    finally:
        if gc_was_enabled:
            gc.enable()
    return Timing(tuple(samples), tuple(cpu_samples))


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (readable as text, pasteable into the README)."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]

    def line(values):
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    return "\n".join(
        [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        + [line(row) for row in cells]
    )


def icontains_clauses(text: str, queryset: QuerySet | None = None) -> QuerySet:
    """What Django admin's search does with ``search_fields = ["heading", "text"]``:
    every word (a phrase as one string, a prefix without its star) must occur in
    the heading or the text, as a case-insensitive substring."""
    queryset = Clause.objects.published() if queryset is None else queryset
    for term in parse_query(text).terms:
        needle = " ".join(term.words)
        queryset = queryset.filter(Q(heading__icontains=needle) | Q(text__icontains=needle))
    return queryset


# The benchmark: rows of one table ------------------------------------------------

# Targets of issue 6 (at 1,000,000 clauses on SQLite), in milliseconds / times.
PUBLIC_PAGE_P95_MS = 100
SEARCH_PAGE_P95_MS = 100
ADMIN_CHANGELIST_P95_MS = 300
ICONTAINS_SPEEDUP = 100
FRAMEWORK_OVERHEAD = 3

SECTIONS = ("search", "counts", "pages", "admin", "import")

# (label, GET parameters of the search page): no match (the page's own cost), rare
# word, phrase, two words, common word, prefix, very common, common pair, filters.
# "{topic}" is replaced by the slug of the topic with the most clauses.
SEARCH_QUERIES = [
    ("no match", {"q": "zyzzogeton"}),
    ("rare word", {"q": "escrow"}),
    ("phrase", {"q": '"change of control"'}),
    ("two words", {"q": "exclusive license"}),
    ("common word", {"q": "termination"}),
    ("prefix", {"q": "licen*"}),
    ("very common", {"q": "agreement"}),
    ("common pair", {"q": "party shall"}),
    ("kind filter", {"q": "exclusive license", "kind": "agreement", "sort": "newest"}),
    ("topic and dates", {"q": "payment", "topic": "{topic}", "date_from": "2015"}),
]
VERY_COMMON_TERMS = ("agreement", "shall")


@dataclass(frozen=True)
class Row:
    """One line of the table: a timing, or a plain ``value`` (throughput, size)."""

    section: str
    measurement: str
    timing: Timing | None = None
    value: str = ""
    ratio: str = ""
    target: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        timing = self.timing
        return {
            "section": self.section,
            "measurement": self.measurement,
            "p50_ms": round(timing.p50, 2) if timing else None,
            "p95_ms": round(timing.p95, 2) if timing else None,
            "cpu_p95_ms": round(timing.cpu_p95, 2) if timing else None,
            "value": self.value,
            "ratio": self.ratio,
            "target": self.target,
            "note": self.note,
        }

    def cells(self) -> list[str]:
        timing = self.timing
        return [
            self.section,
            self.measurement,
            f"{timing.p50:.1f}" if timing else "",
            f"{timing.p95:.1f}" if timing else self.value,
            f"{timing.cpu_p95:.1f}" if timing else "",
            self.ratio,
            self.target,
            self.note,
        ]


TABLE_HEADERS = [
    "section", "measurement", "p50 ms", "p95 ms", "CPU p95 ms", "ratio", "target", "note"
]  # fmt: skip


def _under(timing: Timing, limit_ms: float) -> str:
    return f"p95 < {limit_ms} ms: {'met' if timing.p95 < limit_ms else 'MISSED'}"


def _ratio(slow: float, fast: float) -> float:
    return slow / fast if fast else math.inf


@dataclass
class Bench:
    """Runs the sections on the current database through the test client and
    the admin views; ``repeat`` timed runs per row (``baseline_repeat`` for the
    slow ``icontains`` queries), after one untimed warm-up run."""

    repeat: int
    baseline_repeat: int
    import_clauses: int

    def __post_init__(self):
        from django.test import Client

        self.client = Client()

    # Public pages through the full request path (middleware, view, template).

    def get(self, url: str, params: dict | None = None):
        response = self.client.get(url, params or {}, secure=True)
        if response.status_code != 200:
            raise BenchError(f"{url} {params or ''} answered {response.status_code}, not 200")
        return response

    def time_page(self, url: str, params: dict | None = None, *, repeat=None) -> Timing:
        self.get(url, params)
        return time_calls(
            lambda: self.client.get(url, params or {}, secure=True), repeat=repeat or self.repeat
        )

    def search_rows(self) -> list[Row]:
        from django.urls import reverse

        from kb.filters import ClauseFilter
        from kb.models import Topic
        from kb.views import SEARCH_PAGE_SIZE

        busiest = Topic.objects.annotate(n=models.Count("clauses")).order_by("-n").first()
        url = reverse("kb:search")
        rows = []
        for label, template in SEARCH_QUERIES:
            params = {
                k: v.format(topic=busiest.slug if busiest else "") for k, v in template.items()
            }
            if "topic" in params and busiest is None:
                continue
            described = " ".join(f"{k}={v}" for k, v in params.items())

            def engine(params=params):
                # The engine alone: the exact count and the ranked keys of one page;
                # no records, prefetches, facets, snippets or template.
                filterset = ClauseFilter(params)
                filterset.is_valid()
                filterset.results.hits(0, SEARCH_PAGE_SIZE)

            filterset = ClauseFilter(params)
            filterset.is_valid()
            shown_hits = f"{filterset.results.count:,} hits"
            scope = Clause.objects.published()
            if "kind" in params:
                scope = scope.filter(announcement__kind=params["kind"])
            if "topic" in params:
                scope = scope.filter(topics=busiest)
            if "date_from" in params:
                scope = scope.filter(announcement__date__year__gte=int(params["date_from"]))

            def baseline(scope=scope, q=params["q"]):
                # As the admin's change list does: count, then one page.
                matches = icontains_clauses(q, scope)
                matches.count()
                list(matches.newest_first().for_list()[:SEARCH_PAGE_SIZE])

            page = self.time_page(url, params)
            raw = time_calls(engine, repeat=self.repeat)
            slow = time_calls(baseline, repeat=self.baseline_repeat)
            speedup = _ratio(slow.p95, page.p95)
            overhead = _ratio(page.p95, raw.p95)
            rows += [
                Row(
                    "search",
                    f"search page: {label} ({described})",
                    page,
                    ratio=f"{speedup:,.0f}x faster than icontains",
                    target=f"{_under(page, SEARCH_PAGE_P95_MS)}; ≥{ICONTAINS_SPEEDUP}x: "
                    + ("met" if speedup >= ICONTAINS_SPEEDUP else "MISSED"),
                    note=shown_hits,
                ),
                Row(
                    "search",
                    f"engine alone: {label}",
                    raw,
                    ratio=f"page = {overhead:.1f}x engine",
                    target=f"overhead < {FRAMEWORK_OVERHEAD}x: "
                    + ("met" if overhead < FRAMEWORK_OVERHEAD else "MISSED"),
                ),
                Row("search", f"icontains: {label}", slow, note="count + one page"),
            ]
        return rows

    def count_rows(self) -> list[Row]:
        from kb.filters import ClauseFilter, named_facets

        rows = []
        for term in VERY_COMMON_TERMS:
            filterset = ClauseFilter({"q": term})
            filterset.is_valid()
            results = filterset.results

            def count(term=term):
                counted = ClauseFilter({"q": term})
                counted.is_valid()
                return counted.results.count

            def facets_of(term=term):
                faceted = ClauseFilter({"q": term})
                faceted.is_valid()
                return named_facets(faceted.results.facets)

            counted = time_calls(count, repeat=self.repeat)
            facets = time_calls(facets_of, repeat=self.repeat)
            full = time_calls(
                lambda term=term: icontains_clauses(term).count(), repeat=self.baseline_repeat
            )
            rows += [
                Row(
                    "counts",
                    f"result count: {term}",
                    counted,
                    ratio=f"full icontains COUNT = {_ratio(full.p95, counted.p95):,.0f}x",
                    note=f"exact: {results.count:,}",
                ),
                Row("counts", f"facets (kind, year, party, topic): {term}", facets),
                Row("counts", f"full icontains COUNT(*): {term}", full, note="the trap"),
            ]
        return rows

    def page_rows(self) -> list[Row]:
        from django.core.cache import cache
        from django.urls import reverse

        from kb.models import Announcement, Party, Topic
        from kb.views import CLAUSES_PER_PAGE

        clause = (
            Clause.objects.published()
            .filter(supersedes__isnull=False, successors__isnull=False)
            .order_by("-pk")
            .first()
        ) or Clause.objects.published().order_by("-pk").first()
        announcement = (
            Announcement.objects.published()
            .annotate(n=models.Count("clauses"))
            .order_by("-n", "-pk")
            .first()
        )
        topic = Topic.objects.annotate(n=models.Count("clauses")).order_by("-n").first()
        party = Party.objects.annotate(n=models.Count("announcements")).order_by("-n").first()

        def cold_home():
            cache.clear()
            self.client.get(reverse("kb:home"), secure=True)

        home = reverse("kb:home")
        pages = [
            ("home (counts cached)", home, None, ""),
            ("announcement (most clauses)", announcement.get_absolute_url(), None,
             f"{announcement.n} clauses"),
            ("clause with lineage", clause.get_absolute_url(), None, ""),
            ("in force today", reverse("kb:in_force"), None, ""),
            ("in force, one party", reverse("kb:in_force"), {"party": party.slug}, ""),
        ]  # fmt: skip
        if topic is not None:
            topic_clauses = topic.clauses.published().count()
            pages += [
                ("topic timeline, page 1", topic.get_absolute_url(), None,
                 f"{topic_clauses:,} clauses"),
                ("topic timeline, last page", topic.get_absolute_url(),
                 {"page": str(max(1, math.ceil(topic_clauses / CLAUSES_PER_PAGE)))}, ""),
            ]  # fmt: skip
        pages += [("party page", party.get_absolute_url(), None, "")]
        rows = []
        for label, url, params, note in pages:
            timing = self.time_page(url, params)
            rows.append(Row("pages", label, timing, target=_under(timing, PUBLIC_PAGE_P95_MS),
                            note=note))  # fmt: skip
        self.get(home)
        timing = time_calls(cold_home, repeat=self.repeat)
        rows.append(
            Row("pages", "home (counts recomputed)", timing,
                note=f"once per worker every {settings.KB_HOME_COUNTS_SECONDS} s")
        )  # fmt: skip
        return rows

    # The admin: its views called directly with a staff user that is never saved
    # (no session or login rows are written to the measured database).

    def admin_rows(self) -> list[Row]:
        from kb.admin import CappedCountPaginator
        from kb.models import Announcement, Party, Topic

        announcement = Announcement.objects.order_by("-pk").first()
        clause = Clause.objects.order_by("-pk").first()
        party = Party.objects.annotate(n=models.Count("announcements")).order_by("-n").first()
        topic = Topic.objects.annotate(n=models.Count("clauses")).order_by("-n").first()
        year = announcement.date.year if announcement.date else 2020
        lists = [
            ("announcement list", "/admin/kb/announcement/"),
            ("announcement list, published", "/admin/kb/announcement/?status=published"),
            ("announcement list, year", f"/admin/kb/announcement/?year={year}"),
            ("announcement list, search", "/admin/kb/announcement/?q=agreement"),
            ("clause list", "/admin/kb/clause/"),
            ("clause list, published", "/admin/kb/clause/?announcement__status__exact=published"),
            ("clause list, search", "/admin/kb/clause/?q=license"),
        ]
        if party is not None:
            lists.append(
                ("announcement list, party", f"/admin/kb/announcement/?party={party.slug}")
            )
            lists.append(("clause list, party", f"/admin/kb/clause/?party={party.slug}"))
        if topic is not None:
            lists.append(("clause list, topic", f"/admin/kb/clause/?topic={topic.slug}"))
        forms = [
            ("announcement change form", f"/admin/kb/announcement/{announcement.pk}/change/"),
            ("clause change form", f"/admin/kb/clause/{clause.pk}/change/"),
        ]
        rows = []
        for label, url in lists:
            timing = self.time_admin(url)
            rows.append(Row("admin", label, timing, target=_under(timing, ADMIN_CHANGELIST_P95_MS)))
        for label, url in forms:
            rows.append(Row("admin", label, self.time_admin(url)))
        for model in (Announcement, Clause):
            capped = time_calls(
                lambda m=model: CappedCountPaginator(m.objects.all(), 100).count,
                repeat=self.repeat,
            )
            full = time_calls(lambda m=model: m.objects.count(), repeat=self.repeat)
            name = model._meta.verbose_name
            rows += [
                Row("admin", f"{name} list: capped count", capped,
                    ratio=f"full COUNT(*) = {_ratio(full.p95, capped.p95):.1f}x",
                    note=f"at most {CappedCountPaginator.COUNT_CAP + 1:,} rows"),
                Row("admin", f"{name} list: full COUNT(*)", full, note="not run by the list"),
            ]  # fmt: skip
        return rows

    def time_admin(self, url: str) -> Timing:
        from django.contrib.auth import get_user_model
        from django.contrib.messages.storage.fallback import FallbackStorage
        from django.contrib.sessions.backends.base import SessionBase
        from django.test import RequestFactory
        from django.urls import resolve

        factory = RequestFactory()
        user = get_user_model()(username="benchmark", is_staff=True, is_superuser=True)

        def load():
            request = factory.get(url)
            request.user = user
            request.session = SessionBase()
            request._messages = FallbackStorage(request)
            match = resolve(request.path_info)
            response = match.func(request, *match.args, **match.kwargs)
            if hasattr(response, "render"):
                response.render()
            return response

        response = load()
        if response.status_code != 200:
            raise BenchError(f"{url} answered {response.status_code}, not 200")
        return time_calls(load, repeat=self.repeat)

    # Writing: throughput of adding clauses, and the database's size.

    def import_rows(self) -> list[Row]:
        from django.db import transaction

        from kb.generate import generate

        started = time.perf_counter()
        with transaction.atomic():
            generate(clauses=self.import_clauses, seed=0)
            elapsed = time.perf_counter() - started
            transaction.set_rollback(True)  # measured, then taken back
        clauses = Clause.objects.count()
        size = database_bytes()
        return [
            Row("import", "import throughput (changes logged by triggers)",
                value=f"{self.import_clauses / elapsed:,.0f} clauses/s",
                note=f"{self.import_clauses:,} generated clauses, rolled back"),
            Row("import", "database size per 100,000 clauses",
                value=f"{size / clauses * 100_000 / 2**20:,.0f} MB",
                note=f"{size / 2**20:,.0f} MB for {clauses:,} clauses"),
        ]  # fmt: skip

    def run(self, sections: Sequence[str] = SECTIONS) -> list[Row]:
        makers = {
            "search": self.search_rows,
            "counts": self.count_rows,
            "pages": self.page_rows,
            "admin": self.admin_rows,
            "import": self.import_rows,
        }
        return [row for section in sections for row in makers[section]()]


class BenchError(Exception):
    """A page the benchmark needs did not answer as it should."""


def database_bytes() -> int:
    """The size of the current database: the SQLite file's used pages, or what
    PostgreSQL reports for the database."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA freelist_count")
        pages -= cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return pages * cursor.fetchone()[0]
