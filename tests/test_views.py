import datetime as dt
import html
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kb import public, workflow
from kb.dates import DatePrecision
from kb.models import ClauseEffect, Status
from kb.pagination import CappedPaginator
from kb.views import browse as browse_views
from kb.views import cards, records
from tests.factories import (
    make_announcement,
    make_clause,
    make_lineage,
    make_party,
    make_topic,
)

pytestmark = pytest.mark.django_db

JOINT_STATEMENT_HEADINGS = [
    "The partnership remains strong and central.",
    "Our IP relationship continues unchanged.",
    "Our commercial and revenue share relationship remains unchanged.",
    "Azure remains the exclusive cloud provider of stateless OpenAI APIs.",
    "OpenAI’s first party products, including Frontier, will continue to be hosted on Azure.",
    "AGI definition and processes are unchanged.",
    "The partnership supports OpenAI's growth.",
]


@pytest.fixture
def parties():
    return make_party("Microsoft"), make_party("OpenAI")


@pytest.fixture
def cloud():
    return make_topic("Cloud exclusivity")


@pytest.fixture
def joint_statement(parties, cloud):
    """The shape of the demo data's joint statement: seven reaffirming clauses, the
    fourth restating an earlier cloud-exclusivity term."""
    earlier = make_clause(
        make_announcement(
            "Microsoft and OpenAI extend partnership", date=dt.date(2023, 1, 1), parties=parties
        ),
        "Azure is the exclusive cloud provider",
        "Azure will remain the exclusive cloud provider for all OpenAI workloads.",
        topics=[cloud],
    )
    statement = make_announcement(
        "Joint Statement from OpenAI and Microsoft",
        parties=parties,
        source_url="https://openai.com/index/continuing-microsoft-partnership/",
        credit="Text from the seed data set.",
    )
    for position, heading in enumerate(JOINT_STATEMENT_HEADINGS, start=1):
        make_clause(
            statement,
            heading,
            position=position,
            effect=ClauseEffect.REAFFIRMED,
            supersedes=earlier if position == 4 else None,
            topics=[cloud] if position == 4 else [],
            text=(
                "Microsoft is the exclusive cloud provider for stateless APIs."
                if position == 4
                else ""
            ),
        )
    return statement


def count_queries(client, url) -> int:
    """Queries of one load from a cold cache (the home page caches its counts)."""
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Home


def test_the_home_page_lists_published_announcements_only(client):
    make_announcement("A published statement")
    make_announcement("A draft statement", status=Status.DRAFT)
    page = client.get(reverse("kb:home")).content.decode()
    assert "A published statement" in page
    assert "A draft statement" not in page


def test_the_home_page_counts_published_clauses_per_topic(client, cloud):
    make_clause(topics=[cloud])
    make_clause(make_announcement(status=Status.DRAFT), topics=[cloud])
    page = client.get(reverse("kb:home")).content.decode()
    assert re.search(r"Cloud exclusivity</a>\s*<span class=\"count\">1</span>", page)


def test_the_home_page_reuses_its_counts_on_the_next_load(client, django_assert_num_queries):
    make_clause(make_announcement(parties=[make_party()]), topics=[make_topic()])
    client.get(reverse("kb:home"))
    # The latest announcements and their parties, the public topics and parties.
    with django_assert_num_queries(4):
        response = client.get(reverse("kb:home"))
    assert response.status_code == 200


def test_a_party_unpublished_since_the_counts_were_cached_leaves_the_home_page_at_once(client):
    acme = make_party("Acme Robotics")
    announcement = make_announcement(parties=[acme])
    assert acme.get_absolute_url() in client.get(reverse("kb:home")).content.decode()
    announcement.status = Status.DRAFT
    announcement.save()
    assert acme.get_absolute_url() not in client.get(reverse("kb:home")).content.decode()


def test_the_home_page_lists_only_the_parties_named_most_often(client, monkeypatch):
    monkeypatch.setattr(public, "HOME_PARTIES", 1)
    busy, quiet = make_party("Busy Ltd"), make_party("Quiet Ltd")
    for _ in range(2):
        make_announcement(parties=[busy])
    make_announcement(parties=[quiet])
    page = client.get(reverse("kb:home")).content.decode()
    assert busy.get_absolute_url() in page
    assert quiet.get_absolute_url() not in page


# Announcement


def test_the_joint_statement_shows_its_seven_clauses_in_order_with_anchors(client, joint_statement):
    page = client.get(joint_statement.get_absolute_url()).content.decode()
    positions = [page.index(heading.replace("'", "&#x27;")) for heading in JOINT_STATEMENT_HEADINGS]
    assert positions == sorted(positions)
    for number in range(1, 8):
        assert f'id="clause-{number}"' in page
        assert f'href="#clause-{number}"' in page


