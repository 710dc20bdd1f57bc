"""Exports and the feed of the search page: the same result set as the page."""

import csv
import io
import json

import pytest
from django.urls import reverse

from kb.models import Status
from tests.factories import make_announcement, make_clause

pytestmark = pytest.mark.django_db


@pytest.fixture
def clauses():
    make_clause(heading="Exclusive cloud provider", text="Azure is the exclusive cloud provider.")
    make_clause(heading="Revenue share", text="The revenue share continues.")
    make_clause(
        make_announcement(status=Status.DRAFT),
        heading="Secret exclusive term",
        text="An exclusive draft.",
    )


def streamed(response) -> str:
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def test_the_search_page_exports_its_results_as_csv(client, clauses):
    response = client.get(reverse("kb:search"), {"q": "exclusive", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(streamed(response).removeprefix("\ufeff"))))
    assert [row["heading"] for row in rows] == ["Exclusive cloud provider"]


def test_the_search_page_exports_its_results_as_json(client, clauses):
    response = client.get(reverse("kb:search"), {"q": "revenue", "format": "json"})
    assert [record["heading"] for record in json.loads(streamed(response))] == ["Revenue share"]


def test_an_export_of_a_bad_search_is_a_400(client, clauses):
    response = client.get(reverse("kb:search"), {"date_from": "someday", "format": "csv"})
    assert response.status_code == 400


def test_the_search_page_links_to_its_feed_and_exports(client, clauses):
    page = client.get(reverse("kb:search"), {"q": "exclusive", "page": "1"}).content.decode()
    feed = reverse("kb:feed_search") + "?q=exclusive"
    assert f'title="Feed of this search" href="{feed}">' in page
    assert '?q=exclusive&amp;format=csv"' in page
    assert '?q=exclusive&amp;format=json"' in page


def test_the_search_feed_finds_what_the_search_finds(client, clauses):
    response = client.get(reverse("kb:feed_search"), {"q": "exclusive"})
    assert response.status_code == 200
    assert b"Exclusive cloud provider" in response.content
    assert b"Revenue share" not in response.content
    assert b"Secret" not in response.content
