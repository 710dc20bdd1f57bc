import datetime as dt

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.models import Clause, Status
from kb.search import (
    QueryError,
    attach_snippets,
    bounded_search,
    deferred_search_index,
    parse_query,
    rebuild_search_index,
    search_clauses,
)
from kb.search.constants import MAX_QUERY_LENGTH, MAX_TERMS
from tests.factories import make_announcement, make_clause, make_party, make_topic

pytestmark = pytest.mark.django_db


def headings(query, queryset=None):
    queryset = Clause.objects.published() if queryset is None else queryset
    return [clause.heading for clause in search_clauses(queryset, query)]


# ---------------------------------------------------------------- parsing


def test_plain_words_are_each_required():
    parsed = parse_query("exclusive licence")
    assert [term.words for term in parsed.terms] == [("exclusive",), ("licence",)]
    assert len(parsed.groups) == 2


def test_a_hyphenated_word_becomes_a_phrase_of_its_parts():
    (term,) = parse_query("non-exclusive").terms
    assert term.words == ("non", "exclusive")


@pytest.mark.parametrize("text", ["OpenAI’s", "OpenAI's"], ids=["curly", "straight"])
def test_curly_and_straight_apostrophes_parse_alike(text):
    (term,) = parse_query(text).terms
    assert term.words == ("openai", "s")


def test_a_query_longer_than_the_limit_is_refused_with_a_message():
    with pytest.raises(QueryError, match="too long"):
        parse_query("a" * (MAX_QUERY_LENGTH + 1))


def test_a_query_with_too_many_words_is_refused_with_a_message():
    with pytest.raises(QueryError, match="too many words"):
        parse_query(" ".join(f"w{number}" for number in range(MAX_TERMS + 1)))


def test_unquoted_stopwords_are_left_out():
    parsed = parse_query("cap on liability at the fees paid", expand=False)
    assert [term.words for term in parsed.terms] == [("cap",), ("liability",), ("fees",), ("paid",)]


def test_stopwords_inside_quotes_are_kept():
    (term,) = parse_query('"as is"').terms
    assert term.words == ("as", "is")


def test_a_query_of_stopwords_only_keeps_them():
    parsed = parse_query("the who")
    assert [term.words for term in parsed.terms] == [("the",), ("who",)]


def test_stopwords_do_not_count_towards_the_word_limit():
    words = [f"w{number}" for number in range(MAX_TERMS)]
    assert len(parse_query(" the ".join(words)).terms) == MAX_TERMS


def test_closest_matches_keep_phrases_and_exclusions():
    relaxed = parse_query('"as is" warranty -merchantability', expand=False).relaxed()
    assert [term.words for term in relaxed.terms] == [("as", "is"), ("warranty",)]
    assert [term.words for term in relaxed.excluded] == [("merchantability",)]


def test_only_excluded_words_is_refused_with_a_message():
    with pytest.raises(QueryError, match="Add a word"):
        parse_query("-amazon")


@pytest.mark.parametrize("text", ["", "   ", '"', "*", "-", "OR", "^:()", "🙂", "\x00"], ids=repr)
def test_punctuation_alone_is_an_empty_query(text):
    assert parse_query(text).is_empty


# ---------------------------------------------------------------- matching


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


def test_a_heading_match_ranks_above_a_text_match(corpus):
    make_clause(make_announcement(date=dt.date(2025, 1, 1)), "Provider duties", "None.")
    assert headings("provider") == ["Provider duties", "Exclusive cloud provider"]


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
    results = list(search_clauses(Clause.objects.published(), "escrow OR agreement"))
    assert results[0] == rare
    assert newest_common in results[1:]


def test_equal_ranks_list_the_newest_announcement_first():
    older = make_clause(make_announcement(date=dt.date(2020, 1, 1)), "Escrow", "Escrow.")
    newer = make_clause(make_announcement(date=dt.date(2021, 1, 1)), "Escrow", "Escrow.")
    results = list(search_clauses(Clause.objects.published(), "escrow"))
    assert results == [newer, older]


def test_every_word_must_match(corpus):
    assert headings("exclusive licence") == ["Licence terms"]


def test_a_phrase_matches_the_words_in_order(corpus):
    assert headings('"change of control"') == ["Change of control"]
    assert headings('"control of change"') == []