def test_an_announcement_shows_effect_badges_source_and_credit(client, joint_statement):
    page = client.get(joint_statement.get_absolute_url()).content.decode()
    assert page.count('class="badge badge-reaffirmed"') == 7
    assert 'href="https://openai.com/index/continuing-microsoft-partnership/"' in page
    assert "Text from the seed data set." in page


def test_an_announcement_links_a_clause_to_the_clause_it_supersedes(client, joint_statement):
    earlier = joint_statement.clauses.get(position=4).supersedes
    page = client.get(joint_statement.get_absolute_url()).content.decode()
    assert f'href="{earlier.get_absolute_url()}"' in page


def test_an_earlier_clause_links_to_the_clause_that_superseded_it(client, joint_statement):
    later = joint_statement.clauses.get(position=4)
    page = client.get(later.supersedes.announcement.get_absolute_url()).content.decode()
    assert f'href="{later.get_absolute_url()}"' in page
    assert "Reaffirmed by:" in page


def test_a_link_to_an_unpublished_successor_is_not_shown(client):
    earlier = make_clause(make_announcement(date=dt.date(2020, 1, 1)))
    draft = make_clause(
        make_announcement(date=dt.date(2021, 1, 1), status=Status.DRAFT), supersedes=earlier
    )
    page = client.get(earlier.announcement.get_absolute_url()).content.decode()
    assert draft.get_absolute_url() not in page


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED])
def test_an_unpublished_announcement_is_not_found(client, status):
    announcement = make_announcement(status=status)
    assert client.get(announcement.get_absolute_url()).status_code == 404


def test_an_unknown_announcement_is_a_404_page_in_the_site_layout(client):
    response = client.get(reverse("kb:announcement", kwargs={"slug": "no-such-thing"}))
    assert response.status_code == 404
    assert "There is no published record at this address" in response.content.decode()


