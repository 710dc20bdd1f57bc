"""kb as production runs it: DEBUG=0, collected static files, gunicorn on 127.0.0.1
behind a proxy that terminates TLS and says so in X-Forwarded-Proto."""

import contextlib
import csv
import http.client
import io
import json
import re
import socket
import subprocess
import sys
import time
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings

from kb.search.constants import MAX_QUERY_LENGTH
from kb_dev.serving import free_port, gunicorn, manage, production_env

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


# An export outlasts the worker timeout: gunicorn.conf.py's threaded workers keep
# answering the arbiter while a request streams, so no timeout can cut a download.
WORKER_TIMEOUT = 2  # seconds, given on gunicorn's command line (over gunicorn.conf.py's)
# About 10 MB of CSV, read at about 1 MB/s: the kernel's socket buffers on loopback
# take up to about 4 MB of it at once (tcp_wmem), so the server goes on writing the
# rest for several worker timeouts.
EXPORT_CLAUSES = 16_000
READ_BYTES_PER_SECOND = 900_000
EXPORT_PATH = "/search/?q=agreement+OR+shall+OR+party&format=csv"
# gunicorn's access log with each request's duration in seconds (%(L)s) at the end.
ACCESS_LOG_FORMAT = ["--access-logformat", '"%(r)s" %(s)s %(B)s %(L)s']


@pytest.fixture(scope="module")
def export_site(tmp_path_factory):
    """A production environment whose database holds EXPORT_CLAUSES published clauses,
    every one of them found by EXPORT_PATH's search, and their search index."""
    var_dir = tmp_path_factory.mktemp("export")
    env = production_env(var_dir)
    manage("migrate", "--noinput", env=env)
    # The generator is a development tool: production settings install it only on request.
    generate = ["kb_generate", f"--clauses={EXPORT_CLAUSES}", "--seed=1", "--verbosity=0"]
    manage(*generate, env={**env, "KB_DEV_TOOLS": "1"})
    manage("search_index", "update", env=env)
    return env, var_dir