def test_or_matches_either_word(corpus):
    assert sorted(headings("azure OR models")) == ["Exclusive cloud provider", "Licence terms"]


def test_a_minus_word_excludes(corpus):
    assert sorted(headings("exclusive -azure")) == ["Licence terms", "Non-exclusive rights"]


def test_a_minus_phrase_excludes(corpus):
    assert headings('exclusive -"non-exclusive" -azure') == ["Licence terms"]


def test_a_prefix_matches_word_starts(corpus):
    assert sorted(headings("licen*")) == ["Licence terms"]
    assert sorted(headings("rev*")) == ["Revenue share"]


@pytest.mark.parametrize("length", range(2, 9))
def test_a_prefix_of_any_length_finds_the_word_whether_indexed_or_not(length):
    # SQLite keeps prefix indexes for 2 to 6 characters (migration 0010); longer
    # prefixes are answered from the words themselves.
    make_clause(heading="Workbench", text="The supplier provides a workbench.")
    make_clause(heading="Workshop", text="Training is held in a workshop.")
    found = headings("workbench"[:length] + "*")
    assert "Workbench" in found
    assert ("Workshop" in found) == (length <= len("work"))


def test_a_prefix_finds_a_clause_edited_after_the_index_was_built():
    clause = make_clause(heading="Escrow", text="An escrow agent holds the code.")
    clause.heading, clause.text = "Indemnity", "Each party indemnifies the other."
    clause.save()
    assert headings("indem*") == ["Indemnity"]
    assert headings("escr*") == []


def test_word_forms_match_by_stemming(corpus):
    assert headings("licenses") == ["Licence terms"] or headings("licensed") == ["Licence terms"]
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
    assert headings("msft exclusive") == ["Exclusive cloud provider"]
    assert headings("Microsoft exclusive provider") == ["Exclusive cloud provider"]


def test_a_topic_name_finds_its_clauses(corpus):
    assert headings("cloud worldwide") == ["Non-exclusive rights"]


def test_search_keeps_the_filters_of_the_queryset(corpus):
    only_2023 = Clause.objects.published().filter(announcement__date__year=2023)
    assert headings("exclusive", only_2023) == ["Exclusive cloud provider"]


def test_an_empty_query_returns_the_queryset_unchanged(corpus):
    queryset = Clause.objects.published()
    assert search_clauses(queryset, "") is queryset


def test_drafts_are_never_found():
    make_clause(make_announcement(status=Status.DRAFT), "Secret escrow", "escrow")
    make_clause(make_announcement(status=Status.RETRACTED), "Old escrow", "escrow")
    assert headings("escrow", Clause.objects.all()) == []


# ---------------------------------------------------------------- snippets


def test_snippets_mark_the_matched_words(corpus):
    clauses = list(search_clauses(Clause.objects.published(), "revenue"))
    attach_snippets(clauses, "revenue")
    assert "<mark>revenue</mark> share" in clauses[0].snippet


@pytest.mark.parametrize(
    "markup",
    ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">'],
    ids=["script", "img-onerror"],
)
def test_snippets_escape_markup_in_the_text(markup):
    make_clause(make_announcement(), "Hostile", f"escrow {markup} escrow")
    clauses = list(search_clauses(Clause.objects.published(), "escrow"))
    attach_snippets(clauses, "escrow")
    snippet = clauses[0].snippet
    assert "<mark>escrow</mark>" in snippet
    assert "<script" not in snippet
    assert "<img" not in snippet


def test_marker_characters_in_a_record_cannot_forge_a_highlight():
    make_clause(make_announcement(), "Forged", "escrow \x02<b>\x03 forged")
    clauses = list(search_clauses(Clause.objects.published(), "escrow"))
    attach_snippets(clauses, "escrow")
    assert clauses[0].snippet.count("<mark>") == 1
    assert "<b>" not in clauses[0].snippet


# ---------------------------------------------------------------- index in sync


def test_a_new_clause_is_found_at_once():
    make_clause(make_announcement(), "Escrow", "escrow")
    assert headings("escrow") == ["Escrow"]


