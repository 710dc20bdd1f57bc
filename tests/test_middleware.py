import pytest
from django.urls import reverse

from tests.factories import make_user

pytestmark = pytest.mark.django_db

HOME = reverse("kb:home")


def test_the_site_is_open_to_everyone_by_default(client):
    assert client.get(HOME).status_code == 200


def test_an_anonymous_visitor_is_sent_to_log_in_when_login_is_required(client, settings):
    settings.KB_REQUIRE_LOGIN = True
    response = client.get(HOME)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_reader_sees_the_pages_when_login_is_required(client, settings, reader):
    settings.KB_REQUIRE_LOGIN = True
    client.force_login(reader)
    assert client.get(HOME).status_code == 200


@pytest.mark.parametrize("role", ["Editors", "Publishers"])
def test_editors_and_publishers_see_the_pages_when_login_is_required(client, settings, role):
    settings.KB_REQUIRE_LOGIN = True
    client.force_login(make_user(role=role))
    assert client.get(HOME).status_code == 200


def test_an_account_without_a_role_is_refused_when_login_is_required(client, settings):
    settings.KB_REQUIRE_LOGIN = True
    client.force_login(make_user("norole"))
    response = client.get(HOME)
    assert response.status_code == 403
    assert "Reader role" in response.text


def test_the_api_answers_401_in_json_to_an_anonymous_caller(client, settings):
    settings.KB_REQUIRE_LOGIN = True
    response = client.get("/api/clauses/")
    assert response.status_code == 401
    assert response.json()["detail"] == "Log in to use this site."


def test_the_admin_login_page_stays_reachable_when_login_is_required(client, settings):
    settings.KB_REQUIRE_LOGIN = True
    assert client.get(reverse("admin:login")).status_code == 200


def test_static_files_are_not_behind_the_login(client, settings):
    settings.KB_REQUIRE_LOGIN = True
    response = client.get("/" + settings.STATIC_URL.lstrip("/") + "kb/kb.css")
    assert response.status_code != 302
