"""What a search finds and in what order, on both databases (one engine for both)."""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.filters import ClauseFilter, SearchFilter
from kb.models import Clause, Status
from tests.factories import make_announcement, make_clause, make_party, make_topic
from tests.search.support import clauses, found, headings, with_every_word

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    """A small fixed corpus: one announcement per year, newest last."""
    microsoft = make_party("Microsoft", aliases="MSFT")
    amazon = make_party("Amazon")
    cloud = make_topic("Cloud")
    first = make_announcement("First deal", date=dt.date(2023, 1, 10), parties=[microsoft])
    second = make_announcement("Second deal", date=dt.date(2024, 6, 1), parties=[amazon])
    make_clause(first, "Exclusive cloud provider", "Azure is the exclusive provider of compute.")
    make_clause(first, "Revenue share", "A revenue share applies to sales through 2030.")
    make_clause(second, "Licence terms", "The exclusive licence covers licensing the models.")
    make_clause(
        second, "Non-exclusive rights", "Rights are non-exclusive worldwide.", topics=[cloud]
    )
    make_clause(second, "Change of control", "On a change of control the agreement ends.")


# ---------------------------------------------------------------- ranking


def test_a_shorter_record_ranks_above_a_longer_one_with_the_word_as_often():
    make_clause(
        make_announcement(date=dt.date(2025, 1, 1)),
        "Duties",
        "The escrow agent acts for both parties in every matter that this agreement names.",
    )
    make_clause(make_announcement(date=dt.date(2020, 1, 1)), "Escrow", "The agent acts.")
    assert headings("escrow") == ["Escrow", "Duties"]


def test_a_text_match_ranks_above_a_context_only_match(corpus):
    result = headings("microsoft OR azure")
    assert result[0] == "Exclusive cloud provider"
    assert result[1] == "Revenue share"


def test_a_rare_word_ranks_above_a_common_one():
    announcement = make_announcement(date=dt.date(2020, 1, 1))
    rare = make_clause(announcement, "Deposit", "The escrow holds the deposit.")
    for _ in range(5):
        make_clause(make_announcement(), "Terms", "This agreement binds the parties.")
    newest_common = make_clause(
        make_announcement(date=dt.date(2025, 1, 1)), "Deposit", "This agreement holds the deposit."
    )
    results = clauses("escrow OR agreement")
    assert results[0] == rare
    assert newest_common in results[1:]


def test_equal_ranks_list_the_newest_announcement_first():
    older = make_clause(make_announcement(date=dt.date(2020, 1, 1)), "Escrow", "Escrow.")
    newer = make_clause(make_announcement(date=dt.date(2021, 1, 1)), "Escrow", "Escrow.")
    assert clauses("escrow") == [newer, older]


def test_the_best_match_is_first_however_old_and_however_many_matches():
    """Every match is ranked: an old clause that says the word six times in a few
    words outranks 1,500 newer ones that say it once."""
    best = make_clause(
        make_announcement(date=dt.date(1999, 1, 1)),
        "Agreement on the agreement",
        "This agreement, the agreement of agreements, is an agreement.",
    )
    newer = make_announcement(date=dt.date(2025, 1, 1))
    for position in range(1, 1501):
        make_clause(
            newer,
            f"Clause {position}",
            "Each party shall perform its obligations under this agreement in good faith "
            "and with reasonable care and skill.",
            position=position,
        )
    filterset = ClauseFilter({"q": "agreement"})
    assert filterset.is_valid()
    assert filterset.results.count == 1501
    assert filterset.qs[0] == best


def test_a_number_as_written_ranks_above_the_same_digits_in_other_words():
    make_clause(heading="Closing", text="The deal closed on 27 January 2020.")
    make_clause(heading="Signing", text="Signed on June 27, 2006 by both parties.")
    make_clause(heading="Stake", text="Microsoft holds a 27% stake after the recapitalisation.")
    assert headings("27%")[0] == "Stake"
    assert headings("$135") == []


def test_a_money_amount_matches_as_written():
    make_clause(heading="Investment", text="An investment valued at $135 billion.")
    make_clause(heading="Units", text="Deliver 135 units.")
    assert headings("$135") == ["Investment", "Units"]


# ---------------------------------------------------------------- the query syntax


def test_every_word_must_match(corpus):
    assert [c.heading for c in with_every_word("exclusive licence")] == ["Licence terms"]


