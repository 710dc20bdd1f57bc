"""kb as production runs it: DEBUG=0, collected static files, gunicorn on 127.0.0.1
behind a proxy that terminates TLS and says so in X-Forwarded-Proto."""

import http.client
import re
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from kb.serving import free_port, gunicorn, manage, production_env

pytestmark = pytest.mark.slow

HOST = "kb.example.org"


@pytest.fixture(scope="module")
def production(tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("production")
    env = production_env(var_dir)
    manage("migrate", "--noinput", env=env)
    manage("collectstatic", "--noinput", env=env)
    with gunicorn(env=env, port=free_port(), log_path=var_dir / "gunicorn.log") as base_url:
        yield env, urlsplit(base_url)


def fetch(production, path, *, https=True, method="GET", headers=None):
    _, url = production
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    request_headers = {"Host": HOST, **(headers or {})}
    if https:
        request_headers["X-Forwarded-Proto"] = "https"
    connection.request(method, path, headers=request_headers)
    response = connection.getresponse()
    response.body = response.read().decode("utf-8", "replace")
    connection.close()
    return response


def test_the_deploy_check_reports_no_issues(production):
    env, _ = production
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "check", "--deploy"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_a_request_that_came_over_https_is_served(production):
    assert fetch(production, "/").status == 200


def test_a_plain_http_request_is_redirected_to_https(production):
    response = fetch(production, "/clauses/1/?q=x", https=False)
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/clauses/1/?q=x"


def test_a_request_for_an_unknown_host_is_refused(production):
    assert fetch(production, "/", headers={"Host": "attacker.example"}).status == 400


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Strict-Transport-Security", "max-age=31536000; includeSubDomains; preload"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("X-Content-Type-Options", "nosniff"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ],
)
def test_pages_carry_the_security_headers(production, header, expected):
    assert fetch(production, "/").getheader(header) == expected


def test_pages_allow_no_inline_script_or_style(production):
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in fetch(production, "/").getheader("Content-Security-Policy").split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"


def test_the_csrf_cookie_is_secure_and_http_only(production):
    cookie = fetch(production, "/admin/login/").getheader("Set-Cookie")
    assert cookie.startswith("csrftoken=")
    assert "; Secure" in cookie
    assert "; HttpOnly" in cookie


def test_the_session_cookie_is_secure_and_http_only(production):
    env, _ = production
    manage(
        "createsuperuser",
        "--noinput",
        "--username=root",
        "--email=root@example.org",
        env={**env, "DJANGO_SUPERUSER_PASSWORD": "a-long-production-password"},
    )
    login_page = fetch(production, "/admin/login/")
    csrf_cookie = login_page.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.body)[1]
    _, url = production
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    connection.request(
        "POST",
        "/admin/login/",
        body=f"csrfmiddlewaretoken={token}&username=root&password=a-long-production-password",
        headers={
            "Host": HOST,
            "X-Forwarded-Proto": "https",
            "Referer": f"https://{HOST}/admin/login/",
            "Cookie": csrf_cookie,
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    response = connection.getresponse()
    session_cookie = next(
        value for name, value in response.getheaders() if value.startswith("sessionid=")
    )
    connection.close()
    assert response.status == 302
    assert "; Secure" in session_cookie
    assert "; HttpOnly" in session_cookie


def test_static_files_are_served_under_hashed_names_cached_for_ever(production):
    home = fetch(production, "/").body
    stylesheet = re.search(r'href="(/static/kb/kb\.[0-9a-f]{12}\.css)"', home)
    assert stylesheet, "the stylesheet link has no content hash"
    response = fetch(production, stylesheet[1])
    assert response.status == 200
    assert "immutable" in response.getheader("Cache-Control")


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_its_required_settings(tmp_path, missing):
    env = production_env(tmp_path)
    del env[missing]
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert f"{missing} must be set when DEBUG is off." in result.stderr
