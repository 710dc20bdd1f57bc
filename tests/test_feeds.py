import datetime as dt
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import Max
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kb.feeds import FEED_AUTHOR, KbAtomFeed
from kb.models import ClauseEffect, Status
from kb.search.models import SearchChange
from tests.factories import index_now, make_announcement, make_clause, make_party, make_topic

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def parse_feed(content: bytes) -> ET.Element:
    """The feed as an XML parser reads it (a document that is not well-formed XML
    fails here), checked for what RFC 4287 requires of authors: one on the feed, or
    one on every entry."""
    feed = ET.fromstring(content)  # noqa: S314 (our own output)
    assert feed.tag == f"{ATOM}feed"
    if feed.find(f"{ATOM}author") is None:
        assert all(entry.find(f"{ATOM}author") for entry in feed.findall(f"{ATOM}entry"))
    for author in feed.iter(f"{ATOM}author"):
        assert author.findtext(f"{ATOM}name")
    return feed


def get_feed(client, url, params=None) -> ET.Element:
    response = client.get(url, params or {})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return parse_feed(response.content)


def entries(client, url, params=None):
    feed = get_feed(client, url, params)
    return [
        (entry.findtext(f"{ATOM}title"), entry.find(f"{ATOM}link").get("href"))
        for entry in feed.findall(f"{ATOM}entry")
    ]


def test_the_announcement_feed_lists_published_announcements_newest_published_first(client):
    now = timezone.now()
    older = make_announcement("Older", published_at=now - dt.timedelta(days=2))
    newer = make_announcement("Newer", published_at=now - dt.timedelta(days=1))
    make_announcement("Draft", status=Status.DRAFT)
    assert entries(client, reverse("kb:feed_announcements")) == [
        ("Newer", f"http://testserver{newer.get_absolute_url()}"),
        ("Older", f"http://testserver{older.get_absolute_url()}"),
    ]


def test_the_announcement_feed_escapes_titles(client):
    make_announcement("<script>alert(1)</script> & more")
    response = client.get(reverse("kb:feed_announcements"))
    assert b"<script>" not in response.content
    assert entries(client, reverse("kb:feed_announcements"))[0][0] == (
        "<script>alert(1)</script> & more"
    )


def summaries_as_a_reader_renders_them(client, url, params=None):
    """Each entry's summary after XML parsing, with its type: with type="text", what a
    feed reader shows as it is."""
    feed = get_feed(client, url, params)
    return [(summary.get("type"), summary.text) for summary in feed.iter(f"{ATOM}summary")]


FEEDS = ["kb:feed_announcements", "kb:feed_search"]


@pytest.mark.parametrize("feed", FEEDS)
def test_markup_in_summaries_reaches_feed_readers_as_text(client, feed):
    announcement = make_announcement(summary="<script>alert(1)</script> & more")
    make_clause(announcement, "Escrow", "<img src=x onerror=alert(1)> & more")
    (kind, text), *_ = summaries_as_a_reader_renders_them(client, reverse(feed))
    assert kind == "text"
    assert text in {"<script>alert(1)</script> & more", "<img src=x onerror=alert(1)> & more"}


@pytest.mark.parametrize("feed", FEEDS)
def test_a_summary_is_escaped_once(client, feed):
    announcement = make_announcement(summary="The Licensee's rights & duties.")
    make_clause(announcement, "Grant", "The Licensee's rights & duties.")
    response = client.get(reverse(feed))
    assert b"Licensee's rights &amp; duties." in response.content
    assert b"&amp;#x27;" not in response.content and b"&amp;amp;" not in response.content
    assert summaries_as_a_reader_renders_them(client, reverse(feed)) == [
        ("text", "The Licensee's rights & duties.")
    ]


@pytest.mark.parametrize("query", ["\x00", "escrow\x01\x0c", "\x1f"])
def test_a_search_with_control_characters_still_gets_a_feed(client, query):
    make_clause(heading="Escrow", text="The escrow agent.")
    response = client.get(reverse("kb:feed_search"), {"q": query})
    assert response.status_code == 200


def test_control_characters_in_a_clause_are_left_out_of_the_feed(client):
    make_clause(heading="Escrow\x0b", text="The escrow\x0c agent.")
    (_, text), *_ = summaries_as_a_reader_renders_them(client, reverse("kb:feed_search"))
    assert text == "The escrow agent."


