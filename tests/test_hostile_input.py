"""Hostile query strings at every page that reads its parameters: the search page and
its exports, the API's lists, both feeds, the in-force page, the topic and party
pages and the lists of announcements, topics and parties. Whatever arrives (any text,
any bytes percent-encoded into the URL, invalid UTF-8, NUL, any mix of filters), the
answer is a page or a clear error, never a 500; an unpublished record never shows;
stored markup never reaches an HTML page as markup.
"""

import xml.etree.ElementTree as ET
from urllib.parse import parse_qsl, quote_from_bytes, urlsplit

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.models import Status
from tests.factories import make_announcement, make_clause, make_party, make_topic

pytestmark = pytest.mark.django_db

# In every unpublished record, and nowhere else.
MARKER = "quokkaunreleased"
UNPUBLISHED_PHRASES = [
    f"Secret heading {MARKER}",
    f"The secret {MARKER} term binds",
    f"Secret announcement {MARKER}",
    f"Partner {MARKER.title()}",
    f"Topic {MARKER.title()}",
]
SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
RAW_MARKUP = ["<script>alert(1)", "<img src=x", "onerror=alert(1)>"]
NOT_HTML = {"application/json", "text/csv", "application/atom+xml", "text/plain"}

PAGES = {
    "search": lambda: reverse("kb:search"),
    "search facets": lambda: reverse("kb:search_facets"),
    "api clauses": lambda: reverse("api:clauses"),
    "api announcements": lambda: reverse("api:announcements"),
    "api topics": lambda: reverse("api:topics"),
    "api parties": lambda: reverse("api:parties"),
    "search feed": lambda: reverse("kb:feed_search"),
    "announcement feed": lambda: reverse("kb:feed_announcements"),
    "in force": lambda: reverse("kb:in_force"),
    "topic": lambda: reverse("kb:topic", args=["escrow"]),
    "party": lambda: reverse("kb:party", args=["acme"]),
    "announcements": lambda: reverse("kb:announcements"),
    "topics": lambda: reverse("kb:topics"),
    "parties": lambda: reverse("kb:parties"),
}
PARAMETERS = ["q", "party", "topic", "kind", "effect", "date_from", "date_to", "in_force_on"]
PARAMETERS += ["sort", "format", "page", "per_page", "page_size", "on", "year"]
# Values that reach past the form into the queries: real slugs and choices, the
# marker (a search for it must find nothing), words of the markup clause.
MEANINGFUL = [
    MARKER,
    f"partner-{MARKER}",
    f"topic-{MARKER}",
    "acme",
    "escrow",
    "csv",
    "json",
    "xml",
    "relevance",
    "newest",
    "oldest",
    "agreement",
    "joint_statement",
    "new",
    "amended",
    "2025",
    "2025-05",
    "2025-05-01",
    "October 2025",
    "0",
    "-1",
    "2",
    "99999999999999999999",
    "alert",
    "script",
    "onerror",
    '"escrow agent"',
    "escrow OR",
    "NEAR(",
    "*",
    "\x00",
    "\x0c",
]
VALUES = st.one_of(st.sampled_from(MEANINGFUL), st.text(max_size=40))
# What reaches the URL: those values as UTF-8, or any bytes (invalid UTF-8 too).
URL_VALUES = st.one_of(VALUES.map(str.encode), st.binary(max_size=40))


@pytest.fixture
def records():
    acme = make_party("Acme", slug="acme")
    escrow = make_topic("Escrow", slug="escrow")
    published = make_announcement("Escrow terms", parties=[acme])
    make_clause(
        published,
        f"Escrow {SCRIPT}",
        f"The escrow agent holds the code. {SCRIPT} {IMAGE}",
        topics=[escrow],
        parties=[acme],
    )
    secret_party = make_party(UNPUBLISHED_PHRASES[3], slug=f"partner-{MARKER}")
    secret_topic = make_topic(UNPUBLISHED_PHRASES[4], slug=f"topic-{MARKER}")
    for status in (Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED):
        hidden = make_announcement(
            UNPUBLISHED_PHRASES[2],
            slug=f"secret-{status}",
            status=status,
            parties=[secret_party, acme],
            summary=f"escrow {MARKER}",
        )
        make_clause(
            hidden,
            UNPUBLISHED_PHRASES[0],
            f"{UNPUBLISHED_PHRASES[1]}: escrow agent alert script.",
            topics=[escrow, secret_topic],
            parties=[secret_party],
        )


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", errors="replace")
    return response.content.decode("utf-8", errors="replace")