def test_clause_text_is_shown_as_text_not_html(client):
    clause = make_clause(text='<script>alert("x")</script><img src=x onerror=alert(1)>')
    for url in (clause.announcement.get_absolute_url(), clause.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;" in page


# Clause


def test_a_clause_page_shows_its_lineage_with_a_word_diff(client):
    first, second = make_lineage(2)
    page = client.get(second.get_absolute_url()).content.decode()
    lineage = page[page.index('id="lineage-heading"') :]
    assert lineage.index(first.heading) < lineage.index(second.heading)
    assert "<del>1.</del><ins>2.</ins>" in lineage


def test_a_clause_page_escapes_html_inside_its_diff(client):
    first = make_clause(make_announcement(date=dt.date(2020, 1, 1)), text="plain words")
    make_clause(
        make_announcement(date=dt.date(2021, 1, 1)),
        text="plain <script>alert(1)</script> words",
        supersedes=first,
    )
    page = client.get(first.get_absolute_url()).content.decode()
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in page
    assert "<script>alert" not in page


def test_a_clause_without_lineage_says_so(client):
    clause = make_clause()
    page = client.get(clause.get_absolute_url()).content.decode()
    assert "neither replaces nor is replaced" in page


def test_a_clause_page_offers_a_citation_with_its_permalink(client, joint_statement):
    clause = joint_statement.clauses.get(position=4)
    page = client.get(clause.get_absolute_url()).content.decode()
    citation = re.search(r'<output class="citation" id="citation">(.*?)</output>', page, re.S)
    assert citation
    assert "Microsoft and OpenAI." in citation[1]
    assert "Joint Statement from OpenAI and Microsoft" in citation[1]
    assert "clause 4" in citation[1]
    assert "https://openai.com/index/continuing-microsoft-partnership/" in citation[1]
    assert f"http://testserver{clause.get_absolute_url()}" in citation[1]


def test_a_clause_page_shows_the_effective_period_at_its_precision(client):
    clause = make_clause(
        effective_from=dt.date(2025, 10, 1),
        effective_from_precision=DatePrecision.MONTH,
        effective_until=dt.date(2032, 12, 31),
        effective_until_precision=DatePrecision.YEAR,
    )
    page = client.get(clause.get_absolute_url()).content.decode()
    assert "from October 2025, until 2032" in page


def test_a_clause_of_a_draft_is_not_found(client):
    clause = make_clause(make_announcement(status=Status.DRAFT))
    assert client.get(clause.get_absolute_url()).status_code == 404


def test_an_unknown_clause_is_not_found(client):
    assert client.get(reverse("kb:clause", kwargs={"pk": 999999})).status_code == 404


# Topic timeline


def test_a_topic_timeline_groups_clauses_by_date_oldest_first_unknown_last(client, cloud):
    make_clause(make_announcement(date=None), "Undated clause", topics=[cloud])
    make_clause(
        make_announcement(date=dt.date(2025, 10, 1), date_precision=DatePrecision.MONTH),
        "October clause",
        topics=[cloud],
    )
    make_clause(make_announcement(date=dt.date(2019, 7, 22)), "2019 clause", topics=[cloud])
    page = client.get(cloud.get_absolute_url()).content.decode()
    headings = re.findall(r"<h2><(?:time|span)[^>]*>(.*?)</(?:time|span)></h2>", page)
    assert headings == ["22 July 2019", "October 2025", "Date unknown"]
    assert page.index("2019 clause") < page.index("October clause") < page.index("Undated")


def test_a_topic_timeline_leaves_out_unpublished_clauses(client, cloud):
    make_clause(heading="Public clause", topics=[cloud])
    make_clause(make_announcement(status=Status.DRAFT), "Secret clause", topics=[cloud])
    page = client.get(cloud.get_absolute_url()).content.decode()
    assert "Public clause" in page
    assert "Secret clause" not in page


def test_a_topic_with_only_unpublished_clauses_is_not_found(client, cloud):
    make_clause(make_announcement(status=Status.DRAFT), topics=[cloud])
    assert client.get(cloud.get_absolute_url()).status_code == 404


# Party


def test_a_party_page_lists_its_announcements_and_the_clauses_binding_it(
    client, joint_statement, parties
):
    microsoft = parties[0]
    page = client.get(microsoft.get_absolute_url()).content.decode()
    assert "Joint Statement from OpenAI and Microsoft" in page
    assert "Our IP relationship continues unchanged." in page


def test_a_busy_party_page_lists_its_latest_announcements_and_links_to_the_rest(
    client, monkeypatch
):
    monkeypatch.setattr(records, "LATEST_ANNOUNCEMENTS", 2)
    busy = make_party("Busy Ltd")
    titles = [make_announcement(f"Statement number {n}", parties=[busy]).title for n in range(3)]
    page = client.get(busy.get_absolute_url()).content.decode()
    assert titles[2] in page and titles[1] in page and titles[0] not in page
    assert "The 2 latest of 3" in page
    assert f"{reverse('kb:search')}?party={busy.slug}" in page


def test_a_party_named_only_on_a_draft_is_not_found(client):
    secret = make_party("Secret partner")
    make_announcement(status=Status.DRAFT, parties=[secret])
    assert client.get(secret.get_absolute_url()).status_code == 404


# In force


@pytest.fixture
def cloud_terms(cloud, parties):
    """A term stated in 2019, amended in 2023 and removed in 2025."""
    microsoft, _ = parties
    first = make_clause(
        make_announcement(date=dt.date(2019, 7, 22), parties=parties),
        "Exclusive for all workloads",
        topics=[cloud],
    )
    amended = make_clause(
        make_announcement(date=dt.date(2023, 1, 23)),
        "Exclusive for APIs",
        topics=[cloud],
        parties=[microsoft],
        supersedes=first,
        effect=ClauseEffect.AMENDED,
    )
    make_clause(
        make_announcement(date=dt.date(2025, 10, 28)),
        "Exclusivity removed",
        topics=[cloud],
        supersedes=amended,
        effect=ClauseEffect.REMOVED,
    )
    return first, amended


def in_force_headings(client, **params):
    response = client.get(reverse("kb:in_force"), params)
    assert response.status_code == 200
    return re.findall(r'<h3><a href="/clauses/\d+/">(.*?)</a>', response.content.decode())


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2018-01-01", []),
        ("2020-06-01", ["Exclusive for all workloads"]),
        ("2024-06-01", ["Exclusive for APIs"]),
        ("2026-01-01", []),
    ],
    ids=["before", "first-version", "amended", "removed"],
)
def test_the_in_force_page_shows_the_terms_in_force_on_a_date(client, cloud_terms, day, expected):
    assert in_force_headings(client, on=day) == expected


def test_the_in_force_page_filters_by_party_and_topic(client, cloud_terms, parties, cloud):
    microsoft, openai = parties
    assert in_force_headings(client, on="2024-06-01", party=microsoft.slug) == [
        "Exclusive for APIs"
    ]
    assert in_force_headings(client, on="2024-06-01", topic=cloud.slug, party=openai.slug) == []


def test_the_in_force_page_defaults_to_today(client):
    make_clause(make_announcement(date=dt.date(2000, 1, 1)), "Old term")
    response = client.get(reverse("kb:in_force"))
    assert "Old term" in response.content.decode()
    assert response.context["on"] == dt.date.today()  # noqa: DTZ011


@pytest.mark.parametrize(
    "params",
    [{"on": "2024-13-45"}, {"on": "yesterday"}, {"party": "nobody"}, {"topic": "nothing"}],
    ids=["impossible-date", "words", "unknown-party", "unknown-topic"],
)
def test_bad_in_force_input_is_a_400_with_a_message(client, params):
    response = client.get(reverse("kb:in_force"), params)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


# Query counts: pinned, and the same with 1 row as with 50.