def test_an_edited_clause_is_found_by_its_new_words_only():
    clause = make_clause(make_announcement(), "Escrow", "escrow")
    clause.heading, clause.text = "Arbitration", "arbitration"
    clause.save()
    assert headings("escrow") == []
    assert headings("arbitration") == ["Arbitration"]


def test_a_deleted_clause_is_gone_from_the_index():
    make_clause(make_announcement(), "Escrow", "escrow").delete()
    assert headings("escrow") == []


def test_a_deleted_announcement_takes_its_clauses_out_of_the_index():
    announcement = make_announcement()
    make_clause(announcement, "Escrow", "escrow")
    announcement.delete()
    assert headings("escrow") == []


def test_bulk_created_clauses_are_found():
    announcement = make_announcement()
    Clause.objects.bulk_create(
        Clause(announcement=announcement, position=n, heading=f"Escrow {n}", text="escrow")
        for n in range(1, 4)
    )
    assert len(headings("escrow")) == 3


def test_publishing_an_announcement_makes_its_clauses_findable():
    announcement = make_announcement(status=Status.DRAFT)
    make_clause(announcement, "Escrow", "escrow")
    announcement.status = Status.PUBLISHED
    announcement.published_at = announcement.created_at
    announcement.save()
    assert headings("escrow") == ["Escrow"]


def test_retracting_an_announcement_removes_its_clauses():
    announcement = make_announcement()
    make_clause(announcement, "Escrow", "escrow")
    announcement.status = Status.RETRACTED
    announcement.save()
    assert headings("escrow") == []


def test_adding_a_party_to_an_announcement_makes_its_clauses_findable_by_it():
    announcement = make_announcement()
    make_clause(announcement, "Escrow", "escrow")
    announcement.parties.add(make_party("Contoso"))
    assert headings("contoso") == ["Escrow"]
    announcement.parties.clear()
    assert headings("contoso") == []


def test_a_renamed_party_is_found_by_its_new_name():
    party = make_party("Contoso")
    make_clause(make_announcement(parties=[party]), "Escrow", "escrow")
    party.name = "Fabrikam"
    party.save()
    assert headings("contoso") == []
    assert headings("fabrikam") == ["Escrow"]


def test_a_topic_added_to_a_clause_makes_it_findable_by_the_topic():
    clause = make_clause(make_announcement(), "Escrow", "escrow")
    clause.topics.add(make_topic("Safeguards"))
    assert headings("safeguards") == ["Escrow"]


def test_a_party_bound_by_a_clause_makes_it_findable_by_the_party():
    clause = make_clause(make_announcement(), "Escrow", "escrow")
    clause.parties.add(make_party("Northwind", aliases="NWT"))
    assert headings("nwt") == ["Escrow"]


def test_rebuilding_the_index_keeps_every_published_clause_findable(corpus):
    before = headings("exclusive OR revenue")
    rebuild_search_index()
    assert headings("exclusive OR revenue") == before
    make_clause(make_announcement(), "Escrow", "escrow")
    assert headings("escrow") == ["Escrow"]  # the triggers are back


# ---------------------------------------------------------------- hostile input


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_raises_a_database_error(corpus, text):
    try:
        parsed = parse_query(text)
    except QueryError:
        return
    list(search_clauses(Clause.objects.published(), parsed)[:5])


@pytest.mark.parametrize(
    "text",
    [
        '"unbalanced',
        "NEAR(a b",
        "a ^ b",
        "heading:escrow",
        "(a OR",
        "a OR OR b",
        "'; DROP TABLE kb_clause; --",
        "a AND NOT b",
        "-",
        '-"',
        "**",
        "x*y",
        "\\",
    ],
    ids=repr,
)
def test_operator_characters_are_plain_text(corpus, text):
    list(search_clauses(Clause.objects.published(), text))
    assert connection.is_usable()


def test_clauses_loaded_with_the_index_deferred_are_found_after_the_block():
    announcement = make_announcement()
    with deferred_search_index():
        Clause.objects.bulk_create(
            Clause(announcement=announcement, position=n, heading=f"Escrow {n}", text="escrow")
            for n in range(1, 4)
        )
    assert len(headings("escrow")) == 3
    make_clause(announcement, "Arbitration", "arbitration")
    assert headings("arbitration") == ["Arbitration"]  # the triggers are back