def answer(client, url: str):
    """The page at ``url``, after at most one redirect: the page's own URL without
    its empty parameters, or with a party's slug for its name."""
    response = client.get(url)
    if response.status_code == 302:
        location = response["Location"]
        assert urlsplit(location).path == urlsplit(url).path
        assert not any(value == "" for _, value in parse_qsl(urlsplit(location).query, True))
        response = client.get(location)
    return response


def check_response(response, sent: str) -> None:
    assert response.status_code in {200, 400, 404}, response.status_code
    body = body_of(response)
    for phrase in UNPUBLISHED_PHRASES:
        assert phrase not in body
    if MARKER not in sent:  # the page may repeat what was asked, but nothing else
        assert MARKER not in body.lower()
    content_type = response.get("Content-Type", "")
    if "html" in content_type:
        for markup in RAW_MARKUP:
            assert markup not in body
    else:
        # JSON, CSV and Atom may carry the stored markup as data, never as a page.
        assert content_type.split(";")[0] in NOT_HTML
    if content_type.startswith("application/atom+xml"):
        # An Atom text construct is HTML for a feed reader unless it says it is plain
        # text: the feeds' summaries do, and carry markup as text.
        feed = ET.fromstring(body)  # noqa: S314 (our own output)
        for summary in feed.iter("{http://www.w3.org/2005/Atom}summary"):
            assert summary.get("type") == "text"


HYPOTHESIS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@HYPOTHESIS
@given(
    page=st.sampled_from(list(PAGES)),
    params=st.dictionaries(st.sampled_from(PARAMETERS), URL_VALUES, max_size=5),
)
def test_any_text_or_bytes_in_any_parameters_give_a_page_or_a_clear_error(
    client, records, page, params
):
    query = "&".join(f"{name}={quote_from_bytes(value)}" for name, value in params.items())
    response = answer(client, f"{PAGES[page]()}?{query}")
    sent = " ".join(value.decode("utf-8", errors="replace") for value in params.values())
    check_response(response, sent.lower())


@HYPOTHESIS
@given(
    export=st.sampled_from(["csv", "json"]),
    params=st.dictionaries(st.sampled_from(PARAMETERS[:9]), VALUES, max_size=4),
)
def test_any_search_exported_keeps_unpublished_records_out(client, records, export, params):
    response = client.get(reverse("kb:search"), {**params, "format": export})
    check_response(response, str(params).lower())


@pytest.mark.parametrize("page", list(PAGES))
def test_a_search_for_the_markup_shows_it_as_text(client, records, page):
    response = client.get(PAGES[page](), {"q": "escrow alert"})
    assert response.status_code == 200
    check_response(response, "escrow alert")


@pytest.mark.parametrize("export", ["csv", "json"])
def test_an_export_carries_markup_as_data_in_a_non_html_type(client, records, export):
    response = client.get(reverse("kb:search"), {"q": "escrow", "format": export})
    assert response.status_code == 200
    assert "html" not in response["Content-Type"]
    assert SCRIPT in body_of(response).replace('""', '"')


@pytest.mark.parametrize("page", ["search", "api clauses", "search feed"])
def test_a_search_for_the_marker_finds_nothing_unpublished(client, records, page):
    response = client.get(PAGES[page](), {"q": MARKER})
    assert response.status_code == 200
    body = body_of(response)
    for phrase in UNPUBLISHED_PHRASES:
        assert phrase not in body
