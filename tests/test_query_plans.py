"""The plans of the queries behind the busiest lists: an index walk that stops after
one page, never a sort of every matching row (which costs 100 ms and more at
100,000 clauses, and grows with the base). The plans are SQLite's: PostgreSQL chooses its plans
from statistics, which a test database of a few rows does not have."""

import datetime as dt

import pytest
from django.db import connection

from kb.api.querysets import published_announcements
from kb.models import Announcement, Clause
from tests.factories import make_announcement, make_clause, make_topic

pytestmark = pytest.mark.django_db
sqlite_planner = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's planner")


def plan(queryset) -> str:
    return queryset.explain()


@sqlite_planner
def test_newest_clauses_walk_the_announcement_index_even_when_no_date_is_known():
    make_clause(make_announcement())
    query = Clause.objects.published().in_force_on(dt.date(2026, 1, 1)).newest_first()[:50]
    assert "TEMP B-TREE" not in plan(query)


@sqlite_planner
def test_the_in_force_clauses_of_a_topic_walk_the_announcement_index_without_a_sort():
    topic = make_topic()
    make_clause(make_announcement(), topics=[topic])
    query = (
        Clause.objects.published().in_force_on(dt.date(2026, 1, 1)).on_topic(topic).newest_first()
    )
    assert "TEMP B-TREE" not in plan(query[:25])


@sqlite_planner
def test_latest_published_announcements_walk_an_index():
    for _ in range(20):
        make_announcement()
    with connection.cursor() as cursor:
        # With statistics (PRAGMA optimize in production, kb_generate, the load test's
        # seed) SQLite knows every announcement has the same status; without, it
        # guesses status=? picks a few rows and sorts them.
        cursor.execute("ANALYZE")
    assert "TEMP B-TREE" not in plan(published_announcements()[:20])
    assert "TEMP B-TREE" not in plan(
        Announcement.objects.published().order_by("-published_at")[:20]
    )


def test_newest_first_orders_by_date_then_latest_announcement_then_position():
    older = make_announcement(date=dt.date(2020, 1, 1), date_precision="day")
    undated_first, undated_second = make_announcement(), make_announcement()
    rows = [
        make_clause(announcement, position=position)
        for announcement in (older, undated_first, undated_second)
        for position in (2, 1)
    ]
    expected = [rows[1], rows[0], rows[5], rows[4], rows[3], rows[2]]
    assert list(Clause.objects.published().newest_first()) == expected