PAGES = {
    # From a cold cache: the two counts, then the latest announcements and their
    # parties, the public topics and parties (4 once the counts are cached).
    "home": (lambda data: reverse("kb:home"), 6),
    "announcement": (lambda data: data["shared"].get_absolute_url(), 7),
    "clause": (lambda data: data["lineage"][-1].get_absolute_url(), 7),
    "topic": (lambda data: data["topic"].get_absolute_url(), 7),
    "party": (lambda data: data["party"].get_absolute_url(), 8),
    # The two counts (cold cache) rank the parties the typed party filter suggests.
    "in_force": (lambda data: reverse("kb:in_force") + "?on=2100-01-01", 10),
    # The two counts and the suggested parties, the kind, year and party facets (the
    # kinds' counts add up to the total: no count query), the page and its parties.
    "announcements": (lambda data: reverse("kb:announcements"), 8),
    # The same and the party typed (found by its slug).
    "announcements_filtered": (
        lambda data: (
            f"{reverse('kb:announcements')}?kind=joint_statement&year=unknown"
            f"&party={data['party'].slug}"
        ),
        9,
    ),
    # The two counts, then the number of parties (or topics) and a page of them.
    "parties": (lambda data: reverse("kb:parties"), 4),
    "topics": (lambda data: reverse("kb:topics"), 4),
}


def build(count):
    """``count`` rows on every page: a lineage of ``count`` clauses, and ``count``
    clauses in one announcement, all on one topic and binding one party."""
    topic, party = make_topic(), make_party()
    lineage = make_lineage(count, topics=[topic], parties=[party])
    shared = make_announcement(parties=[party])
    for _ in range(count):
        make_clause(shared, topics=[topic], parties=[party])
    return {"lineage": lineage, "shared": shared, "topic": topic, "party": party}


@pytest.mark.parametrize("page", PAGES)
def test_the_number_of_queries_of_a_page_is_pinned(client, django_assert_num_queries, page):
    url, expected = PAGES[page]
    data = build(3)
    with django_assert_num_queries(expected):
        response = client.get(url(data))
    assert response.status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_the_number_of_queries_of_a_page_does_not_grow_with_rows(client, page):
    url, _ = PAGES[page]
    one = count_queries(client, url(build(1)))
    assert count_queries(client, url(build(50))) == one


def test_an_editors_preview_of_a_draft_says_it_is_not_public(admin_client):
    draft = make_announcement("Draft statement", status=Status.DRAFT)
    make_clause(draft, "Draft clause")
    url = reverse("admin:kb_announcement_preview", args=[workflow.preview_token(draft)])
    page = admin_client.get(url).content.decode()
    assert "Draft clause" in page
    assert "Preview: this announcement is draft." in page


def test_a_long_topic_timeline_is_paged(client, cloud, monkeypatch):
    monkeypatch.setattr(cards, "CLAUSES_PER_PAGE", 2)
    for _ in range(3):
        make_clause(topics=[cloud])
    page = client.get(cloud.get_absolute_url()).content.decode()
    assert 'rel="next" href="?page=2"' in page
    second = client.get(cloud.get_absolute_url(), {"page": 2}).content.decode()
    assert second.count('class="clause-card"') == 1


def card_headings(page: str) -> list[str]:
    return re.findall(
        r'<h3>(?:<a class="anchor"[^>]*>[^<]*</a> )?<a href="[^"]*">([^<]+)</a>', page
    )


def test_the_pages_of_a_topic_timeline_list_every_clause_once_in_order(client, cloud, monkeypatch):
    monkeypatch.setattr(cards, "CLAUSES_PER_PAGE", 2)
    for year, heading in [(2024, "Fourth"), (2019, "First"), (2021, "Third"), (2020, "Second")]:
        make_clause(make_announcement(date=dt.date(year, 1, 1)), heading, topics=[cloud])
    make_clause(make_announcement(date=None), "Undated", topics=[cloud])
    seen = [
        card_headings(client.get(cloud.get_absolute_url(), {"page": n}).content.decode())
        for n in (1, 2, 3)
    ]
    assert seen == [["First", "Second"], ["Third", "Fourth"], ["Undated"]]


def test_the_pages_of_a_party_page_list_every_clause_once_newest_first(client, monkeypatch):
    monkeypatch.setattr(cards, "CLAUSES_PER_PAGE", 2)
    party = make_party()
    for year in (2019, 2022, 2020):
        make_clause(make_announcement(date=dt.date(year, 1, 1)), f"Bound {year}", parties=[party])
    seen = [
        card_headings(client.get(party.get_absolute_url(), {"page": n}).content.decode())
        for n in (1, 2)
    ]
    assert seen == [["Bound 2022", "Bound 2020"], ["Bound 2019"]]


