import datetime as dt

import pytest
from django.urls import reverse

from kb.models import Clause, Status
from tests.factories import index_now, make_announcement, make_clause, make_party, make_topic

pytestmark = pytest.mark.django_db

URL = reverse("kb:search")


def make_hits(count: int, word: str = "escrow") -> None:
    party, topic = make_party(), make_topic()
    announcement = make_announcement(date=dt.date(2025, 5, 1), parties=[party])
    for _ in range(count):
        make_clause(announcement, text=f"The {word} agent holds the code.", topics=[topic])


def test_the_search_box_on_every_page_points_at_the_search_page(client):
    assert f'action="{URL}"' in client.get(reverse("kb:home")).text


def test_a_hit_shows_its_heading_announcement_parties_date_topics_and_snippet(client):
    microsoft = make_party("Microsoft")
    announcement = make_announcement(
        "Partnership", date=dt.date(2024, 10, 1), date_precision="month", parties=[microsoft]
    )
    make_clause(announcement, "Escrow", "The escrow agent holds it.", topics=[make_topic("Code")])
    page = client.get(URL, {"q": "escrow"}).text
    assert "1–1 of 1 clauses" in page
    assert ">Escrow</a>" in page and ">Partnership</a>" in page
    assert "Microsoft" in page and "October 2024" in page and ">Code</a>" in page
    assert "<mark>escrow</mark> agent" in page


def test_markup_in_a_clause_is_shown_as_text(client):
    make_clause(make_announcement(), "Escrow <b>x</b>", "escrow <script>alert(1)</script>")
    page = client.get(URL, {"q": "escrow"}).text
    assert "<script>alert" not in page
    assert "Escrow &lt;b&gt;x&lt;/b&gt;" in page


def test_the_query_is_escaped_where_it_is_shown_again(client):
    page = client.get(URL, {"q": '"><img src=x onerror=alert(1)>'}).text
    assert "<img src=x" not in page


def test_drafts_are_invisible_in_results_counts_and_facets(client):
    secret = make_party("Secret Partner")
    make_clause(make_announcement(status=Status.DRAFT, parties=[secret]), "Escrow", "escrow")
    page = client.get(URL, {"q": "escrow"}).text
    assert "Nothing matched" in page
    assert "Secret Partner" not in page


def test_nothing_matched_is_said_plainly(client):
    response = client.get(URL, {"q": "zebra"})
    assert response.status_code == 200
    assert "Nothing matched “zebra”" in response.text


def test_a_query_too_long_is_a_400_with_a_message(client):
    response = client.get(URL, {"q": "x" * 600})
    assert response.status_code == 400
    assert "too long" in response.text


def test_a_bad_filter_value_is_a_400_with_a_message(client):
    response = client.get(URL, {"q": "escrow", "date_from": "someday"})
    assert response.status_code == 400
    assert "cannot read date" in response.text


def test_no_clause_with_every_word_shows_closest_matches_labelled(client):
    make_clause(make_announcement(), "Escrow", "escrow agent")
    page = client.get(URL, {"q": "escrow zebra"}).text
    assert "No clause has every word; closest matches." in page
    assert ">Escrow</a>" in page


def test_closest_matches_after_the_clauses_with_every_word_are_labelled(client):
    make_clause(make_announcement(), "Escrow", "escrow agent")
    make_clause(make_announcement(), "Agent", "the agent acts")
    page = client.get(URL, {"q": "escrow agent"}).text
    label = "Only 1 clause has every word; closest matches follow."
    assert page.index(">Escrow</a>") < page.index(label) < page.index(">Agent</a>")


def test_the_count_is_exact(client):
    make_hits(5)
    assert "1–2 of 5 clauses" in client.get(URL, {"q": "escrow", "per_page": 2}).text


def test_the_page_size_has_a_hard_cap(client):
    make_hits(3)
    page = client.get(URL, {"q": "escrow", "per_page": 10_000})
    assert page.context["page"].paginator.per_page == 100


def test_pages_link_to_each_other_keeping_the_search(client):
    make_hits(3)
    page = client.get(URL, {"q": "escrow", "per_page": 2}).text
    assert 'href="?q=escrow&amp;per_page=2&amp;page=2"' in page


def test_facet_links_narrow_the_same_search(client):
    make_hits(2)
    party = Clause.objects.first().announcement.parties.get()
    page = client.get(URL, {"q": "escrow"}).text
    assert f'href="/search/?q=escrow&amp;party={party.slug}"' in page


def test_the_feed_link_appears_only_when_feeds_exist(client):
    from django.urls import NoReverseMatch

    page = client.get(URL, {"q": "escrow"}).text
    try:
        feed = reverse("kb:feed_search")
    except NoReverseMatch:
        assert "application/atom+xml" not in page
    else:
        assert f'href="{feed}?q=escrow"' in page


