"""End-to-end tests in headless Chromium, driven by Playwright against pytest-django's live server.

They need Debian's Chromium at ``/usr/bin/chromium`` and axe-core under ``var/node/`` (both
installed by ``make browser-deps``). Without them the tests are skipped with the reason shown,
except under CI (``CI`` set), where a missing browser is a failure: CI must run them. The HTML
validity test (marked ``html``) needs a Java runtime and the Nu HTML checker under ``var/node/``
instead (``make browser-deps`` again), and is skipped or fails the same way without them.

The live server runs in another thread. On PostgreSQL it opens its own connections to the test
database. On SQLite, Django's test database is a shared-cache in-memory database and pytest-django
hands the test thread's connection to the server thread, so both see the same data. Either way the
tests use ``transactional_db`` (requested by ``live_server``): data a test writes is committed, so
the server sees it, and the tables are flushed after each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command, get_commands
from django.db import connections

from tests.browser.support import AXE_SCRIPT, DESKTOP, SCREENSHOTS, VNU_JAR

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
TIMEOUT_MS = 15_000


def missing_browser_dependencies() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} not found (run `make browser-deps`)"
    if not AXE_SCRIPT.exists():
        return f"axe-core not found at {AXE_SCRIPT} (run `make browser-deps`)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (run `make setup`)"
    return None


def missing_html_checker() -> str | None:
    """Why the HTML validity test cannot run here, or None when it can."""
    if shutil.which("java") is None:
        return "no java on the PATH (run `make browser-deps`)"
    if not VNU_JAR.exists():
        return f"the Nu HTML checker not found at {VNU_JAR} (run `make browser-deps`)"
    return None


# marker: (why its tests cannot run here, or None; what they need)
def _missing_by_marker() -> dict[str, tuple[str | None, str]]:
    return {
        "browser": (missing_browser_dependencies(), "browser tests need Chromium and axe-core"),
        "html": (missing_html_checker(), "the HTML validity test needs Java and vnu"),
    }


def pytest_terminal_summary(terminalreporter) -> None:
    if os.environ.get("CI"):
        return
    for marker, (reason, _) in _missing_by_marker().items():
        if reason is not None:
            name = "browser tests" if marker == "browser" else "HTML validity test"
            terminalreporter.write_line(f"{name} SKIPPED: {reason}", yellow=True, bold=True)


def pytest_collection_modifyitems(config, items) -> None:
    if os.environ.get("CI"):
        return
    for marker, (reason, needs) in _missing_by_marker().items():
        if reason is None:
            continue
        skip = pytest.mark.skip(reason=f"{needs}: {reason}")
        for item in items:
            if item.get_closest_marker(marker):
                item.add_marker(skip)


@pytest.fixture
def browser(monkeypatch):
    """Headless Chromium, started for each test.

    Playwright's synchronous API keeps an event loop running in this thread while it is started,
    and Django refuses database calls from a thread with a running loop unless told that is safe
    (it is: the loop only drives the browser). Starting per test keeps that allowance to the
    browser tests instead of the rest of the session.
    """
    reason = missing_browser_dependencies()
    if reason is not None:
        pytest.fail(f"browser tests cannot run: {reason}")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
        # While Playwright's loop runs, Django's connections are per async context rather than
        # per thread (asgiref's Local), so the ones opened meanwhile are closed here, inside it;
        # left open they would block dropping the PostgreSQL test database.
        connections.close_all()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture
def open_tab(browser, live_server, django_db_serialized_rollback, screenshots_dir) -> Iterator:
    """Opens browser tabs, each in a context of its own (own cookies, so own login), at
    desktop size, with relative URLs going to the live server; options go to
    ``browser.new_context()`` (e.g. ``java_script_enabled=False``).

    The database starts as migrated (serialized rollback restores what data migrations
    created, such as the editorial groups, after an earlier test's flush). The test fails
    if a page breaks the Content Security Policy or throws a script error.
    """
    contexts = []
    problems: list[str] = []

    def report_csp(message) -> None:
        if "Content Security Policy" in message.text:
            problems.append(message.text)

    def open_new(**options):
        context = browser.new_context(
            **{"base_url": live_server.url, "viewport": DESKTOP, **options}
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        tab = context.new_page()
        tab.on("console", report_csp)
        tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        return tab

    yield open_new
    for context in contexts:
        context.close()
    assert problems == [], f"a page broke the CSP or threw: {problems}"


@pytest.fixture
def page(open_tab):
    """A browser tab (see ``open_tab``)."""
    return open_tab()


@pytest.fixture
def demo_data(transactional_db) -> None:
    """The demo data set (``manage.py load_demo``)."""
    if "load_demo" not in get_commands():
        pytest.fail("the load_demo command is missing")
    call_command("load_demo", verbosity=0)


@pytest.fixture
def vnu_command() -> list[str]:
    """The command that runs the Nu HTML checker (add options and paths to check)."""
    reason = missing_html_checker()
    if reason is not None:
        pytest.fail(f"the HTML validity test cannot run: {reason}")
    return [shutil.which("java"), "-jar", str(VNU_JAR)]
