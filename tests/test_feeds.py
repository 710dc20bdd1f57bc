import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kb.models import ClauseEffect, Status
from tests.factories import index_now, make_announcement, make_clause, make_party, make_topic

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, url, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)  # noqa: S314 (our own output)
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
    """Each entry's summary after XML parsing: with type="html", what a feed reader
    hands to its HTML renderer."""
    feed = ET.fromstring(client.get(url, params or {}).content)  # noqa: S314 (our own output)
    return [(summary.get("type"), summary.text) for summary in feed.iter(f"{ATOM}summary")]


@pytest.mark.parametrize("feed", ["kb:feed_announcements", "kb:feed_search"])
def test_markup_in_summaries_reaches_feed_readers_as_text(client, feed):
    announcement = make_announcement(summary="<script>alert(1)</script> & more")
    make_clause(announcement, "Escrow", "<img src=x onerror=alert(1)> & more")
    (kind, html), *_ = summaries_as_a_reader_renders_them(client, reverse(feed))
    assert kind == "html"
    assert "<" not in html and "&amp; more" in html


@pytest.mark.parametrize("query", ["\x00", "escrow\x01\x0c", "\x1f"])
def test_a_search_with_control_characters_still_gets_a_feed(client, query):
    make_clause(heading="Escrow", text="The escrow agent.")
    response = client.get(reverse("kb:feed_search"), {"q": query})
    assert response.status_code == 200


def test_control_characters_in_a_clause_are_left_out_of_the_feed(client):
    make_clause(heading="Escrow\x0b", text="The escrow\x0c agent.")
    (_, html), *_ = summaries_as_a_reader_renders_them(client, reverse("kb:feed_search"))
    assert html == "The escrow agent."


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