def download_slowly(url, path):
    """GET ``path`` over a plain socket, reading at most READ_BYTES_PER_SECOND through a
    small receive window, until the server closes the connection: the response's
    header block and its raw body."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16_384)
    sock.settimeout(30)
    sock.connect((url.hostname, url.port))
    request = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nX-Forwarded-Proto: https\r\n"
    sock.sendall(f"{request}Connection: close\r\n\r\n".encode())
    started = time.monotonic()
    received = bytearray()
    with sock, contextlib.suppress(ConnectionResetError):  # a reset ends it too
        while chunk := sock.recv(16_384):
            received += chunk
            ahead = len(received) / READ_BYTES_PER_SECOND - (time.monotonic() - started)
            time.sleep(max(0.0, ahead))
    head, _, body = bytes(received).partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


def dechunk(raw):
    """The body of a chunked transfer, and whether it ended as one must: with the last
    (empty) chunk and nothing after it. A transfer cut short, or garbled, did not."""
    body, at = bytearray(), 0
    while True:
        line_end = raw.find(b"\r\n", at)
        if line_end < 0:
            return bytes(body), False
        try:
            size = int(raw[at:line_end].split(b";")[0], 16)
        except ValueError:
            return bytes(body), False
        at = line_end + 2
        if size == 0:
            return bytes(body), raw[at:] == b"\r\n"
        if raw[at + size : at + size + 2] != b"\r\n":
            return bytes(body), False
        body += raw[at : at + size]
        at += size + 2


def header(head, name):
    found = re.search(rf"^{name}: *(.*?)\r?$", head, re.IGNORECASE | re.MULTILINE)
    return found[1] if found else None


def csv_ids(body, errors="strict"):
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig", errors), newline="")))
    assert rows[0][0] == "id"
    return [row[0] for row in rows[1:]]


def served_seconds(log):
    """How long gunicorn took to serve the export, from its access log."""
    return float(re.search(r'"GET /search/\?\S* HTTP/1\.1" 200 \d+ ([\d.]+)$', log, re.M)[1])


def test_a_long_export_is_never_cut_by_the_worker_timeout(export_site):
    env, var_dir = export_site
    log_path = var_dir / "gunicorn-gthread.log"
    options = ["--timeout", str(WORKER_TIMEOUT), *ACCESS_LOG_FORMAT]
    with gunicorn(env=env, port=free_port(), log_path=log_path, options=options) as base_url:
        head, raw = download_slowly(urlsplit(base_url), EXPORT_PATH)
    assert head.startswith("HTTP/1.1 200 ")
    assert header(head, "Transfer-Encoding") == "chunked"
    body, ended = dechunk(raw)
    assert ended, "the chunked transfer was cut before its last chunk"
    ids = csv_ids(body)
    assert int(header(head, "X-Result-Count")) == len(ids) == len(set(ids)) == EXPORT_CLAUSES
    log = log_path.read_text()
    assert "WORKER TIMEOUT" not in log
    assert "Using worker: gthread" in log
    assert served_seconds(log) > 2 * WORKER_TIMEOUT, "served too fast to prove anything"


def test_a_sync_worker_would_cut_that_export(export_site):
    """The control: the same download from gunicorn's default sync worker, whose
    heartbeat stops while it serves a request, is cut at the worker timeout (what
    gunicorn.conf.py's threaded workers are there to prevent), and it shows."""
    env, var_dir = export_site
    log_path = var_dir / "gunicorn-sync.log"
    options = ["--timeout", str(WORKER_TIMEOUT), "--worker-class", "sync", "--threads", "1"]
    with gunicorn(env=env, port=free_port(), log_path=log_path, options=options) as base_url:
        head, raw = download_slowly(urlsplit(base_url), EXPORT_PATH)
    assert head.startswith("HTTP/1.1 200 ")
    body, ended = dechunk(raw)
    assert not ended
    assert len(csv_ids(body, errors="replace")) < int(header(head, "X-Result-Count"))
    assert "WORKER TIMEOUT" in log_path.read_text()


# A search of 460 CJK characters: 4,140 bytes percent-encoded, inside kb's 500-character
# query limit and over gunicorn's default request line (4,094 bytes).
CJK_QUERY = "契約" * 230


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/clauses/", CJK_QUERY),
        ("/search/", CJK_QUERY),
        ("/api/clauses/", "契" * MAX_QUERY_LENGTH),
        # every character outside the Basic Multilingual Plane: 12 bytes each
        ("/api/clauses/", "𠀀" * MAX_QUERY_LENGTH),
    ],
    ids=["api-460-cjk", "page-460-cjk", "api-500-cjk", "api-500-astral"],
)
def test_a_search_as_long_as_kb_accepts_reaches_kb(production, path, query):
    request_path = f"{path}?{urlencode({'q': query, 'party': 'a' * 200, 'topic': 'b' * 200})}"
    assert len(f"GET {request_path} HTTP/1.1") > 4094  # gunicorn's default limit
    response = fetch(production, request_path)
    # kb's own answer (an unknown party is kb's 400 in JSON), not gunicorn's HTML
    # "Request Line is too large"
    assert "Request Line is too large" not in response.body
    assert response.status in (200, 400)
    if path.startswith("/api/"):
        assert response.getheader("Content-Type") == "application/json"
        assert set(json.loads(response.body)["errors"]) == {"party", "topic"}


def test_a_search_kb_accepts_without_other_filters_is_answered(production):
    response = fetch(production, f"/api/clauses/?{urlencode({'q': CJK_QUERY})}")
    assert response.status == 200
    assert json.loads(response.body)["count"] == 0


def test_a_search_over_the_query_limit_is_kbs_400(production):
    response = fetch(production, f"/api/clauses/?{urlencode({'q': '契' * (MAX_QUERY_LENGTH + 1)})}")
    assert response.status == 400
    assert "q" in json.loads(response.body)["errors"]
