import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kb.dates import DatePrecision, PartialDate
from kb.models import Clause, ClauseEffect, Status
from tests.factories import make_announcement, make_clause, make_party, make_topic

pytestmark = pytest.mark.django_db


def test_slugs_are_unique():
    make_party("Microsoft", slug="microsoft")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_party("Microsoft Corporation", slug="microsoft")


def test_two_clauses_cannot_share_a_position_in_one_announcement():
    announcement = make_announcement()
    make_clause(announcement, position=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_clause(announcement, position=1)


def test_a_clause_cannot_end_before_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_clause(effective_from=dt.date(2030, 1, 1), effective_until=dt.date(2029, 12, 31))


def test_a_clause_cannot_supersede_itself():
    clause = make_clause()
    clause.supersedes = clause
    with pytest.raises(IntegrityError), transaction.atomic():
        clause.save()


def test_a_clause_cannot_supersede_a_clause_of_a_later_announcement():
    later = make_clause(make_announcement(date=dt.date(2026, 1, 1)))
    with pytest.raises(IntegrityError), transaction.atomic():
        make_clause(make_announcement(date=dt.date(2025, 1, 1)), supersedes=later)


def test_moving_an_announcement_before_the_clause_it_supersedes_is_refused():
    earlier = make_clause(make_announcement(date=dt.date(2025, 1, 1)))
    later = make_clause(make_announcement(date=dt.date(2026, 1, 1)), supersedes=earlier)
    later.announcement.date = dt.date(2024, 1, 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        later.announcement.save()


def test_clean_explains_a_lineage_loop():
    first = make_clause()
    second = make_clause(supersedes=first)
    first.supersedes = second
    with pytest.raises(ValidationError, match="loop"):
        first.full_clean()


def test_a_known_date_needs_a_precision_and_an_unknown_one_none():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_announcement(date=dt.date(2025, 10, 1), date_precision=DatePrecision.UNKNOWN)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_announcement(date=None, date_precision=DatePrecision.MONTH)


def test_a_published_announcement_records_when():
    with pytest.raises(IntegrityError), transaction.atomic():
        make_announcement(status=Status.PUBLISHED, published_at=None)


@pytest.mark.parametrize(
    ("text", "expected", "shown"),
    [
        ("2025-10-28", PartialDate(dt.date(2025, 10, 28), DatePrecision.DAY), "28 October 2025"),
        ("October 2025", PartialDate(dt.date(2025, 10, 1), DatePrecision.MONTH), "October 2025"),
        ("2032", PartialDate(dt.date(2032, 1, 1), DatePrecision.YEAR), "2032"),
        ("", PartialDate.unknown(), "Date unknown"),
    ],
    ids=["day", "month", "year", "unknown"],
)
def test_partial_dates_keep_their_precision(text, expected, shown):
    assert PartialDate.parse(text) == expected
    assert str(PartialDate.parse(text)) == shown


def test_an_end_date_means_the_last_day_of_its_period():
    assert PartialDate.parse("2032", end=True).date == dt.date(2032, 12, 31)
    assert PartialDate.parse("2025-02", end=True).date == dt.date(2025, 2, 28)


def test_an_unreadable_date_says_what_is_wrong():
    with pytest.raises(ValueError, match="cannot read date"):
        PartialDate.parse("next Tuesday")


def test_in_force_takes_the_latest_clause_of_each_lineage():
    topic = make_topic("Cloud")
    first = make_clause(make_announcement(date=dt.date(2020, 1, 1)), "Exclusive", topics=[topic])
    second = make_clause(
        make_announcement(date=dt.date(2024, 1, 1)),
        "Exclusive for APIs",
        supersedes=first,
        effect=ClauseEffect.AMENDED,
    )
    assert list(Clause.objects.published().in_force_on(dt.date(2021, 6, 1))) == [first]
    assert list(Clause.objects.published().in_force_on(dt.date(2025, 6, 1))) == [second]
    assert list(Clause.objects.published().in_force_on(dt.date(2019, 6, 1))) == []


def test_a_removed_clause_ends_its_lineage():
    first = make_clause(make_announcement(date=dt.date(2020, 1, 1)))
    make_clause(
        make_announcement(date=dt.date(2022, 1, 1)), supersedes=first, effect=ClauseEffect.REMOVED
    )
    assert list(Clause.objects.published().in_force_on(dt.date(2021, 1, 1))) == [first]
    assert list(Clause.objects.published().in_force_on(dt.date(2023, 1, 1))) == []


def test_a_clause_is_out_of_force_after_its_end_date():
    clause = make_clause(
        make_announcement(date=dt.date(2025, 1, 1)),
        effective_until=dt.date(2032, 12, 31),
        effective_until_precision=DatePrecision.YEAR,
    )
    assert list(Clause.objects.published().in_force_on(dt.date(2032, 12, 31))) == [clause]
    assert list(Clause.objects.published().in_force_on(dt.date(2033, 1, 1))) == []


def test_an_unpublished_successor_does_not_replace_a_clause():
    first = make_clause(make_announcement(date=dt.date(2020, 1, 1)))
    make_clause(make_announcement(date=dt.date(2021, 1, 1), status=Status.DRAFT), supersedes=first)
    assert list(Clause.objects.published().in_force_on(dt.date(2022, 1, 1))) == [first]
