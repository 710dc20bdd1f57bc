"""Which earlier clauses are suggested, and in what order."""

import datetime as dt

import pytest
from django.utils import timezone

from kb.lineage_suggestions.models import LineageDismissal
from kb.lineage_suggestions.ranking import (
    ClauseDraft,
    suggest,
    suggest_for_clause,
    suggest_for_new_clauses,
)
from kb.models import ClauseEffect, Status
from tests.factories import index_now, make_announcement, make_clause, make_party

pytestmark = pytest.mark.django_db

CLOUD = "Azure is the exclusive cloud provider for OpenAI's APIs."


def clause_in(day=None, *, status=Status.PUBLISHED, parties=(), heading=None, text=CLOUD):
    announcement = make_announcement(date=day, status=status, parties=parties)
    return make_clause(announcement, heading or "Exclusive cloud provider", text)


def ids(suggestions):
    return [s.clause_id for s in suggestions]


def test_only_clauses_of_earlier_dated_announcements_are_suggested():
    earlier = clause_in(dt.date(2023, 1, 1))
    later = clause_in(dt.date(2025, 1, 1))
    current = clause_in(dt.date(2024, 1, 1))
    found = ids(suggest_for_clause(current))
    assert earlier.pk in found
    assert later.pk not in found


def test_without_dates_publication_order_decides():
    first = clause_in()
    current = clause_in()
    after = clause_in()
    # Published in that order (make_announcement stamps published_at now).
    found = ids(suggest_for_clause(current))
    assert first.pk in found
    assert after.pk not in found


def test_a_clause_published_later_with_an_undated_announcement_is_not_earlier():
    current = clause_in(dt.date(2024, 1, 1))
    undated_later = clause_in()
    current.announcement.published_at = timezone.now() - dt.timedelta(days=1)
    current.announcement.save()
    assert undated_later.pk not in ids(suggest_for_clause(current))


def test_a_draft_or_retracted_clause_is_never_suggested():
    draft = clause_in(dt.date(2020, 1, 1), status=Status.DRAFT)
    retracted = clause_in(dt.date(2020, 1, 1), status=Status.RETRACTED)
    published = clause_in(dt.date(2020, 1, 1))
    current = clause_in(dt.date(2024, 1, 1), status=Status.DRAFT)
    found = ids(suggest_for_clause(current))
    assert found == [published.pk]
    assert draft.pk not in found and retracted.pk not in found


def test_a_draft_clause_gets_every_earlier_published_clause_and_not_its_own_announcements():
    earlier = clause_in(dt.date(2020, 1, 1))
    current = clause_in(dt.date(2024, 1, 1), status=Status.DRAFT)
    sibling = make_clause(current.announcement, "Exclusive cloud provider", CLOUD)
    found = ids(suggest_for_clause(current))
    assert earlier.pk in found
    assert sibling.pk not in found and current.pk not in found


def test_same_parties_rank_above_a_closer_wording_of_other_parties():
    openai, microsoft, amazon = make_party("OpenAI"), make_party("Microsoft"), make_party("Amazon")
    other = clause_in(dt.date(2020, 1, 1), parties=[amazon], text=CLOUD)
    overlapping = clause_in(
        dt.date(2020, 1, 1), parties=[openai, amazon], text="Azure hosts some APIs of OpenAI."
    )
    same = clause_in(
        dt.date(2020, 1, 1), parties=[openai, microsoft], text="Azure hosts OpenAI research."
    )
    current = clause_in(dt.date(2024, 1, 1), parties=[openai, microsoft])
    found = suggest_for_clause(current)
    assert ids(found) == [same.pk, overlapping.pk, other.pk]
    assert [s.parties for s in found] == ["same", "overlapping", "other"]
    assert found[0].reason.startswith("same parties")
    assert found[1].reason.startswith("shares OpenAI")


def test_among_the_same_parties_the_closer_wording_comes_first():
    close = clause_in(dt.date(2020, 1, 1), text=CLOUD)
    far = clause_in(dt.date(2021, 1, 1), heading="Revenue share", text="OpenAI shares revenue.")
    current = clause_in(dt.date(2024, 1, 1))
    assert ids(suggest_for_clause(current))[:2] == [close.pk, far.pk]


def test_the_thesaurus_finds_an_equivalent_wording():
    earlier = clause_in(
        dt.date(2020, 1, 1), heading="Licence", text="A licence to the intellectual property."
    )
    current = clause_in(dt.date(2024, 1, 1), heading="Rights", text="Microsoft keeps the IP.")
    assert ids(suggest_for_clause(current)) == [earlier.pk]


def test_a_dismissed_suggestion_stays_dismissed_for_that_clause_only():
    earlier = clause_in(dt.date(2020, 1, 1))
    current = clause_in(dt.date(2024, 1, 1))
    other = clause_in(dt.date(2024, 6, 1))
    LineageDismissal.objects.create(clause=current, candidate=earlier)
    assert earlier.pk not in ids(suggest_for_clause(current))
    assert earlier.pk in ids(suggest_for_clause(other))


def test_each_suggestion_proposes_an_effect_with_a_reason():
    clause_in(dt.date(2020, 1, 1), text="Microsoft's license is exclusive through 2030.")
    current = clause_in(
        dt.date(2024, 1, 1), text="Microsoft's license is non-exclusive through 2032."
    )
    (found,) = suggest_for_clause(current)
    assert (found.effect, found.verb) == (ClauseEffect.AMENDED, "amends")
    assert "exclusivity changed (exclusive → non-exclusive)" in found.reason
    assert "dates changed (2030 → 2032)" in found.reason


def test_an_unsaved_clause_gets_suggestions_by_its_announcements_party_names():
    openai = make_party("OpenAI")
    same = clause_in(dt.date(2020, 1, 1), parties=[openai], text="Azure hosts OpenAI research.")
    other = clause_in(dt.date(2020, 1, 1), text=CLOUD)
    (found,) = suggest_for_new_clauses([("Exclusive cloud", CLOUD)], party_names=["OpenAI"])
    assert ids(found) == [same.pk, other.pk]


def test_an_unpublished_draft_with_no_words_gets_nothing():
    clause_in(dt.date(2020, 1, 1))
    assert suggest(ClauseDraft(heading="—", text="")) == []


def test_suggestions_for_a_clause_run_a_fixed_number_of_queries(django_assert_num_queries):
    for year in range(2010, 2020):
        clause_in(dt.date(year, 1, 1), parties=[make_party()])
    current = clause_in(dt.date(2024, 1, 1))
    index_now()
    # Its parties (2), topics, dismissals, its announcement's clauses; the index's
    # change log; the candidates, their parties (2) and topics; the parties' names.
    with django_assert_num_queries(10):
        assert len(suggest_for_clause(current)) == 5


def test_suggestions_work_on_an_index_with_deleted_documents():
    """An update replaces a changed record's document: the old one stays in the index,
    deleted, until a merge (tantivy's own more-like-this query panicked on that)."""
    # "Azure" in every document, so that with the deleted one it is in more documents
    # than the index holds live.
    earlier = make_clause(make_announcement("Azure 1", date=dt.date(2020, 1, 1)), "Azure", CLOUD)
    current = make_clause(make_announcement("Azure 2", date=dt.date(2024, 1, 1)), "Azure", CLOUD)
    assert ids(suggest_for_clause(current)) == [earlier.pk]
    earlier.text = CLOUD + " Renewed."
    earlier.save()
    index_now()
    assert ids(suggest_for_clause(current)) == [earlier.pk]