def test_a_deep_page_of_a_timeline_runs_the_queries_of_the_first(
    client, cloud, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(cards, "CLAUSES_PER_PAGE", 2)
    for _ in range(7):
        make_clause(topics=[cloud])
    with django_assert_num_queries(PAGES["topic"][1]):
        response = client.get(cloud.get_absolute_url(), {"page": 4})
    assert response.status_code == 200
    assert response.text.count('class="clause-card"') == 1


def test_a_long_list_counts_its_pages_only_up_to_a_cap(client, cloud, monkeypatch):
    monkeypatch.setattr(cards, "CLAUSES_PER_PAGE", 1)
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 2)
    for _ in range(4):
        make_clause(topics=[cloud])
    page = client.get(cloud.get_absolute_url()).content.decode()
    assert "Page 1 of 2+" in page


def test_a_clause_page_credits_its_source(client, joint_statement):
    page = client.get(joint_statement.clauses.get(position=1).get_absolute_url()).content.decode()
    assert '<p class="credit">Text from the seed data set.</p>' in page


# Browsing: announcements, parties, topics


def list_titles(page: str) -> list[str]:
    """The titles of an announcement list, in order."""
    block = page[page.index('<ul class="announcement-list">') :]
    block = block[: block.index("</ul>")]
    return re.findall(r'<li><a href="/announcements/[^"]+/">([^<]+)</a>', block)


def browse(client, name: str, **params) -> str:
    response = client.get(reverse(f"kb:{name}"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_announcements_page_lists_published_ones_newest_first_undated_last(client):
    make_announcement("Undated", date=None)
    make_announcement("Old", date=dt.date(2001, 5, 1))
    make_announcement("New", date=dt.date(2024, 5, 1))
    make_announcement("Draft", date=dt.date(2025, 1, 1), status=Status.DRAFT)
    assert list_titles(browse(client, "announcements")) == ["New", "Old", "Undated"]


def test_the_announcements_page_filters_by_kind_party_and_year_and_counts_each_choice(client):
    acme = make_party("Acme Robotics")
    make_announcement("Acme deal", date=dt.date(2020, 3, 1), kind="agreement", parties=[acme])
    make_announcement("Acme news", date=dt.date(2020, 6, 1), kind="press_release", parties=[acme])
    make_announcement("Other deal", date=dt.date(2021, 1, 1), kind="agreement")
    page = browse(client, "announcements", party=acme.slug)
    assert list_titles(page) == ["Acme news", "Acme deal"]
    # Each choice counts what it would show with the other filters kept.
    assert '<option value="agreement">Agreement (1)</option>' in page
    assert '<option value="2020">2020 (2)</option>' in page
    assert '<option value="2021">' not in page
    page = browse(client, "announcements", kind="agreement")
    assert list_titles(page) == ["Other deal", "Acme deal"]
    assert '<option value="press_release">Press release (1)</option>' in page
    assert "1–2 of 2 announcements" in page
    assert list_titles(browse(client, "announcements", kind="agreement", year="2020")) == [
        "Acme deal"
    ]


def test_the_announcements_page_names_the_parties_named_most_often(client, monkeypatch):
    monkeypatch.setattr(browse_views, "PARTY_FACETS", 1)
    busy, quiet = make_party("Busy Ltd"), make_party("Quiet Ltd")
    make_announcement(parties=[busy])
    make_announcement(parties=[busy, quiet])
    page = browse(client, "announcements")
    facets = page[page.index('id="party-facets-title"') : page.index("</aside>")]
    assert f'href="?party={busy.slug}">Busy Ltd</a> <span class="count">2</span>' in facets
    assert "Quiet Ltd" not in facets


def test_a_published_statement_of_unknown_date_is_found_by_browsing(client):
    """CUAD's dated contracts fill "Latest announcements": the undated statement is
    listed under "Date unknown", with its count, on the announcements page."""
    statement = make_announcement("Joint statement without a date", date=None)
    for day in range(1, records.LATEST_ANNOUNCEMENTS + 2):
        make_announcement(f"Contract {day}", date=dt.date(2019, 1, day), kind="agreement")
    home = browse(client, "home")
    assert statement.title not in home
    assert f'href="{reverse("kb:announcements")}?year=unknown"' in home
    page = browse(client, "announcements")
    assert '<option value="unknown">Date unknown (1)</option>' in page
    assert list_titles(browse(client, "announcements", year="unknown")) == [statement.title]


def test_the_announcements_page_is_paged(client, monkeypatch):
    monkeypatch.setattr(browse_views, "ANNOUNCEMENTS_PER_PAGE", 2)
    for year in (2001, 2002, 2003):
        make_announcement(f"Statement of {year}", date=dt.date(year, 1, 1), kind="agreement")
    first = browse(client, "announcements", kind="agreement")
    assert list_titles(first) == ["Statement of 2003", "Statement of 2002"]
    assert 'rel="next" href="?kind=agreement&amp;page=2"' in first
    second = browse(client, "announcements", kind="agreement", page=2)
    assert list_titles(second) == ["Statement of 2001"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"year": "soon"}, "A year is four digits"),
        ({"party": "nobody"}, "No published record names a party called “nobody”"),
        ({"kind": "poem"}, "Select a valid choice"),
    ],
    ids=["year", "party", "kind"],
)
def test_a_bad_announcement_filter_is_a_400_that_says_why(client, params, message):
    response = client.get(reverse("kb:announcements"), params)
    assert response.status_code == 400
    assert message in response.content.decode()


