"""Latency of the search page against Django-admin-style ``icontains`` search.

Run on a database grown with ``kb_generate``:

    python manage.py kb_search_bench --repeat 30

For each query it prints the hits, p50/p95 of the whole search page through the
test client (rendered template, facets, snippets), the engine alone (the
ClauseFilter's candidate query and one page of results), and the same query as
``icontains`` filters (count and one page, as the admin change list does), with
the ratio of the two p95s. Wall-clock figures, and beside them this process's CPU
time (with SQLite, in-process, that is the cost without waiting for a core on a
busy machine; with PostgreSQL it leaves out the server's work).
"""

import os

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse

from kb.bench import format_table, icontains_clauses, time_calls
from kb.filters import ClauseFilter
from kb.models import Clause
from kb.search import bounded_search
from kb.search.constants import RANKED_CANDIDATES
from kb.views import SEARCH_PAGE_SIZE

# (label, GET parameters): no match (the cost of the page itself), rare, phrase,
# two words, common, prefix, very common, common pair, and a search with filters.
QUERIES = [
    ("no match", {"q": "zyzzogeton"}),
    ("rare word", {"q": "escrow"}),
    ("phrase", {"q": '"change of control"'}),
    ("two words", {"q": "exclusive license"}),
    ("common word", {"q": "termination"}),
    ("prefix", {"q": "licen*"}),
    ("very common", {"q": "agreement"}),
    ("common pair", {"q": "party shall"}),
    ("with filters", {"q": "exclusive license", "kind": "agreement", "sort": "newest"}),
]


class Command(BaseCommand):
    help = "Print p50/p95 of the search page beside plain icontains filters."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=30, help="Timed runs per query.")
        parser.add_argument(
            "--baseline-repeat", type=int, default=5, help="Timed runs per icontains query."
        )

    @override_settings(DEBUG=False)
    def handle(self, *args, repeat, baseline_repeat, **options):
        client = Client()
        url = reverse("kb:search")
        published = Clause.objects.published()
        total = published.count()
        rows = []
        for label, params in QUERIES:
            if client.get(url, params).status_code != 200:
                self.stderr.write(f"{label}: the search page did not answer 200")
                continue
            filtered = published
            if "kind" in params:
                filtered = filtered.filter(announcement__kind=params["kind"])

            def engine(params=params):
                # The search page's own queries for results, minus facets,
                # snippets, the request and the template.
                filterset = ClauseFilter(params)
                filterset.is_valid()
                filterset.newest_ids()
                list(filterset.qs.for_list()[:SEARCH_PAGE_SIZE])

            def baseline(filtered=filtered, params=params):
                matches = icontains_clauses(params["q"], filtered)
                matches.count()
                list(matches.newest_first().for_list()[:SEARCH_PAGE_SIZE])

            hits = len(bounded_search(filtered, params["q"])[1])
            page = time_calls(lambda params=params: client.get(url, params), repeat=repeat)
            raw = time_calls(engine, repeat=repeat)
            slow = time_calls(baseline, repeat=baseline_repeat)
            rows.append(
                [
                    label,
                    " ".join(f"{k}={v}" for k, v in params.items()),
                    f"{RANKED_CANDIDATES:,}+" if hits > RANKED_CANDIDATES else f"{hits:,}",
                    f"{page.p50:.1f}",
                    f"{page.p95:.1f}",
                    f"{page.cpu_p50:.1f}",
                    f"{page.cpu_p95:.1f}",
                    f"{raw.p50:.1f}",
                    f"{raw.p95:.1f}",
                    f"{slow.p50:.0f}",
                    f"{slow.p95:.0f}",
                    f"{slow.cpu_p95:.0f}",
                    f"{slow.p95 / page.p95:.0f}x",
                    f"{slow.cpu_p95 / page.cpu_p95:.0f}x",
                ]
            )
        self.stdout.write(
            f"{total:,} published clauses on {connection.vendor}; "
            f"{repeat} runs per query ({baseline_repeat} for icontains); times in ms; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )
        self.stdout.write(
            format_table(
                [
                    "query",
                    "parameters",
                    "hits",
                    "page p50",
                    "page p95",
                    "page CPU p50",
                    "page CPU p95",
                    "engine p50",
                    "engine p95",
                    "icontains p50",
                    "icontains p95",
                    "icontains CPU p95",
                    "icontains/page p95",
                    "same, CPU",
                ],
                rows,
            )
        )
