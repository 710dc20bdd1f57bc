import json

import pytest
from django.core.management import CommandError, call_command

from kb.bench import SEARCH_QUERIES, VERY_COMMON_TERMS

pytestmark = pytest.mark.django_db

PAGES = [
    "home (counts cached)",
    "home (counts recomputed)",
    "announcement (most clauses)",
    "clause with lineage",
    "in force today",
    "in force, one party",
    "topic timeline, page 1",
    "topic timeline, last page",
    "party page",
]
ADMIN_PAGES = [
    "announcement list",
    "announcement list, search",
    "announcement list, party",
    "clause list",
    "clause list, search",
    "clause list, topic",
    "announcement change form",
    "clause change form",
]


@pytest.fixture
def report(capsys):
    call_command("kb_generate", clauses=60, seed=1, verbosity=0)
    capsys.readouterr()
    call_command("kb_bench", repeat=1, baseline_repeat=1, import_clauses=20, json=True)
    return json.loads(capsys.readouterr().out)


def test_the_benchmark_has_a_row_for_everything_the_issue_measures(report):
    names = {row["measurement"] for row in report["rows"]}
    expected = {
        *(f"engine alone: {label}" for label, _ in SEARCH_QUERIES),
        *(f"icontains: {label}" for label, _ in SEARCH_QUERIES),
        *(f"result count: {term}" for term in VERY_COMMON_TERMS),
        *(f"facets (kind, year, party, topic): {term}" for term in VERY_COMMON_TERMS),
        *PAGES,
        *ADMIN_PAGES,
        "import throughput (changes logged by triggers)",
        "database size per 100,000 clauses",
    }
    assert expected <= names
    search_pages = [name for name in names if name.startswith("search page: ")]
    assert len(search_pages) == len(SEARCH_QUERIES)


def test_every_timing_of_the_benchmark_is_a_positive_duration_under_a_minute(report):
    timed = [row for row in report["rows"] if row["p95_ms"] is not None]
    assert timed
    assert all(0 < row["p50_ms"] <= row["p95_ms"] < 60_000 for row in timed)


def test_the_benchmark_reports_throughput_and_size_and_writes_nothing(report):
    values = {row["measurement"]: row["value"] for row in report["rows"]}
    assert values["import throughput (changes logged by triggers)"].endswith(" clauses/s")
    assert values["database size per 100,000 clauses"].endswith(" MB")
    assert report["published_clauses"] == 60


def test_the_benchmark_prints_one_markdown_table(capsys):
    call_command("kb_generate", clauses=30, seed=2, verbosity=0)
    capsys.readouterr()
    call_command("kb_bench", repeat=1, baseline_repeat=1, section=["pages"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("| section | measurement")
    assert sum(line.startswith("| pages") for line in lines) == len(PAGES)


def test_the_benchmark_refuses_an_empty_database():
    with pytest.raises(CommandError, match="no published clauses"):
        call_command("kb_bench", repeat=1)
