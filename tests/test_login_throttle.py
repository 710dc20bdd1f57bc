import datetime as dt
import os
import subprocess
import sys

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


def failed_logins(client, count, *, remote, forwarded_for=lambda attempt: None):
    """``count`` failed logins for alice from ``remote``, each with the
    X-Forwarded-For ``forwarded_for(attempt)`` gives (none for None); the last answer."""
    for attempt in range(count):
        headers = {}
        if (value := forwarded_for(attempt)) is not None:
            headers["HTTP_X_FORWARDED_FOR"] = value
        response = client.post(
            reverse("admin:login"),
            {"username": "alice", "password": "wrong"},
            REMOTE_ADDR=remote,
            **headers,
        )
    return response


@pytest.fixture
def as_in_production(settings):
    """Production's proxy settings (DEBUG=0 trusts X-Forwarded-Proto)."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.mark.usefixtures("as_in_production")
def test_from_the_proxy_the_client_it_names_is_locked(client, staff_user):
    response = failed_logins(
        client, 5, remote="127.0.0.1", forwarded_for=lambda _: "10.9.9.9, 203.0.113.7"
    )
    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"


@pytest.mark.usefixtures("as_in_production")
def test_from_elsewhere_x_forwarded_for_is_ignored_so_rotating_it_does_not_help(client, staff_user):
    response = failed_logins(
        client, 5, remote="198.51.100.20", forwarded_for=lambda attempt: f"203.0.113.{attempt}"
    )
    assert response.status_code == 429
    assert AccessAttempt.objects.get().ip_address == "198.51.100.20"


@pytest.mark.usefixtures("as_in_production")
def test_the_proxy_addresses_come_from_the_setting(client, staff_user, settings):
    settings.KB_PROXY_ADDRESSES = ["10.0.0.2", "2001:db8::2"]
    failed_logins(client, 1, remote="10.0.0.2", forwarded_for=lambda _: "203.0.113.7")
    failed_logins(client, 1, remote="2001:db8:0:0::2", forwarded_for=lambda _: "203.0.113.8")
    failed_logins(client, 1, remote="127.0.0.1", forwarded_for=lambda _: "203.0.113.9")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {
        "203.0.113.7",
        "203.0.113.8",
        "127.0.0.1",
    }


@pytest.mark.parametrize("header", ["not-an-address", "203.0.113.7, ", "", "<script>"])
@pytest.mark.usefixtures("as_in_production")
def test_a_header_from_the_proxy_without_an_address_at_its_end_locks_the_proxy(
    client, staff_user, header
):
    failed_logins(client, 1, remote="127.0.0.1", forwarded_for=lambda _: header)
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"


def test_settings_and_gunicorn_read_the_same_proxy_addresses(tmp_path):
    """gunicorn.conf.py's forwarded_allow_ips and KB_PROXY_ADDRESSES, by default and
    from FORWARDED_ALLOW_IPS."""
    script = (
        "import runpy, django\n"
        "from django.conf import settings\n"
        "django.setup()\n"
        "conf = runpy.run_path('gunicorn.conf.py')\n"
        "print(conf['forwarded_allow_ips'], ','.join(settings.KB_PROXY_ADDRESSES))\n"
    )
    for value, expected in [(None, "127.0.0.1"), ("10.0.0.2,10.0.0.3", "10.0.0.2,10.0.0.3")]:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "kb.settings"}
        env.pop("FORWARDED_ALLOW_IPS", None)
        if value:
            env["FORWARDED_ALLOW_IPS"] = value
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-c", script],
            cwd=project_settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout.split() == [expected, expected]