# What XML 1.0 forbids, as Django lets it through or refuses it (a 500).
FORBIDDEN = ["\x00", "\x01", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff"]


@pytest.mark.parametrize("char", FORBIDDEN, ids=[f"U+{ord(c):04X}" for c in FORBIDDEN])
def test_forbidden_characters_in_stored_texts_and_names_are_left_out_of_every_feed(client, char):
    if char == "\x00" and connection.vendor == "postgresql":
        pytest.skip("PostgreSQL text cannot hold NUL")
    party = make_party(f"Acme{char} Corp", slug="acme")
    topic = make_topic(f"Escrow{char} terms", slug="escrow")
    announcement = make_announcement(f"Deal{char}", summary=f"On{char} escrow.", parties=[party])
    make_clause(announcement, f"Escrow{char}", f"The escrow{char} agent.", topics=[topic])
    announcements = get_feed(client, reverse("kb:feed_announcements"))
    (entry,) = announcements.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Deal"
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Acme Corp"
    assert entry.findtext(f"{ATOM}summary") == "On escrow."
    search = get_feed(client, reverse("kb:feed_search"))
    (entry,) = search.findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == "Escrow (Deal)"
    assert entry.find(f"{ATOM}category").get("term") == "Escrow terms"
    assert entry.findtext(f"{ATOM}summary") == "The escrow agent."


@pytest.mark.parametrize("char", FORBIDDEN, ids=[f"U+{ord(c):04X}" for c in FORBIDDEN])
def test_forbidden_characters_in_a_search_leave_a_well_formed_feed(client, char):
    make_clause(heading="Escrow", text="The escrow agent.")
    feed = get_feed(client, reverse("kb:feed_search"), {"q": f"escrow{char}", "x": char})
    assert feed.findtext(f"{ATOM}title") == "kb: clauses matching “escrow”"
    for link in feed.findall(f"{ATOM}link"):
        assert char not in link.get("href")


@pytest.mark.parametrize(
    "char", ["\x08", "\ud800", "\udfff", "\ufffe"], ids=["U+0008", "U+D800", "U+DFFF", "U+FFFE"]
)
def test_the_feed_writer_drops_every_character_xml_forbids_wherever_it_is(char):
    feed = KbAtomFeed(
        title=f"Feed{char}",
        link="https://kb.example/",
        description="",
        author_name=f"kb{char}",
        categories=[f"topic{char}"],
    )
    feed.add_item(
        title=f"Entry{char}",
        link="https://kb.example/e",
        description=f"Text{char}",
        author_name=f"Acme{char}",
        categories=[f"cat{char}"],
    )
    written = feed.writeString("utf-8")
    root = parse_feed(written.encode("utf-8", errors="surrogatepass"))
    assert char not in written
    assert root.findtext(f"{ATOM}title") == "Feed"
    assert root.findtext(f"{ATOM}entry/{ATOM}summary") == "Text"


@pytest.mark.parametrize("feed", FEEDS)
def test_every_feed_has_an_author_even_for_entries_without_parties(client, feed):
    make_clause(make_announcement("No parties"), "Escrow", "The escrow agent.")
    root = get_feed(client, reverse(feed))
    assert root.findtext(f"{ATOM}author/{ATOM}name") == FEED_AUTHOR


def test_the_search_feed_follows_the_search_filters(client):
    cloud = make_topic("Cloud")
    make_clause(heading="On cloud", topics=[cloud])
    make_clause(heading="Elsewhere")
    make_clause(make_announcement(status=Status.DRAFT), heading="Draft on cloud", topics=[cloud])
    titles = [title for title, _ in entries(client, reverse("kb:feed_search"), {"topic": "cloud"})]
    assert len(titles) == 1
    assert titles[0].startswith("On cloud")


def test_the_search_feed_links_back_to_the_same_search(client):
    make_clause(effect=ClauseEffect.AMENDED)
    response = client.get(reverse("kb:feed_search"), {"effect": "amended"})
    feed = ET.fromstring(response.content)  # noqa: S314 (our own output)
    alternate = feed.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert alternate == "http://testserver" + reverse("kb:search") + "?effect=amended"


def test_a_bad_search_feed_parameter_is_a_400(client):
    response = client.get(reverse("kb:feed_search"), {"date_from": "tomorrow-ish"})
    assert response.status_code == 400
    assert b"date_from" in response.content


@pytest.mark.parametrize("name", ["kb:feed_announcements", "kb:feed_search"])
def test_the_number_of_queries_of_a_feed_does_not_grow_with_items(client, name):
    def add(count):
        for _ in range(count):
            party = make_party()
            make_clause(make_announcement(parties=[party]), topics=[make_topic()], parties=[party])

    add(1)
    index_now()  # both requests search an index that is up to date
    with CaptureQueriesContext(connection) as one:
        client.get(reverse(name))
    add(49)
    index_now()
    with CaptureQueriesContext(connection) as fifty:
        client.get(reverse(name))
    assert len(fifty) == len(one)


# Conditional GET -----------------------------------------------------------------------


@pytest.fixture
def quiet_since_an_hour():
    """A published announcement with a clause, changed last an hour ago (the change
    log's dates set back: every test's changes happen within the same second)."""
    party = make_party("Acme")
    announcement = make_announcement("Deal", parties=[party])
    make_clause(announcement, "Escrow", "The escrow agent.")
    an_hour_ago = timezone.now() - dt.timedelta(hours=1)
    SearchChange.objects.update(created_at=an_hour_ago)
    return SimpleNamespace(
        announcement=announcement, party=party, changed_at=an_hour_ago.replace(microsecond=0)
    )


def fetch(client, name, since=None, **params):
    headers = {"If-Modified-Since": since} if since else {}
    return client.get(reverse(name), params, headers=headers)


@pytest.mark.parametrize("feed", FEEDS)
def test_a_feed_is_dated_by_the_last_change_and_answers_304_while_nothing_changes(
    client, quiet_since_an_hour, feed
):
    first = fetch(client, feed)
    assert parsedate_to_datetime(first["Last-Modified"]) == quiet_since_an_hour.changed_at
    again = fetch(client, feed, since=first["Last-Modified"])
    assert again.status_code == 304
    assert again.content == b""
    assert fetch(client, feed, since="Thu, 01 Jan 2015 00:00:00 GMT").status_code == 200


def retract(records):
    records.announcement.status = Status.RETRACTED
    records.announcement.save()


def rename_party(records):
    records.party.name = "Acme Renamed"
    records.party.save()


def publish_another(records):
    make_announcement("Another deal")


@pytest.mark.parametrize("feed", FEEDS)
@pytest.mark.parametrize("change", [retract, rename_party, publish_another])
def test_a_feed_answers_in_full_after_a_change_even_one_that_removes_an_entry(
    client, quiet_since_an_hour, feed, change
):
    since = fetch(client, feed)["Last-Modified"]
    change(quiet_since_an_hour)
    response = fetch(client, feed, since=since)
    assert response.status_code == 200
    parse_feed(response.content)
    assert parsedate_to_datetime(response["Last-Modified"]) > parsedate_to_datetime(since)


def test_a_change_within_the_second_just_read_is_not_missed(client, monkeypatch):
    """Last-Modified counts whole seconds: a change later in the second a reader
    fetched the feed in would carry the date that reader holds."""
    second = dt.datetime(2026, 12, 4, 12, 0, 0, tzinfo=dt.UTC)
    make_announcement("Deal")
    SearchChange.objects.update(created_at=second + dt.timedelta(milliseconds=200))
    seen = SearchChange.objects.aggregate(last=Max("pk"))["last"]
    monkeypatch.setattr(
        "kb.feeds.timezone", SimpleNamespace(now=lambda: second + dt.timedelta(milliseconds=500))
    )
    since = fetch(client, "kb:feed_announcements")["Last-Modified"]
    make_announcement("Another deal")
    SearchChange.objects.filter(pk__gt=seen).update(
        created_at=second + dt.timedelta(milliseconds=700)
    )
    assert fetch(client, "kb:feed_announcements", since=since).status_code == 200


def test_a_bad_search_feed_parameter_is_a_400_even_when_asked_conditionally(
    client, quiet_since_an_hour
):
    since = fetch(client, "kb:feed_search")["Last-Modified"]
    response = fetch(client, "kb:feed_search", since=since, date_from="tomorrow-ish")
    assert response.status_code == 400


def test_the_conditional_answer_builds_no_feed(client, quiet_since_an_hour):
    since = fetch(client, "kb:feed_search")["Last-Modified"]
    with CaptureQueriesContext(connection) as queries:
        assert fetch(client, "kb:feed_search", since=since).status_code == 304
    assert len(queries) == 1  # the change log's newest date