def test_a_party_named_only_on_a_draft_is_neither_a_filter_nor_a_suggestion(client):
    secret = make_party("Secret partner")
    make_announcement(status=Status.DRAFT, parties=[secret])
    make_announcement(parties=[make_party("Public partner")])
    page = browse(client, "announcements")
    assert "Public partner" in page
    assert "Secret partner" not in page
    assert client.get(reverse("kb:announcements"), {"party": "secret"}).status_code == 400


def test_the_parties_page_lists_public_parties_a_to_z_with_their_announcements(client):
    zeta, alpha = make_party("zeta Labs"), make_party("Alpha Corp")
    bound_only = make_party("Bound Only")
    make_party("Unused Inc")
    make_announcement(parties=[zeta, alpha])
    make_announcement(parties=[zeta])
    make_clause(parties=[bound_only])
    make_announcement(status=Status.DRAFT, parties=[make_party("Secret partner")])
    page = browse(client, "parties")
    rows = re.findall(
        r'<li><a href="/parties/[^"]+/">([^<]+)</a> <span class="count">([^<]+)<', page
    )
    assert rows == [
        ("Alpha Corp", "1 announcement"),
        ("Bound Only", "0 announcements"),
        ("zeta Labs", "2 announcements"),
    ]


def test_the_topics_page_lists_public_topics_a_to_z_with_their_clauses(client, cloud):
    ip = make_topic("IP licence", description="Who may use whose inventions.")
    make_clause(topics=[cloud, ip])
    make_clause(topics=[ip])
    make_clause(make_announcement(status=Status.DRAFT), topics=[make_topic("Secret topic")])
    page = browse(client, "topics")
    rows = re.findall(
        r'<li><a href="/topics/[^"]+/">([^<]+)</a> <span class="count">([^<]+)<', page
    )
    assert rows == [("Cloud exclusivity", "1 clause"), ("IP licence", "2 clauses")]
    assert "Who may use whose inventions." in page


@pytest.mark.parametrize("name", ["parties", "topics"])
def test_the_parties_and_topics_pages_are_paged(client, monkeypatch, name):
    monkeypatch.setattr(browse_views, "NAMES_PER_PAGE", 2)
    for letter in "CAB":
        make_clause(
            make_announcement(parties=[make_party(f"{letter} party")]),
            topics=[make_topic(f"{letter} topic")],
        )
    first, second = browse(client, name), browse(client, name, page=2)
    assert 'rel="next" href="?page=2"' in first
    assert first.index("A ") < first.index("B ")
    assert "C " not in first
    assert f"C {name[0]}" in second.replace("C party", "C p").replace("C topic", "C t")


@pytest.mark.parametrize(("name", "summary"), [("parties", "2+ parties"), ("topics", "2+ topics")])
def test_the_parties_and_topics_pages_say_when_their_count_is_capped(
    client, monkeypatch, name, summary
):
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 2)
    for letter in "CAB":
        make_clause(
            make_announcement(parties=[make_party(f"{letter} party")]),
            topics=[make_topic(f"{letter} topic")],
        )
    assert summary in browse(client, name)


def test_the_in_force_page_says_when_its_count_is_capped(client, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 2)
    for _ in range(3):
        make_clause()
    page = client.get(reverse("kb:in_force")).text
    assert "2+ terms" in page


def test_the_browse_pages_are_linked_from_the_header_and_the_home_page(client):
    page = browse(client, "home")
    header = page[page.index('<nav class="site-nav"') : page.index("</nav>")]
    main = page[page.index("<main") :]
    for name in ("announcements", "topics", "parties"):
        assert f'href="{reverse(f"kb:{name}")}"' in header
        assert f'href="{reverse(f"kb:{name}")}"' in main
    current = browse(client, "topics")
    assert f'<a href="{reverse("kb:topics")}" aria-current="page">Topics</a>' in current


# Shared URLs


@pytest.mark.parametrize(
    ("name", "given", "short"),
    [
        ("announcements", "?kind=&party=&year=2020", "?year=2020"),
        ("announcements", "?kind=&party=&year=", ""),
        ("in_force", "?on=2024-06-01&party=&topic=", "?on=2024-06-01"),
        (
            "search",
            "?q=cloud&type=&kind=&effect=&date_from=&sort=relevance",
            "?q=cloud&sort=relevance",
        ),
    ],
    ids=["announcements", "announcements-all-empty", "in-force", "search"],
)
def test_a_url_with_empty_parameters_redirects_to_one_without(client, name, given, short):
    response = client.get(reverse(f"kb:{name}") + given)
    assert response.status_code == 302
    assert response.url == reverse(f"kb:{name}") + short


