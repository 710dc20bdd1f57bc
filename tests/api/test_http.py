"""The API answers every request under /api/ in JSON, errors included, and the way
HTTP clients expect: 405 with Allow, 304 for a matching ETag, CORS only for the
origins named."""

import pytest
from django.urls import reverse

from tests.factories import make_announcement, make_clause, make_lineage, make_user

pytestmark = pytest.mark.django_db


def json_error(response, status):
    assert response.status_code == status, response.content
    # application/json, or the OpenAPI document's own JSON type on its URL
    assert response["Content-Type"].startswith("application/"), response["Content-Type"]
    assert response["Content-Type"].endswith("json"), response["Content-Type"]
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/api/clauses/abc/",
        "/api/clauses/-1/",
        "/api/clauses/1.5/",
        "/api/announcements/not a slug/",
        "/api/nothing-here/",
        "/api/clauses/1/extra/",
        "/api/clauses",
    ],
    ids=["words-id", "negative-id", "decimal-id", "bad-slug", "unknown", "too-deep", "no-slash"],
)
def test_a_path_that_names_nothing_is_a_json_404(client, path):
    assert json_error(client.get(path), 404) == {"detail": "Not found."}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("name", ["api:root", "api:clauses", "api:openapi"])
def test_writing_is_a_json_405_with_allow(client, method, name):
    response = getattr(client, method)(reverse(name), "{}", content_type="application/json")
    json_error(response, 405)
    assert set(response["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    assert "POST" not in response["Allow"]


def test_writing_as_a_logged_in_user_without_a_csrf_token_is_still_a_405(settings):
    """Not Django's HTML "CSRF verification failed" 403: the API accepts no write."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(role="Readers"))
    settings.KB_REQUIRE_LOGIN = True
    json_error(client.post(reverse("api:clause", args=[make_clause().pk])), 405)


def test_writing_to_an_unknown_path_is_a_json_404(client):
    json_error(client.post("/api/nothing-here/"), 404)


@pytest.mark.parametrize(
    "params",
    [{"page": "0"}, {"page": "abc"}, {"page": "-3"}, {"page": "1.5"}],
    ids=["zero", "words", "negative", "decimal"],
)
def test_a_page_that_is_not_a_page_number_is_a_400_naming_page(client, params):
    make_announcement()
    body = json_error(client.get(reverse("api:announcements"), params), 400)
    assert list(body["errors"]) == ["page"]


def test_a_bad_filter_is_a_400_naming_each_bad_parameter(client):
    body = json_error(
        client.get(reverse("api:clauses"), {"date_from": "soon", "kind": "poem"}), 400
    )
    assert body["detail"] == "Invalid parameters."
    assert set(body["errors"]) == {"date_from", "kind"}
    assert all(isinstance(message, str) for message in body["errors"]["kind"])


def test_format_is_not_taken_for_a_renderer(client):
    """?format= names an export on the search page; the API ignores it."""
    make_lineage(1)
    response = client.get(reverse("api:clauses"), {"format": "csv"})
    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_login_required_applies_to_the_api_in_json(client, settings):
    settings.KB_REQUIRE_LOGIN = True
    json_error(client.get(reverse("api:clauses")), 401)
    json_error(client.get("/api/nothing-here/"), 401)


@pytest.mark.parametrize("name", ["api:root", "api:clauses", "api:announcements", "api:topics"])
def test_an_unchanged_response_is_a_304_for_its_etag(client, name):
    make_lineage(2)
    first = client.get(reverse(name))
    assert first.status_code == 200
    etag = first["ETag"]
    again = client.get(reverse(name), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag


def test_a_changed_response_has_a_new_etag_and_no_304(client):
    clause = make_lineage(1)[0]
    url = reverse("api:clause", args=[clause.pk])
    etag = client.get(url)["ETag"]
    clause.heading = "Renamed"
    clause.save()
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert response.json()["heading"] == "Renamed"


def test_an_etag_names_the_page_asked_for(client):
    make_lineage(3)
    first = client.get(reverse("api:clauses"), {"page_size": 1})
    second = client.get(reverse("api:clauses"), {"page_size": 1, "page": 2})
    assert first["ETag"] != second["ETag"]
    response = client.get(
        reverse("api:clauses"),
        {"page_size": 1, "page": 2},
        headers={"If-None-Match": first["ETag"]},
    )
    assert response.status_code == 200


def test_an_error_is_never_a_304(client):
    etag = client.get("/api/clauses/999/")["ETag"]
    json_error(client.get("/api/clauses/999/", headers={"If-None-Match": etag}), 404)


def test_no_cross_origin_reads_by_default(client):
    response = client.get(reverse("api:clauses"), headers={"Origin": "https://other.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response


def test_a_named_origin_may_read_the_api(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://partner.example"]
    allowed = client.get(reverse("api:clauses"), headers={"Origin": "https://partner.example"})
    assert allowed["Access-Control-Allow-Origin"] == "https://partner.example"
    assert "Access-Control-Allow-Credentials" not in allowed  # never with a session
    other = client.get(reverse("api:clauses"), headers={"Origin": "https://other.example"})
    assert "Access-Control-Allow-Origin" not in other


def test_a_named_origin_reads_the_api_only(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://partner.example"]
    response = client.get(reverse("kb:home"), headers={"Origin": "https://partner.example"})
    assert "Access-Control-Allow-Origin" not in response


def test_a_preflight_from_a_named_origin_allows_reading_only(client, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://partner.example"]
    response = client.options(
        reverse("api:clauses"),
        headers={
            "Origin": "https://partner.example",
            "Access-Control-Request-Method": "GET",
        },
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://partner.example"
    assert set(response["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }


def test_the_cors_origins_come_from_the_environment(monkeypatch):
    import importlib

    from kb import settings as kb_settings

    monkeypatch.setenv("KB_CORS_ALLOWED_ORIGINS", "https://a.example, https://b.example")
    try:
        assert importlib.reload(kb_settings).CORS_ALLOWED_ORIGINS == [
            "https://a.example",
            "https://b.example",
        ]
    finally:
        monkeypatch.delenv("KB_CORS_ALLOWED_ORIGINS")
        importlib.reload(kb_settings)


def test_head_answers_like_get_without_a_body(client):
    make_lineage(1)
    head = client.head(reverse("api:clauses"))
    assert head.status_code == 200
    assert head["Content-Type"] == "application/json"
    assert head.content == b""
