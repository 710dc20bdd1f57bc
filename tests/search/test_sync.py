"""The index follows the database through the change log: every change to a record
that search shows is found at the next search, on both databases."""

import datetime as dt

import pytest
from django.db import transaction

from kb.models import Clause, ClauseEffect, Status
from kb.search.models import SearchChange
from kb.workflow import transition
from tests.factories import (
    index_now,
    make_announcement,
    make_clause,
    make_party,
    make_topic,
    make_user,
)
from tests.search.support import clauses, found, headings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def built_index():
    """Each test changes records after the index was built, so what it checks went
    through the change log, not a first build."""
    make_clause(heading="Unrelated", text="Something else.")
    index_now()


def test_a_new_clause_is_found_at_the_next_search():
    make_clause(make_announcement(), "Escrow", "escrow")
    assert headings("escrow") == ["Escrow"]


def test_an_edited_clause_is_found_by_its_new_words_only():
    clause = make_clause(make_announcement(), "Escrow", "escrow")
    assert headings("escrow") == ["Escrow"]
    clause.heading, clause.text = "Arbitration", "arbitration"
    clause.save()
    assert headings("escrow") == []
    assert headings("arbitration") == ["Arbitration"]


def test_a_deleted_clause_is_gone():
    clause = make_clause(make_announcement(), "Escrow", "escrow")
    assert headings("escrow") == ["Escrow"]
    clause.delete()
    assert headings("escrow") == []


def test_a_deleted_announcement_takes_its_clauses_and_itself_out():
    announcement = make_announcement("Escrow deal")
    make_clause(announcement, "Escrow", "escrow")
    assert len(found("escrow")) == 2
    announcement.delete()
    assert found("escrow") == []


def test_bulk_created_clauses_are_found():
    announcement = make_announcement()
    Clause.objects.bulk_create(
        Clause(announcement=announcement, position=n, heading=f"Escrow {n}", text="escrow")
        for n in range(1, 4)
    )
    assert len(headings("escrow")) == 3


def test_publishing_makes_an_announcement_and_its_clauses_findable(publisher):
    announcement = make_announcement("Escrow deal", status=Status.IN_REVIEW)
    make_clause(announcement, "Escrow", "escrow")
    assert found("escrow") == []
    transition(announcement, "publish", by=publisher)
    assert sorted(found("escrow")) == ["announcement: Escrow deal", "clause: Escrow"]


def test_retracting_removes_an_announcement_and_its_clauses(publisher):
    announcement = make_announcement("Escrow deal")
    make_clause(announcement, "Escrow", "escrow")
    assert len(found("escrow")) == 2
    transition(announcement, "retract", by=publisher)
    assert found("escrow") == []


def test_adding_and_removing_a_party_changes_what_finds_its_clauses():
    announcement = make_announcement()
    make_clause(announcement, "Escrow", "escrow")
    contoso = make_party("Contoso")
    announcement.parties.add(contoso)
    assert headings("contoso") == ["Escrow"]
    assert headings("escrow", party="contoso") == ["Escrow"]
    announcement.parties.clear()
    assert headings("contoso") == []


def test_renaming_a_party_reaches_every_clause_that_names_it():
    party = make_party("Contoso")
    announcement = make_announcement(parties=[party])
    Clause.objects.bulk_create(
        Clause(announcement=announcement, position=n, heading=f"Term {n}", text="terms")
        for n in range(1, 3001)
    )
    assert len(clauses("contoso")) == 3000
    party.name = "Fabrikam"
    party.save()
    assert clauses("contoso") == []
    assert len(clauses("fabrikam")) == 3000


def test_a_topic_added_or_renamed_is_found_by_its_name():
    clause = make_clause(make_announcement(), "Escrow", "escrow")
    topic = make_topic("Safeguards")
    clause.topics.add(topic)
    assert headings("safeguards") == ["Escrow"]
    topic.name = "Protections"
    topic.save()
    assert headings("safeguards") == []
    assert headings("protections") == ["Escrow"]


def test_a_party_bound_by_a_clause_finds_it_by_its_alias():
    clause = make_clause(make_announcement(), "Escrow", "escrow")
    clause.parties.add(make_party("Northwind", aliases="NWT"))
    assert headings("nwt") == ["Escrow"]


def test_a_successor_published_later_takes_a_term_out_of_force():
    earlier = make_clause(
        make_announcement(date=dt.date(2020, 1, 1)), "Exclusive cloud", "Azure is exclusive."
    )
    assert headings("azure", in_force_on="2024-01-01") == ["Exclusive cloud"]
    later = make_announcement(date=dt.date(2023, 1, 1), status=Status.DRAFT)
    make_clause(
        later, "Cloud, amended", "Azure keeps a right of first refusal.",
        supersedes=earlier, effect=ClauseEffect.AMENDED,
    )  # fmt: skip
    assert headings("azure", in_force_on="2024-01-01") == ["Exclusive cloud"]
    later.status, later.published_at = Status.PUBLISHED, later.created_at
    later.save()
    assert headings("azure", in_force_on="2024-01-01") == ["Cloud, amended"]
    assert headings("azure", in_force_on="2022-01-01") == ["Exclusive cloud"]


def test_the_in_force_filter_agrees_with_the_database_rule(publisher):
    first = make_clause(make_announcement(date=dt.date(2019, 1, 1)), "Term A", "term")
    make_clause(
        make_announcement(date=dt.date(2021, 1, 1)), "Term B", "term",
        supersedes=first, effect=ClauseEffect.AMENDED,
    )  # fmt: skip
    make_clause(
        make_announcement(), "Term C", "term", effective_until=dt.date(2020, 6, 30),
    )  # fmt: skip
    make_clause(make_announcement(), "Term D", "term", effect=ClauseEffect.REMOVED)
    for day in (dt.date(2018, 1, 1), dt.date(2020, 1, 1), dt.date(2022, 1, 1)):
        expected = Clause.objects.published().in_force_on(day).filter(text="term")
        assert sorted(headings("term", in_force_on=day.isoformat())) == sorted(
            clause.heading for clause in expected
        )


def test_a_rolled_back_change_logs_nothing():
    before = SearchChange.objects.count()
    with transaction.atomic():
        make_clause(make_announcement(), "Escrow", "escrow")
        assert SearchChange.objects.count() > before
        transaction.set_rollback(True)
    assert SearchChange.objects.count() == before
    assert headings("escrow") == []


def test_changes_that_do_not_touch_a_search_document_log_nothing(editor):
    clause = make_clause(make_announcement(), "Escrow", "escrow")
    index_now()
    before = SearchChange.objects.count()
    Clause.objects.filter(pk=clause.pk).update(version=5)
    assert SearchChange.objects.count() == before
    make_user("another")
    assert SearchChange.objects.count() == before
