import datetime as dt

import pytest
from django.db.models import Q
from django.urls import reverse, reverse_lazy

from kb.dates import DatePrecision
from kb.filters import ClauseFilter, named_facets
from kb.models import AnnouncementKind, Clause, ClauseEffect, Status
from tests.factories import make_announcement, make_clause, make_party, make_topic

pytestmark = pytest.mark.django_db


def filtered(**params):
    filterset = ClauseFilter(params)
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


@pytest.fixture
def records():
    microsoft, amazon = make_party("Microsoft"), make_party("Amazon")
    cloud, revenue = make_topic("Cloud"), make_topic("Revenue")
    deal = make_announcement(
        "Deal", date=dt.date(2024, 3, 5), parties=[microsoft], kind=AnnouncementKind.AGREEMENT
    )
    memo = make_announcement(
        "Memo", date=dt.date(2025, 1, 1), date_precision=DatePrecision.YEAR, parties=[amazon]
    )
    draft = make_announcement("Draft", status=Status.DRAFT, parties=[microsoft])
    return {
        "exclusive": make_clause(deal, "Exclusive cloud", "exclusive compute", topics=[cloud]),
        "share": make_clause(
            deal, "Revenue share", "a revenue share", topics=[revenue], parties=[amazon]
        ),
        "memo": make_clause(memo, "Exclusive memo", "exclusive talks", effect=ClauseEffect.AMENDED),
        "draft": make_clause(draft, "Exclusive draft", "exclusive secret", topics=[cloud]),
    }


def test_no_parameters_list_published_clauses_newest_first(records):
    assert filtered() == [records["memo"], records["exclusive"], records["share"]]


def test_oldest_first_reverses_the_order(records):
    assert filtered(sort="oldest") == [records["exclusive"], records["share"], records["memo"]]


def test_a_party_filter_includes_clauses_binding_the_party_and_its_announcements(records):
    assert filtered(party="amazon") == [records["memo"], records["share"]]


def test_a_party_filter_never_shows_drafts(records):
    assert filtered(party="microsoft") == [records["exclusive"], records["share"]]


def test_topic_kind_and_effect_filters_combine_with_search(records):
    assert filtered(q="exclusive", topic="cloud") == [records["exclusive"]]
    assert filtered(q="exclusive", kind="agreement") == [records["exclusive"]]
    assert filtered(q="exclusive", effect="amended") == [records["memo"]]


def test_a_date_range_covers_dates_known_to_the_year(records):
    # The memo is dated "2025": it overlaps a range starting in June 2025.
    assert filtered(date_from="2025-06-01") == [records["memo"]]
    assert filtered(date_to="2024-12") == [records["exclusive"], records["share"]]
    assert filtered(date_from="2024-03-06", date_to="2024-12-31") == []


def test_in_force_on_keeps_the_terms_in_force_that_day(records):
    assert filtered(in_force_on="2024-12-31") == [records["exclusive"], records["share"]]


@pytest.mark.parametrize(
    "params",
    [
        {"party": "nobody"},
        {"kind": "novel"},
        {"date_from": "soon"},
        {"q": "x" * 501},
        {"in_force_on": "2024-13-01"},
        {"sort": "random"},
    ],
    ids=["party", "kind", "date", "query", "in-force", "sort"],
)
def test_invalid_parameters_are_form_errors(records, params):
    assert not ClauseFilter(params).is_valid()


def test_a_query_no_clause_fully_matches_falls_back_to_closest_matches(records):
    filterset = ClauseFilter({"q": "exclusive revenue"})
    assert filterset.is_valid()
    assert list(filterset.qs)
    assert filterset.results.closest_matches


def test_closest_matches_follow_the_clauses_with_every_word(records):
    filterset = ClauseFilter({"q": "exclusive cloud compute talks"})
    assert filterset.is_valid()
    results = list(filterset.qs)
    assert results[0] == records["exclusive"]  # "exclusive", "cloud" and "compute"
    assert results[1:] == [records["memo"]]  # "exclusive" and "talks" only
    assert filterset.results.closest_matches


