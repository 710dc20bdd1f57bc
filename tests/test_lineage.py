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


@pytest.mark.django_db
def test_an_unpublished_clause_is_left_out_of_a_lineage_but_still_links_it():
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
    steps = clause_lineage(last)
    assert [step.clause for step in steps] == [first, last]
    assert steps[1].previous == first


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