def test_an_export_keeps_its_empty_parameters(client):
    make_clause(heading="Cloud clause", text="cloud")
    response = client.get(reverse("kb:search") + "?q=cloud&kind=&format=csv")
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["announcements", "in_force"])
def test_a_party_typed_by_name_or_part_of_it_redirects_to_its_slug(client, parties, name):
    make_announcement(parties=parties)
    for typed in ("Microsoft", "MICROSOFT", "crosof"):
        response = client.get(reverse(f"kb:{name}"), {"party": typed})
        assert response.status_code == 302
        assert response.url == f"{reverse(f'kb:{name}')}?party=microsoft"


def test_a_party_typed_that_matches_several_lists_them_as_links(client):
    make_announcement(parties=[make_party("Acme Robotics"), make_party("Acme Foods")])
    response = client.get(reverse("kb:in_force"), {"on": "2024-06-01", "party": "acme"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "“acme” matches 2 parties" in page
    assert 'href="?on=2024-06-01&amp;party=acme-foods">Acme Foods</a>' in page
    assert 'href="?on=2024-06-01&amp;party=acme-robotics">Acme Robotics</a>' in page


# Valid HTML


@pytest.mark.parametrize("page", ["topic", "party", "in_force"])
def test_clause_ids_are_unique_on_a_page_of_several_announcements(client, cloud, page):
    party = make_party()
    for _ in range(2):
        make_clause(make_announcement(parties=[party]), position=1, topics=[cloud])
    url = {
        "topic": cloud.get_absolute_url(),
        "party": party.get_absolute_url(),
        "in_force": reverse("kb:in_force"),
    }[page]
    ids = re.findall(r'\bid="([^"]+)"', client.get(url).content.decode())
    assert len(ids) == len(set(ids))
    assert "clause-1" not in ids


def test_an_announcement_page_keeps_its_clause_anchors(client, joint_statement):
    page = client.get(joint_statement.get_absolute_url()).content.decode()
    assert re.findall(r'<article class="clause-card" id="([^"]+)"', page) == [
        f"clause-{n}" for n in range(1, 8)
    ]


def test_dates_are_machine_readable_at_their_precision_and_unknown_ones_are_not_times(client):
    month = make_announcement(date=dt.date(2025, 10, 1), date_precision=DatePrecision.MONTH)
    year = make_announcement(date=dt.date(2032, 1, 1), date_precision=DatePrecision.YEAR)
    undated = make_announcement(date=None)
    assert '<time datetime="2025-10">October 2025</time>' in browse(client, "announcements")
    assert '<time datetime="2025-10">' in client.get(month.get_absolute_url()).content.decode()
    assert '<time datetime="2032">2032</time>' in client.get(year.get_absolute_url()).text
    page = client.get(undated.get_absolute_url()).content.decode()
    assert '<span class="date-unknown">Date unknown</span>' in page
    assert "<time" not in page[page.index("<main") :]


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("in_force", {"on": "notadate"}),
        ("in_force", {"on": "2024-13-45"}),
        ("search", {"q": "cloud", "in_force_on": "notadate"}),
    ],
    ids=["in-force-words", "in-force-impossible", "search"],
)
def test_a_refused_date_is_not_echoed_into_a_date_input(client, name, params):
    response = client.get(reverse(f"kb:{name}"), params)
    assert response.status_code == 400
    date_inputs = re.findall(r'<input[^>]*type="date"[^>]*>', response.content.decode())
    assert date_inputs
    for tag in date_inputs:
        assert "value=" not in tag or 'value=""' in tag


def test_a_valid_date_is_echoed_into_the_search_date_input(client):
    page = client.get(reverse("kb:search"), {"q": "cloud", "in_force_on": "2024-06-01"}).text
    assert 'value="2024-06-01"' in page


# The in-force page's party filter and the active filters


def test_the_in_force_party_filter_is_a_typed_input_suggesting_the_busiest_parties(
    client, monkeypatch
):
    monkeypatch.setattr(public, "PARTY_SUGGESTIONS", 2)
    busy, busier, quiet = make_party("Busy"), make_party("Busier"), make_party("Quiet")
    make_announcement(parties=[busy, busier, quiet])
    make_announcement(parties=[busy, busier])
    page = browse(client, "in_force")
    assert '<select name="party"' not in page
    assert re.search(
        r'<input type="text" name="party" id="id_party" list="party-suggestions"', page
    )
    datalist = page[page.index('<datalist id="party-suggestions">') :]
    datalist = datalist[: datalist.index("</datalist>")]
    assert re.findall(r'<option value="([^"]+)">', datalist) == ["Busier", "Busy"]