@pytest.mark.parametrize("hits", [1, 50], ids=["one-hit", "fifty-hits"])
def test_the_search_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, hits):
    make_hits(hits)
    index_now()
    # The change log's pending check, the page, its 3 prefetches, the names of the
    # facets' parties and topics.
    with django_assert_num_queries(7):
        response = client.get(URL, {"q": "escrow", "per_page": 50})
    assert response.status_code == 200


def test_listing_without_a_query_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    make_hits(3)
    index_now()
    # The pending check; the announcement and its parties; the clauses and their 3
    # prefetches; the facets' parties and topics.
    with django_assert_num_queries(9):
        response = client.get(URL)
    assert response.status_code == 200


def test_filters_run_a_fixed_number_of_queries_too(client, django_assert_num_queries):
    make_hits(3)
    party = Clause.objects.first().announcement.parties.get()
    index_now()
    # The party's slug lookup adds one to a plain search's.
    with django_assert_num_queries(8):
        response = client.get(URL, {"q": "escrow", "party": party.slug, "kind": "joint_statement"})
    assert response.status_code == 200


# Any text or bytes in any of the page's parameters: tests/test_hostile_input.py.


def test_invalid_utf8_in_the_url_is_not_a_server_error(client):
    assert client.get(URL + "?q=%ff%fe%00escrow").status_code in (200, 400)


def test_the_form_shows_the_filters_in_use(client):
    page = client.get(URL, {"q": "escrow", "kind": "agreement", "sort": "oldest"}).text
    assert '<option value="agreement" selected>' in page
    assert '<option value="oldest" selected>' in page
    assert 'value="escrow"' in page


def test_the_page_says_what_the_thesaurus_also_searched(client):
    make_clause(make_announcement(), "Losses", "Supplier shall hold harmless the Customer.")
    response = client.get("/search/", {"q": "indemnify"})
    assert response.status_code == 200
    assert "Also searched:" in response.text
    assert "“hold harmless”" in response.text
    assert "Also searched" not in client.get("/search/", {"q": '"indemnify"'}).text


def test_an_expanded_query_runs_as_many_queries_as_a_plain_one(client, django_assert_num_queries):
    make_hits(3, word="indemnification")
    index_now()
    with django_assert_num_queries(7):
        response = client.get(URL, {"q": "indemnify", "per_page": 50})
    assert response.status_code == 200


def test_a_search_filtered_by_topic_lists_only_that_topics_published_clauses(client):
    licence, other = make_topic("IP licence"), make_topic("Other")
    make_clause(heading="Escrow on topic", text="escrow", topics=[licence])
    make_clause(heading="Escrow elsewhere", text="escrow", topics=[other])
    make_clause(make_announcement(status=Status.DRAFT), "Draft escrow", "escrow", topics=[licence])
    page = client.get(URL, {"q": "escrow", "topic": licence.slug}).text
    assert "Escrow on topic" in page
    assert "Escrow elsewhere" not in page
    assert "Draft escrow" not in page


def test_an_announcement_hit_is_labelled_and_links_to_its_page(client):
    announcement = make_announcement(
        "Definitive agreement", summary="Microsoft's investment is $135 billion (27% stake)."
    )
    page = client.get(URL, {"q": "stake"}).text
    assert "1–1 of 1 announcements" in page
    assert ">Announcement</span>" in page
    assert f'href="{announcement.get_absolute_url()}">Definitive agreement</a>' in page
    assert "<mark>stake</mark>" in page


def test_a_misspelt_query_shows_the_results_of_the_likely_word(client):
    make_clause(heading="Exclusive cloud provider", text="Azure is the exclusive provider.")
    page = client.get(URL, {"q": "exclusivty"}).text
    assert "Nothing matched “exclusivty”. Showing results for <strong>exclusive</strong>." in page
    assert "Exclusive cloud provider" in page


def test_a_query_with_nothing_to_search_is_a_400_that_says_so(client):
    response = client.get(URL, {"q": "***"})
    assert response.status_code == 400
    assert "nothing to search for" in response.text


def test_a_broad_search_leaves_its_facets_to_a_second_request(client, monkeypatch):
    monkeypatch.setattr("kb.views.search.FACETS_INLINE_UP_TO", 2)
    make_hits(3)
    page = client.get(URL, {"q": "escrow"}).text
    assert 'data-facets-url="/search/facets/?q=escrow&amp;fragment=1"' in page
    assert "Narrow down" not in page
    assert "Download the clauses:" in page
    fragment = client.get("/search/facets/", {"q": "escrow", "fragment": "1"}).text
    assert "Narrow down" in fragment and "<html" not in fragment
    assert 'href="/search/?q=escrow&amp;kind=joint_statement"' in fragment
    # Counted once, they come with the page until the index changes.
    assert "Narrow down" in client.get(URL, {"q": "escrow"}).text
    assert "Narrow down" in client.get("/search/facets/", {"q": "escrow"}).text


def test_the_facets_of_a_bad_search_are_a_400(client):
    assert client.get("/search/facets/", {"date_from": "someday"}).status_code == 400
