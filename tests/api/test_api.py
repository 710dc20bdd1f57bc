import copy
import datetime as dt

import jsonschema
import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kb.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from kb.dates import DatePrecision
from kb.models import AnnouncementKind, ClauseEffect, Status
from tests.factories import (
    index_now,
    make_announcement,
    make_clause,
    make_lineage,
    make_party,
    make_topic,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def records():
    """One of everything the API shows, with every optional field filled somewhere."""
    microsoft, topic = make_party("Microsoft", website="https://microsoft.com"), make_topic("IP")
    first = make_clause(
        make_announcement(
            "Partnership",
            date=dt.date(2019, 7, 1),
            date_precision=DatePrecision.MONTH,
            parties=[microsoft],
            source_url="https://example.com/2019",
        ),
        "Exclusive licence",
        "Microsoft holds an exclusive licence.",
        topics=[topic],
        parties=[microsoft],
    )
    second = make_clause(
        make_announcement("Amendment", date=dt.date(2025, 10, 28), parties=[microsoft]),
        "Licence through 2032",
        "The licence is non-exclusive through 2032.",
        supersedes=first,
        effect=ClauseEffect.AMENDED,
        effective_until=dt.date(2032, 12, 31),
        effective_until_precision=DatePrecision.YEAR,
        topics=[topic],
    )
    return {"first": first, "second": second, "party": microsoft, "topic": topic}


def get_json(client, url, params=None, status=200):
    response = client.get(url, params or {})
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


@pytest.fixture
def openapi(client):
    response = client.get(reverse("api:openapi"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def validate(document, schema, instance):
    jsonschema.validate(
        instance,
        {**schema, "components": document["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def strict(document):
    """The document with every object schema closed (no property it does not list),
    so a response field the schema forgets fails validation."""
    document = copy.deepcopy(document)
    for schema in document["components"]["schemas"].values():
        if schema.get("type") == "object" and "properties" in schema:
            schema["additionalProperties"] = False
    return document


def response_schema(document, path, status):
    responses = document["paths"][path]["get"]["responses"][str(status)]
    return responses["content"]["application/json"]["schema"]


def test_the_generated_schema_describes_every_real_response(client, openapi, records):
    """Every path of the generated document, fetched for real, matches its 200 schema,
    which lists every field the response has and requires every one of them."""
    document = strict(openapi)
    values = {"{slug}": records["second"].announcement.slug, "{id}": str(records["second"].pk)}
    assert set(document["paths"]) == {
        "/api/",
        "/api/announcements/",
        "/api/announcements/{slug}/",
        "/api/clauses/",
        "/api/clauses/{id}/",
        "/api/topics/",
        "/api/parties/",
    }
    for path in document["paths"]:
        url = path
        for placeholder, value in values.items():
            url = url.replace(placeholder, value)
        body = get_json(client, url)
        validate(document, response_schema(document, path, 200), body)
        if "results" in body:
            assert body["results"], f"{path} returned no rows to check"
    for name, schema in document["components"]["schemas"].items():
        if "properties" in schema and name != "Error":  # "errors" is for a 400 only
            assert set(schema["required"]) == set(schema["properties"]), name


@pytest.mark.parametrize(
    ("path", "url", "status"),
    [
        ("/api/clauses/{id}/", "/api/clauses/999999/", 404),
        ("/api/announcements/{slug}/", "/api/announcements/nope/", 404),
        ("/api/clauses/", "/api/clauses/?date_from=soon", 400),
        ("/api/clauses/", "/api/clauses/?page=2", 404),
        ("/api/topics/", "/api/topics/?page_size=lots", 400),
    ],
    ids=["clause-404", "announcement-404", "filter-400", "page-404", "page-size-400"],
)
def test_the_generated_schema_describes_real_errors(client, openapi, path, url, status):
    body = get_json(client, url, status=status)
    validate(strict(openapi), response_schema(openapi, path, status), body)


def test_the_schema_states_the_page_size_cap_and_the_filters_formats(openapi):
    parameters = {
        parameter["name"]: parameter["schema"]
        for parameter in openapi["paths"]["/api/clauses/"]["get"]["parameters"]
    }
    assert parameters["page_size"]["maximum"] == MAX_PAGE_SIZE
    assert parameters["party"]["pattern"] == parameters["topic"]["pattern"]
    assert parameters["in_force_on"]["format"] == "date"
    assert parameters["q"]["maxLength"] == 500
    assert set(parameters["kind"]["enum"]) == set(AnnouncementKind.values)
    assert set(parameters["sort"]["enum"]) == {"relevance", "newest", "oldest"}


def test_the_schema_is_valid_openapi_3_1(openapi):
    assert openapi["openapi"] == "3.1.0"
    for schema in openapi["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)


def test_the_api_root_links_the_schema_and_its_docs(client):
    body = get_json(client, reverse("api:root"))
    assert body["openapi"] == "http://testserver/api/openapi.json"
    assert body["docs"] == "http://testserver/api/docs/"


def test_dates_come_as_iso_with_their_precision(client, records):
    body = get_json(client, reverse("api:clause", kwargs={"pk": records["first"].pk}))
    assert body["announcement"]["date"] == "2019-07-01"
    assert body["announcement"]["date_precision"] == "month"
    later = get_json(client, reverse("api:clause", kwargs={"pk": records["second"].pk}))
    assert later["effective_until"] == "2032-12-31"
    assert later["effective_until_precision"] == "year"
    assert later["effective_from"] is None
    assert later["effective_from_precision"] == "unknown"


def test_links_are_absolute(client, records):
    body = get_json(client, reverse("api:clause", kwargs={"pk": records["second"].pk}))
    assert body["html_url"] == f"http://testserver/clauses/{records['second'].pk}/"
    assert body["supersedes"]["url"] == f"http://testserver/api/clauses/{records['first'].pk}/"


def test_a_clause_links_the_clause_that_superseded_it(client, records):
    body = get_json(client, reverse("api:clause", kwargs={"pk": records["first"].pk}))
    assert [later["id"] for later in body["superseded_by"]] == [records["second"].pk]


def test_an_announcement_lists_its_clauses_in_order(client):
    announcement = make_announcement("Joint statement")
    for position in (3, 1, 2):
        make_clause(announcement, f"Clause {position}", position=position)
    body = get_json(client, reverse("api:announcement", kwargs={"slug": announcement.slug}))
    assert [clause["position"] for clause in body["clauses"]] == [1, 2, 3]


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED])
def test_unpublished_records_are_not_found(client, status):
    clause = make_clause(make_announcement(status=status))
    get_json(client, reverse("api:clause", kwargs={"pk": clause.pk}), status=404)
    get_json(
        client, reverse("api:announcement", kwargs={"slug": clause.announcement.slug}), status=404
    )


def test_lists_leave_out_unpublished_records(client):
    secret_party, secret_topic = make_party("Secret partner"), make_topic("Secret topic")
    make_clause(
        make_announcement("Secret", status=Status.DRAFT, parties=[secret_party]),
        topics=[secret_topic],
    )
    for name in ("announcements", "clauses", "topics", "parties"):
        assert get_json(client, reverse(f"api:{name}"))["count"] == 0, name


def test_an_unknown_announcement_is_a_json_404(client):
    body = get_json(client, reverse("api:announcement", kwargs={"slug": "nope"}), status=404)
    assert body == {"detail": "Not found."}


def test_lists_are_paged_with_links_to_the_next_and_previous_pages(client):
    make_lineage(5)
    first = get_json(client, reverse("api:clauses"), {"page_size": 2})
    assert first["count"] == 5
    assert first["previous"] is None
    second = get_json(client, first["next"])
    assert "page=1" in second["previous"]
    ids = [c["id"] for c in first["results"] + second["results"]]
    assert len(set(ids)) == 4


def test_the_default_page_size_applies_without_a_page_size(client):
    make_lineage(DEFAULT_PAGE_SIZE + 1)
    assert len(get_json(client, reverse("api:clauses"))["results"]) == DEFAULT_PAGE_SIZE


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": MAX_PAGE_SIZE + 1},
        {"page_size": 0},
        {"page_size": "lots"},
        {"page": "first"},
    ],
    ids=["above-cap", "zero", "words", "page-words"],
)
def test_a_bad_page_or_page_size_is_a_400(client, params):
    body = get_json(client, reverse("api:announcements"), params, status=400)
    assert body["detail"]


def test_a_page_past_the_end_is_a_404(client):
    make_announcement()
    get_json(client, reverse("api:announcements"), {"page": 2}, status=404)


def test_the_page_size_cap_is_accepted(client):
    make_lineage(3)
    assert len(get_json(client, reverse("api:clauses"), {"page_size": MAX_PAGE_SIZE})["results"])


def test_clauses_are_filtered_like_the_search_page(client, records):
    body = get_json(client, reverse("api:clauses"), {"effect": "amended"})
    assert [clause["id"] for clause in body["results"]] == [records["second"].pk]
    body = get_json(client, reverse("api:clauses"), {"in_force_on": "2020-01-01"})
    assert [clause["id"] for clause in body["results"]] == [records["first"].pk]


def test_clauses_come_in_a_stable_order_newest_first(client, records):
    body = get_json(client, reverse("api:clauses"))
    assert [clause["id"] for clause in body["results"]] == [
        records["second"].pk,
        records["first"].pk,
    ]


def test_writing_is_not_allowed(client):
    assert client.post(reverse("api:clauses")).status_code == 405


def test_topics_and_parties_count_published_records(client, records):
    make_clause(make_announcement(status=Status.DRAFT), topics=[records["topic"]])
    topics = get_json(client, reverse("api:topics"))["results"]
    assert [(t["slug"], t["clause_count"]) for t in topics] == [("ip", 2)]
    parties = get_json(client, reverse("api:parties"))["results"]
    assert [(p["slug"], p["announcement_count"]) for p in parties] == [("microsoft", 2)]


def test_a_clause_concerns_its_own_parties_and_its_announcements(client, records):
    """As the party filter counts them: the second clause names no party itself."""
    acme = make_party("acme")
    records["second"].parties.add(acme)
    for url in (
        reverse("api:clause", args=[records["second"].pk]),
        reverse("api:announcement", args=[records["second"].announcement.slug]),
    ):
        found = get_json(client, url)
        clause = found["clauses"][0] if "clauses" in found else found
        assert [party["slug"] for party in clause["parties"]] == ["acme", "microsoft"]
    listed = get_json(client, reverse("api:clauses"), {"party": "microsoft"})["results"]
    assert {len(clause["parties"]) for clause in listed} == {1, 2}


LISTS = ["api:announcements", "api:clauses", "api:topics", "api:parties"]


def build(count):
    """``count`` rows in every list: a lineage of ``count`` clauses, each in its own
    announcement with its own topic and party."""
    for clause in make_lineage(count):
        party = make_party()
        clause.topics.add(make_topic())
        clause.parties.add(party)
        clause.announcement.parties.add(party)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("api:announcements", 3),
        # the search index's pending-changes check, the page (the engine counts), and
        # its 4 prefetches (topics, parties, announcements' parties, later clauses)
        ("api:clauses", 6),
        # the page and its count, plus the two counts of published_counts(), cached after
        ("api:topics", 4),
        ("api:parties", 4),
    ],
)
def test_the_number_of_queries_of_a_list_is_pinned(
    client, django_assert_num_queries, name, expected
):
    build(3)
    index_now()  # measure a search, not the index's first build
    with django_assert_num_queries(expected):
        response = client.get(reverse(name))
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["api:topics", "api:parties"])
def test_topic_and_party_lists_reuse_the_cached_counts(client, django_assert_num_queries, name):
    build(3)
    first = client.get(reverse(name)).json()
    with django_assert_num_queries(2):
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert response.json() == first