def test_every_match_is_ranked_when_there_are_few_in_all(monkeypatch):
    monkeypatch.setattr("kb.search.RANKED_CANDIDATES", 2)
    announcement = make_announcement()
    clauses = [make_clause(announcement, f"Escrow {n}", "escrow") for n in range(4)]
    matches, newest_ids = bounded_search(Clause.objects.published(), "escrow")
    assert len(newest_ids) == 3  # the count still says "2+"
    assert set(matches) == set(clauses)


def test_only_the_newest_candidates_are_ranked_and_counted(monkeypatch):
    monkeypatch.setattr("kb.search.RANKED_CANDIDATES", 2)
    monkeypatch.setattr("kb.search.RANK_ALL_UP_TO", 3)
    announcement = make_announcement()
    clauses = [make_clause(announcement, f"Escrow {n}", "escrow") for n in range(4)]
    matches, newest_ids = bounded_search(Clause.objects.published(), "escrow")
    assert newest_ids == [clause.pk for clause in reversed(clauses[1:])]  # "2+" on the page
    assert set(matches) == set(clauses[1:])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own BM25 statistics")
def test_postgresql_reads_common_words_frequencies_from_the_planner_statistics():
    import math

    from kb.search import postgres

    announcement = make_announcement()
    for number in range(40):
        make_clause(announcement, f"Clause {number}", "This agreement binds the parties.")
    make_clause(announcement, "Deposit", "The escrow agreement holds the deposit.")
    parsed = parse_query("escrow agreement", expand=False)
    with connection.cursor() as cursor:
        counted = postgres.term_statistics(cursor, parsed)
        cursor.execute("ANALYZE kb_search_document")
        cursor.execute(
            "SELECT 'agreement' = ANY(most_common_elems::text::text[]) FROM pg_stats "
            "WHERE tablename = 'kb_search_document' AND attname = 'kb_search_document'"
        )
        assert cursor.fetchone() == (True,)
        from_statistics = postgres.term_statistics(cursor, parsed)
    documents = Clause.objects.count()
    assert from_statistics.idf[1] == pytest.approx(
        math.log(1 + (documents - 41 + 0.5) / (41 + 0.5)), abs=1e-6
    )
    assert from_statistics.idf == pytest.approx(counted.idf, abs=1e-6)
    assert from_statistics.idf[0] > from_statistics.idf[1]


@pytest.mark.parametrize("narrow_up_to", [100, 1], ids=["few filtered clauses", "too many"])
def test_a_selective_filter_finds_the_same_newest_matches_either_way(monkeypatch, narrow_up_to):
    monkeypatch.setattr("kb.search.RANKED_CANDIDATES", 2)
    monkeypatch.setattr("kb.search.RANK_ALL_UP_TO", 3)
    monkeypatch.setattr("kb.search.NARROW_FILTER_UP_TO", narrow_up_to)
    licence, other = make_topic("IP licence"), make_topic("Other")
    announcement = make_announcement()
    on_topic = [
        make_clause(announcement, f"Escrow {n}", "escrow", topics=[licence]) for n in range(4)
    ]
    for n in range(4):
        make_clause(announcement, f"Escrow elsewhere {n}", "escrow", topics=[other])
    make_clause(make_announcement(status=Status.DRAFT), "Draft escrow", "escrow", topics=[licence])
    scope = Clause.objects.published().filter(topics=licence)
    matches, newest_ids = bounded_search(scope, "escrow", selective=True)
    assert newest_ids == [clause.pk for clause in reversed(on_topic[1:])]
    assert set(matches) == set(on_topic[1:])


def test_a_search_filtered_by_topic_on_the_page_lists_only_that_topics_published_clauses(client):
    licence, other = make_topic("IP licence"), make_topic("Other")
    make_clause(heading="Escrow on topic", text="escrow", topics=[licence])
    make_clause(heading="Escrow elsewhere", text="escrow", topics=[other])
    make_clause(make_announcement(status=Status.DRAFT), "Draft escrow", "escrow", topics=[licence])
    page = client.get("/search/", {"q": "escrow", "topic": licence.slug}).content.decode()
    assert "Escrow on topic" in page
    assert "Escrow elsewhere" not in page
    assert "Draft escrow" not in page