def test_the_in_force_page_shows_the_chosen_party_by_name(client, cloud_terms, parties):
    page = browse(client, "in_force", on="2024-06-01", party="microsoft")
    assert 'name="party" id="id_party" list="party-suggestions" value="Microsoft"' in page
    assert "Exclusive for APIs" in page


def active_chips(page: str) -> dict[str, str]:
    """The active filter chips: what each says, and where its link goes."""
    return {
        label: html.unescape(href)
        for href, label in re.findall(
            r'<a class="chip chip-remove" href="([^"]*)"><span class="visually-hidden">'
            r"Remove the filter </span>(.*?)<span",
            page,
        )
    }


def test_the_in_force_filters_are_chips_that_each_remove_one(client, cloud_terms, cloud):
    page = browse(client, "in_force", on="2024-06-01", party="microsoft", topic=cloud.slug)
    url = reverse("kb:in_force")
    assert active_chips(page) == {
        "Date: 1 June 2024": f"{url}?party=microsoft&topic={cloud.slug}",
        "Party: Microsoft": f"{url}?on=2024-06-01&topic={cloud.slug}",
        "Topic: Cloud exclusivity": f"{url}?on=2024-06-01&party=microsoft",
    }
    assert f'<a class="clear-filters" href="{url}">' in page


def test_the_search_filters_are_chips_that_each_remove_one(client, joint_statement, cloud):
    page = client.get(
        reverse("kb:search"),
        {"q": "azure", "kind": "joint_statement", "topic": cloud.slug, "date_from": "2019"},
    ).content.decode()
    url = reverse("kb:search")
    assert active_chips(page) == {
        "Kind: Joint statement": f"{url}?q=azure&topic={cloud.slug}&date_from=2019",
        "Topic: Cloud exclusivity": f"{url}?q=azure&kind=joint_statement&date_from=2019",
        "From: 2019": f"{url}?q=azure&kind=joint_statement&topic={cloud.slug}",
    }
    assert f'<a class="clear-filters" href="{url}?q=azure">' in page


def test_a_search_without_filters_shows_no_chips(client, joint_statement):
    page = client.get(reverse("kb:search"), {"q": "azure"}).content.decode()
    assert 'class="active-filters"' not in page


def test_a_refused_filter_is_still_a_chip_that_removes_it(client):
    page = client.get(reverse("kb:search"), {"q": "azure", "date_from": "soon"}).text
    assert active_chips(page) == {"From: soon": f"{reverse('kb:search')}?q=azure"}


# Topic page: its size, its order, a search inside it


def test_a_topic_page_says_how_many_clauses_it_has(client, cloud, monkeypatch):
    monkeypatch.setattr(cards, "CLAUSES_PER_PAGE", 2)
    for _ in range(3):
        make_clause(topics=[cloud])
    make_clause(make_announcement(status=Status.DRAFT), topics=[cloud])
    assert "3 published clauses, oldest first" in client.get(cloud.get_absolute_url()).text


def test_a_topic_timeline_sorts_newest_first_on_request_undated_still_last(client, cloud):
    make_clause(make_announcement(date=None), "Undated", topics=[cloud])
    make_clause(make_announcement(date=dt.date(2019, 1, 1)), "Older", topics=[cloud])
    make_clause(make_announcement(date=dt.date(2024, 1, 1)), "Newer", topics=[cloud])
    oldest = client.get(cloud.get_absolute_url()).content.decode()
    newest = client.get(cloud.get_absolute_url(), {"sort": "newest"}).content.decode()
    assert card_headings(oldest) == ["Older", "Newer", "Undated"]
    assert card_headings(newest) == ["Newer", "Older", "Undated"]
    assert '<a href="?sort=newest" aria-current="true">Newest first</a>' in newest
    assert '<a href="?" aria-current="true">Oldest first</a>' in oldest


def test_a_topic_sort_that_does_not_exist_is_a_400(client, cloud):
    make_clause(topics=[cloud])
    assert client.get(cloud.get_absolute_url(), {"sort": "sideways"}).status_code == 400


def test_a_topic_page_searches_within_its_topic(client, cloud):
    make_clause(heading="Cloud term", text="Azure hosts the APIs.", topics=[cloud])
    make_clause(heading="Other term", text="Azure hosts nothing else.")
    page = client.get(cloud.get_absolute_url()).content.decode()
    form = page[page.index('<form class="filters topic-search"') :]
    form = form[: form.index("</form>")]
    assert f'action="{reverse("kb:search")}"' in form
    assert f'<input type="hidden" name="topic" value="{cloud.slug}">' in form
    assert 'name="q"' in form
    results = client.get(reverse("kb:search"), {"topic": cloud.slug, "q": "azure"}).text
    assert "Cloud term" in results
    assert "Other term" not in results