def test_topic_counts_are_recounted_when_the_cache_expires(client):
    clause = make_lineage(1)[0]
    topic = make_topic()
    clause.topics.add(topic)
    assert get_json(client, reverse("api:topics"))["results"][0]["clause_count"] == 1
    make_lineage(1)[0].topics.add(topic)
    assert get_json(client, reverse("api:topics"))["results"][0]["clause_count"] == 1
    cache.clear()  # what KB_HOME_COUNTS_SECONDS passing does
    assert get_json(client, reverse("api:topics"))["results"][0]["clause_count"] == 2


@pytest.mark.parametrize("name", LISTS)
def test_the_number_of_queries_of_a_list_does_not_grow_with_rows(client, name):
    build(1)
    index_now()  # both requests search an index that is up to date
    with CaptureQueriesContext(connection) as one:
        client.get(reverse(name))
    build(49)
    index_now()
    cache.clear()  # both requests count topics and parties afresh
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(reverse(name), {"page_size": 50})
    assert response.json()["count"] == 50
    assert len(fifty) == len(one)


def test_the_number_of_queries_of_an_announcement_does_not_grow_with_clauses(client):
    small, large = make_announcement(), make_announcement()
    make_clause(small, topics=[make_topic()], parties=[make_party()])
    for _ in range(50):
        make_clause(large, topics=[make_topic()], parties=[make_party()])
    counts = []
    for announcement in (small, large):
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("api:announcement", kwargs={"slug": announcement.slug}))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_clauses_are_searched_with_the_search_page_syntax(client, records):
    body = get_json(client, reverse("api:clauses"), {"q": '"non-exclusive" -Amazon'})
    assert [clause["id"] for clause in body["results"]] == [records["second"].pk]


def test_a_search_too_long_to_run_is_a_400(client, records):
    body = get_json(client, reverse("api:clauses"), {"q": "licence " * 2000}, status=400)
    assert "q" in body["errors"]
