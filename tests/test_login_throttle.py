import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.urls import reverse

from kb import settings as project_settings

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def login_throttling(settings):
    """As configured in kb/settings.py (conftest.py turns throttling off for other tests)."""
    settings.AXES_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = project_settings.AUTHENTICATION_BACKENDS


@pytest.fixture
def staff_user():
    return get_user_model().objects.create_user("alice", password=PASSWORD, is_staff=True)


def log_in(client, password, username="alice", address="203.0.113.7"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
    )


def test_the_fifth_failed_admin_login_locks_the_account_with_a_clear_message(client, staff_user):
    for _ in range(4):
        assert log_in(client, "wrong").status_code == 200
    response = log_in(client, "wrong")
    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    assert "paused for 15 minutes" in response.text


def test_a_locked_account_is_refused_even_with_the_right_password(client, staff_user):
    for _ in range(5):
        log_in(client, "wrong")
    response = log_in(client, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_lifts_after_the_cool_off_time(client, staff_user, settings):
    for _ in range(5):
        log_in(client, "wrong")
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - settings.AXES_COOLOFF_TIME)
    assert log_in(client, PASSWORD).status_code == 302


def test_the_lock_holds_only_that_username_from_that_address(client, staff_user):
    get_user_model().objects.create_user("bob", password=PASSWORD, is_staff=True)
    for _ in range(5):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD, username="bob").status_code == 302
    client.logout()
    assert log_in(client, PASSWORD, address="198.51.100.9").status_code == 302


def test_a_successful_login_forgets_earlier_failures(client, staff_user):
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        log_in(client, "wrong")
    assert log_in(client, PASSWORD).status_code == 302


def test_behind_the_proxy_the_address_it_appended_is_the_one_locked(client, staff_user, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    for _ in range(5):
        client.post(
            reverse("admin:login"),
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7",
        )
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