def test_a_phrase_matches_the_words_in_order(corpus):
    assert headings('"change of control"') == ["Change of control"]
    assert headings('"control of change"') == []


def test_or_matches_either_word(corpus):
    assert sorted(headings("azure OR models")) == ["Exclusive cloud provider", "Licence terms"]


def test_a_minus_word_excludes(corpus):
    assert sorted(headings("exclusive -azure")) == ["Licence terms", "Non-exclusive rights"]


def test_a_minus_phrase_excludes(corpus):
    assert headings('exclusive -"non-exclusive" -azure') == ["Licence terms"]


def test_an_excluded_word_applies_to_the_records_own_words_not_its_context():
    """The statement's summary says "IP"; excluding "IP" drops the clauses that say
    it, not every clause of the statement."""
    statement = make_announcement(
        "Joint statement", summary="The IP licence and the revenue share are unchanged."
    )
    make_clause(statement, "Our IP relationship continues unchanged", "The IP licence stays.")
    make_clause(statement, "AGI definition and processes are unchanged", "The same process.")
    assert headings("unchanged -IP") == ["AGI definition and processes are unchanged"]


def test_a_prefix_matches_word_starts(corpus):
    assert sorted(headings("licen*")) == ["Licence terms"]
    assert sorted(headings("rev*")) == ["Revenue share"]


@pytest.mark.parametrize(
    ("prefix", "word"),
    [("terminat*", "termination"), ("exclusiv*", "exclusivity"), ("assignm*", "assignment")],
)
def test_a_prefix_past_the_stem_matches_the_word_as_written(prefix, word):
    make_clause(heading="Clause", text=f"The {word} clause applies.")
    make_clause(heading="Other", text="Nothing to see.")
    assert headings(prefix) == ["Clause"]


@pytest.mark.parametrize("length", range(2, 9))
def test_a_prefix_of_any_length_finds_the_word(length):
    make_clause(heading="Workbench", text="The supplier provides a workbench.")
    make_clause(heading="Workshop", text="Training is held in a workshop.")
    found_headings = headings("workbench"[:length] + "*")
    assert "Workbench" in found_headings
    assert ("Workshop" in found_headings) == (length <= len("work"))


def test_a_prefix_of_many_words_still_matches_every_one_of_them():
    for number in range(60):
        make_clause(heading=f"Clause {number}", text=f"The parties agree to item{number}x.")
    assert len(clauses("item*")) == 60


def test_word_forms_match_by_stemming(corpus):
    assert headings("licensed") == ["Licence terms"]


def test_a_hyphenated_query_finds_the_hyphenated_text(corpus):
    assert headings("non-exclusive") == ["Non-exclusive rights"]


def test_case_and_accents_are_ignored():
    make_clause(make_announcement(), "Café terms", "Services at the CAFÉ.")
    assert headings("cafe") == ["Café terms"]
    assert headings("CAFÉ") == ["Café terms"]


@pytest.mark.parametrize("query", ["OpenAI’s", "OpenAI's"], ids=["curly", "straight"])
@pytest.mark.parametrize("text", ["OpenAI’s models", "OpenAI's models"], ids=["curly", "straight"])
def test_apostrophes_match_whichever_the_text_uses(query, text):
    make_clause(make_announcement(), "Models", text)
    assert headings(query) == ["Models"]


def test_a_party_name_or_alias_finds_its_clauses(corpus):
    assert with_every_word("msft exclusive") == [
        c for c in clauses("msft exclusive") if c.heading == "Exclusive cloud provider"
    ]
    assert [c.heading for c in with_every_word("Microsoft exclusive provider")] == [
        "Exclusive cloud provider"
    ]


def test_a_topic_name_finds_its_clauses(corpus):
    assert [c.heading for c in with_every_word("cloud worldwide")] == ["Non-exclusive rights"]


def test_drafts_and_retracted_records_are_never_found():
    make_clause(make_announcement("Secret escrow", status=Status.DRAFT), "Secret", "escrow")
    make_clause(make_announcement("Old escrow", status=Status.RETRACTED), "Old", "escrow")
    assert found("escrow") == []


def test_a_query_with_nothing_searchable_says_so_instead_of_listing_everything(corpus):
    filterset = SearchFilter({"q": "*** !!"})
    assert not filterset.is_valid()
    assert "nothing to search for" in str(filterset.errors["q"])


