import datetime as dt

import pytest

from kb.lineage import clause_lineage, word_diff
from kb.models import Clause, ClauseEffect, Status
from tests.factories import make_announcement, make_clause, make_lineage


def test_a_word_diff_marks_deleted_and_inserted_words():
    diff = word_diff("exclusive licence through 2030", "non-exclusive licence through 2032")
    assert diff == (
        "<del>exclusive</del><ins>non-exclusive</ins> licence through "
        "<del>2030</del><ins>2032</ins>"
    )


def test_a_word_diff_of_equal_texts_has_no_marks():
    assert word_diff("Azure remains exclusive.", "Azure remains exclusive.") == (
        "Azure remains exclusive."
    )


def test_a_word_diff_escapes_html_in_both_texts():
    diff = word_diff("<b>old</b> text", "<script>alert(1)</script> text")
    assert "<script>" not in diff
    assert "<b>" not in diff
    assert "<del>&lt;b&gt;old&lt;/b&gt;</del>" in diff
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in diff


@pytest.mark.django_db
def test_a_lineage_lists_the_whole_chain_oldest_first_from_any_member():
    chain = make_lineage(4)
    for member in chain:
        assert [step.clause for step in clause_lineage(member)] == chain


@pytest.mark.django_db
def test_each_step_of_a_lineage_is_compared_with_the_one_it_replaced():
    first, second = make_lineage(2)
    steps = clause_lineage(second)
    assert steps[0].previous is None
    assert steps[1].previous == first
    assert "<del>1.</del><ins>2.</ins>" in steps[1].text_diff


def _chain_through_a_draft():
    first = make_clause(make_announcement(date=dt.date(2020, 1, 1)), "First")
    draft = make_clause(
        make_announcement(date=dt.date(2021, 1, 1), status=Status.DRAFT),
        "Draft",
        supersedes=first,
        effect=ClauseEffect.AMENDED,
    )
    last = make_clause(
        make_announcement(date=dt.date(2022, 1, 1)),
        "Last",
        supersedes=draft,
        effect=ClauseEffect.AMENDED,
    )
    return first, draft, last


@pytest.mark.django_db
def test_an_unpublished_clause_ends_a_public_lineage_where_it_stands():
    first, _, last = _chain_through_a_draft()
    assert [step.clause for step in clause_lineage(last)] == [last]
    assert clause_lineage(last)[0].previous is None
    assert [step.clause for step in clause_lineage(first)] == [first]


@pytest.mark.django_db
def test_the_clause_page_and_the_api_show_the_same_links_around_a_draft(client):
    first, _, last = _chain_through_a_draft()
    for clause in (first, last):
        page = client.get(clause.get_absolute_url())
        api = client.get(f"/api/clauses/{clause.pk}/").json()
        assert api["supersedes"] is None and api["superseded_by"] == []
        assert "Draft" not in page.text
        other = last if clause == first else first
        assert other.get_absolute_url() not in page.text


@pytest.mark.django_db
def test_a_loop_in_the_links_does_not_hang_the_lineage():
    first = make_clause(make_announcement(), "First")
    second = make_clause(make_announcement(), "Second", supersedes=first)
    Clause.objects.filter(pk=first.pk).update(supersedes=second)
    assert {step.clause.pk for step in clause_lineage(first)} == {first.pk, second.pk}


@pytest.mark.django_db
def test_a_lineage_takes_two_queries_however_long(django_assert_num_queries):
    chain = make_lineage(30)
    with django_assert_num_queries(2):
        steps = clause_lineage(chain[10])
    assert [step.clause for step in steps] == chain