def test_closest_matches_list_the_clauses_with_every_word_first(records):
    filterset = ClauseFilter({"q": "exclusive compute"})
    assert filterset.is_valid()
    results = list(filterset.qs)
    assert filterset.results.all_words_count == 1
    assert results == [records["exclusive"], records["memo"]]
    assert [clause.search_every_word for clause in results] == [True, False]


def test_a_natural_question_finds_clauses_without_its_stopwords(records):
    assert filtered(q="a share of the revenue") == [records["share"]]


def test_an_excluded_word_stays_excluded_in_closest_matches(records):
    filterset = ClauseFilter({"q": "exclusive share -talks"})
    assert filterset.is_valid()
    assert set(filterset.qs) == {records["exclusive"], records["share"]}
    assert filterset.results.closest_matches


def test_a_phrase_alone_never_falls_back_to_its_separate_words(records):
    filterset = ClauseFilter({"q": '"exclusive revenue"'})
    assert filterset.is_valid()
    assert list(filterset.qs) == []
    assert not filterset.results.closest_matches


def test_facet_counts_agree_with_plain_orm_counts(records):
    filterset = ClauseFilter({"q": "exclusive OR revenue"})
    assert filterset.is_valid()
    facets = named_facets(filterset.results.facets)
    published = Clause.objects.published()
    assert {kind: count for kind, _, count in facets["kinds"]} == {
        "agreement": published.filter(announcement__kind="agreement").count(),
        "joint_statement": published.filter(announcement__kind="joint_statement").count(),
    }
    assert dict(facets["years"]) == {
        2024: published.filter(announcement__date__year=2024).count(),
        2025: published.filter(announcement__date__year=2025).count(),
    }
    for slug, _, count in facets["parties"]:
        involved = Q(parties__slug=slug) | Q(announcement__parties__slug=slug)
        assert count == published.filter(involved).distinct().count()
    for slug, _, count in facets["topics"]:
        assert count == published.filter(topics__slug=slug).count()


def test_facets_never_count_drafts(records):
    filterset = ClauseFilter({"q": "exclusive"})
    assert filterset.is_valid()
    facets = named_facets(filterset.results.facets)
    assert {slug: count for slug, _, count in facets["topics"]} == {"cloud": 1}
    assert {slug: count for slug, _, count in facets["parties"]} == {
        "microsoft": 1,
        "amazon": 1,
    }


# Every surface of the filters answers a party or topic only drafts use as it answers
# one that does not exist: nothing tells an unannounced partner's slug from a guess.
SURFACES = {
    "search page": (reverse_lazy("kb:search"), {}),
    "CSV export": (reverse_lazy("kb:search"), {"format": "csv"}),
    "JSON export": (reverse_lazy("kb:search"), {"format": "json"}),
    "API": (reverse_lazy("api:clauses"), {}),
    "search feed": (reverse_lazy("kb:feed_search"), {}),
}


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED])
@pytest.mark.parametrize("field", ["party", "topic"])
def test_a_party_or_topic_only_unpublished_records_use_is_answered_as_an_unknown_one(
    client, surface, status, field
):
    secret = {
        "party": make_party("Secret Partner", slug="secret-partner"),
        "topic": make_topic("Secret Topic", slug="secret-topic"),
    }
    hidden = make_announcement(status=status, parties=[secret["party"]])
    make_clause(hidden, "Escrow", "The escrow agent.", topics=[secret["topic"]])
    make_clause(make_announcement(), "Escrow", "The escrow agent.")
    url, params = SURFACES[surface]
    slug = secret[field].slug
    unknown = slug[:-1] + "x"

    def answer(value):
        response = client.get(url, {**params, field: value})
        body = response.streaming_content if response.streaming else [response.content]
        return response.status_code, b"".join(body).replace(value.encode(), b"SLUG")

    assert answer(slug) == answer(unknown)
    assert answer(slug)[0] == 400


@pytest.mark.parametrize("field", ["party", "topic"])
def test_a_published_records_party_or_topic_still_filters(client, field):
    party, topic = make_party("Acme"), make_topic("Escrow")
    make_clause(make_announcement(parties=[party]), "Escrow", "The escrow agent.", topics=[topic])
    value = {"party": party.slug, "topic": topic.slug}[field]
    assert len(filtered(**{field: value})) == 1
    assert client.get(reverse("api:clauses"), {field: value}).json()["count"] == 1
