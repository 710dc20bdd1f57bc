"""Query expansion with the legal thesaurus (kb/search/thesaurus.py), on both databases."""

import pytest

from kb.search.constants import MAX_EXPANSIONS, MAX_TERMS
from kb.search.query import parse_query
from kb.search.schema import stemmed_analyzer
from kb.search.thesaurus import EQUIVALENTS, SETS, parse_sets
from tests.factories import make_announcement, make_clause
from tests.search import support


def groups(text, **options):
    """The parsed groups as lists of words joined by spaces, expansions marked "+"."""
    return [
        [" ".join(term.words) + ("+" if term.expansion else "") for term in group]
        for group in parse_query(text, **options).groups
    ]


# ---------------------------------------------------------------- the thesaurus


def test_each_form_is_in_one_set_only():
    with pytest.raises(ValueError, match="twice"):
        from kb.search.thesaurus import _equivalents

        _equivalents(parse_sets("cap | limit\nlimit | ceiling"))


def test_forms_listed_together_stem_alike_and_expressions_of_a_set_do_not():
    """Forms after a comma are recognised only, never searched: they must be what the
    index's stemmer (Snowball English) already matches; the expressions searched must
    each add something."""
    analyzer = stemmed_analyzer()
    for expressions in SETS:
        stems = []
        for forms in expressions:
            form_stems = {tuple(analyzer.analyze(" ".join(form))) for form in forms}
            assert len(form_stems) == 1, forms
            stems.append(form_stems.pop())
        assert len(set(stems)) == len(stems), expressions


def test_every_set_has_equivalents():
    assert all(len(expressions) > 1 for expressions in SETS)
    assert all(EQUIVALENTS.values())


# ---------------------------------------------------------------- parsing


def test_a_known_word_is_searched_with_its_equivalents():
    assert groups("indemnify") == [
        ["indemnify", "indemnification+", "indemnity+", "hold harmless+"]
    ]


def test_a_form_of_a_known_word_is_recognised_and_kept_as_typed():
    assert groups("indemnified")[0][0] == "indemnified"
    assert "indemnification+" in groups("indemnified")[0]


def test_a_run_of_words_naming_a_known_expression_becomes_that_phrase():
    assert groups("hold harmless clause") == [
        ["hold harmless", "indemnify+", "indemnification+", "indemnity+"],
        ["clause"],
    ]


def test_a_known_expression_with_a_stopword_inside_is_matched():
    assert groups("termination for convenience")[1] == ["for convenience", "without cause+"]


def test_a_hyphenated_word_is_expanded_like_the_words_it_spells():
    assert groups("non-compete")[0][0] == "non compete"
    assert "competition+" in groups("non-compete")[0]


def test_quoted_excluded_prefix_and_or_terms_keep_their_meaning():
    assert groups('"indemnify"') == [["indemnify"]]
    assert groups("warranty -indemnify") == [["warranty", "warrant+"]]
    assert [term.words for term in parse_query("warranty -indemnify").excluded] == [("indemnify",)]
    assert groups("indemn*") == [["indemn"]]
    assert groups("indemnify OR escrow") == [["indemnify", "escrow"]]


def test_unknown_words_and_stopwords_are_not_expanded():
    assert groups("escrow of the code") == [["escrow"], ["code"]]


def test_expansion_can_be_turned_off():
    assert groups("indemnify", expand=False) == [["indemnify"]]


def test_expansions_do_not_count_towards_the_word_limit():
    words = ["indemnify"] + [f"w{number}" for number in range(MAX_TERMS - 1)]
    parsed = parse_query(" ".join(words))
    assert len([term for term in parsed.terms if not term.expansion]) == MAX_TERMS
    assert parsed.expansions


def test_expansions_are_bounded():
    parsed = parse_query(" ".join(expressions[0][0][0] for expressions in SETS[:MAX_TERMS]))
    assert len(parsed.expansions) <= MAX_EXPANSIONS


def test_closest_matches_keep_each_word_with_its_equivalents_as_one_group():
    relaxed = parse_query("indemnify escrow").relaxed()
    assert relaxed.any_group
    assert [len(group) for group in relaxed.groups] == [4, 1]


# ---------------------------------------------------------------- searching


@pytest.fixture
def clauses(db):
    announcement = make_announcement()
    return {
        "indemnification": make_clause(
            announcement, "Indemnification", "Supplier shall provide indemnification for losses."
        ),
        "hold harmless": make_clause(
            announcement, "Losses", "Supplier shall hold the Customer harmless from all losses."
        ),
        "phrase": make_clause(
            announcement, "Claims", "Supplier shall hold harmless the Customer against claims."
        ),
        "other": make_clause(announcement, "Escrow", "The source code is held in escrow."),
    }


def found(text):
    return {clause.pk for clause in support.with_every_word(text)}


@pytest.mark.django_db
def test_indemnify_finds_indemnification_and_hold_harmless(clauses):
    assert found("indemnify") == {clauses["indemnification"].pk, clauses["phrase"].pk}


@pytest.mark.django_db
def test_a_quoted_word_finds_only_itself(clauses):
    assert found('"indemnification"') == {clauses["indemnification"].pk}


@pytest.mark.django_db
def test_an_excluded_word_excludes_only_itself(clauses):
    assert found("supplier -indemnification") == {
        clauses["hold harmless"].pk,
        clauses["phrase"].pk,
    }


@pytest.mark.django_db
def test_an_expansion_is_still_ANDed_with_the_other_words(clauses):
    assert found("indemnify claims") == {clauses["phrase"].pk}


@pytest.mark.django_db
def test_terminate_finds_cancel():
    clause = make_clause(make_announcement(), "Ending", "Either party may cancel this order.")
    assert found("terminate") == {clause.pk}


@pytest.mark.django_db
def test_the_word_as_typed_ranks_above_an_equivalent():
    announcement = make_announcement()
    # The typed one is older: on equal ranks the newest would come first.
    typed = make_clause(announcement, "Claims", "The supplier shall indemnify against claims.")
    equivalent = make_clause(announcement, "Losses", "The supplier gives an indemnity for losses.")
    results = support.clauses("indemnify")
    assert results == [typed, equivalent]