# ---------------------------------------------------------------- filters


def test_filters_apply_inside_the_engine(corpus):
    assert headings("exclusive", date_to="2023") == ["Exclusive cloud provider"]
    assert sorted(headings("exclusive", party="amazon")) == [
        "Licence terms",
        "Non-exclusive rights",
    ]
    assert headings("exclusive", topic="cloud") == ["Non-exclusive rights"]


def test_counts_are_exact():
    announcement = make_announcement()
    for position in range(1, 1201):
        make_clause(announcement, "Escrow", "escrow", position=position)
    filterset = ClauseFilter({"q": "escrow"})
    assert filterset.is_valid()
    assert filterset.results.count == len(filterset.qs) == 1200


# ---------------------------------------------------------------- announcements


def test_announcements_are_found_by_their_title_summary_and_text():
    make_announcement(
        "Amended partnership agreement",
        summary="Makes Microsoft's licence to OpenAI IP non-exclusive through 2032.",
        text="The full text mentions the escrow arrangements.",
    )
    assert found("non-exclusive") == ["announcement: Amended partnership agreement"]
    assert found("2032") == ["announcement: Amended partnership agreement"]
    assert found("escrow arrangements") == ["announcement: Amended partnership agreement"]


def test_results_hold_both_kinds_and_the_type_filter_narrows_them():
    announcement = make_announcement("Escrow agreement", summary="About escrow.")
    make_clause(announcement, "Escrow", "The escrow agent holds the code.")
    assert sorted(found("escrow")) == ["announcement: Escrow agreement", "clause: Escrow"]
    assert found("escrow", type="clause") == ["clause: Escrow"]
    assert found("escrow", type="announcement") == ["announcement: Escrow agreement"]
    filterset = SearchFilter({"q": "escrow"})
    assert filterset.is_valid()
    assert filterset.results.facets.types == {"clause": 1, "announcement": 1}


def test_clause_only_filters_leave_announcements_out():
    topic = make_topic("Escrow")
    announcement = make_announcement("Escrow agreement")
    make_clause(announcement, "Escrow", "escrow", topics=[topic])
    assert found("escrow", topic="escrow") == ["clause: Escrow"]
    assert found("escrow", effect="new") == ["clause: Escrow"]


# ---------------------------------------------------------------- spelling


def test_a_misspelt_word_gets_the_closest_word_of_the_index():
    make_clause(heading="Exclusive cloud provider", text="Azure is the exclusive provider.")
    filterset = SearchFilter({"q": "exclusivty"})
    assert filterset.is_valid()
    assert filterset.results.count == 0
    assert filterset.results.suggestion == "exclusive"


def test_a_word_the_index_holds_is_not_corrected():
    make_clause(heading="Escrow", text="escrow")
    filterset = SearchFilter({"q": "escrow"})
    assert filterset.is_valid()
    assert filterset.results.suggestion is None


# ---------------------------------------------------------------- hostile input


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200))
def test_arbitrary_text_is_a_result_list_or_a_form_error(corpus, text):
    filterset = SearchFilter({"q": text})
    if filterset.is_valid():
        # Whatever it finds is one of the corpus's records, read back whole.
        shown = {
            f"{record.search_type}: {getattr(record, 'heading', None) or record.title}"
            for record in filterset.qs[:10]
        }
        assert shown <= set(found())
    else:
        assert "q" in filterset.errors


@pytest.mark.parametrize(
    ("text", "finds_it"),
    [
        ('"unbalanced', False),
        ("NEAR(a b", True),
        ("a ^ b", True),
        ("heading:escrow", True),
        ("(a OR", True),
        ("a OR OR b", True),
        ("'; DROP TABLE kb_clause; --", False),
        ("a AND NOT b", True),
        ("x*y", True),
        ("field:[a TO b]", True),
        ("a~2", False),
    ],
    ids=repr,
)
def test_operator_characters_are_plain_text(corpus, text, finds_it):
    clause = make_clause(heading="Heading escrow", text="x y a b")
    filterset = ClauseFilter({"q": text})
    assert filterset.is_valid()
    assert (clause in filterset.qs) is finds_it
    # No text reached a query language: the corpus is there, whole, and still found.
    assert Clause.objects.count() == 6
    assert headings("escrow") == ["Heading escrow"]
