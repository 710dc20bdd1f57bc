"""End-to-end tests in headless Chromium, driven by Playwright against pytest-django's live server.

They need Debian's Chromium at ``/usr/bin/chromium`` and axe-core under ``var/node/`` (both
installed by ``make browser-deps``). Without them the tests are skipped with the reason shown,
except under CI (``CI`` set), where a missing browser is a failure: CI must run them.

The live server runs in another thread. On PostgreSQL it opens its own connections to the test
database. On SQLite, Django's test database is a shared-cache in-memory database and pytest-django
hands the test thread's connection to the server thread, so both see the same data. Either way the
tests use ``transactional_db`` (requested by ``live_server``): data a test writes is committed, so
the server sees it, and the tables are flushed after each test.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command, get_commands

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
AXE_SCRIPT = Path(settings.BASE_DIR) / "var" / "node" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# What the suite treats as a failure: axe's two highest impact levels.
BLOCKING_IMPACTS = {"serious", "critical"}
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


def pytest_terminal_summary(terminalreporter) -> None:
    reason = missing_browser_dependencies()
    if reason is not None and not os.environ.get("CI"):
        terminalreporter.write_line(f"browser tests SKIPPED: {reason}", yellow=True, bold=True)


def pytest_collection_modifyitems(config, items) -> None:
    reason = missing_browser_dependencies()
    if reason is None or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason=f"browser tests need Chromium and axe-core: {reason}")
    for item in items:
        if item.get_closest_marker("browser"):
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


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh browser tab at desktop size whose relative URLs go to the live server.

    The test fails if the page breaks the Content Security Policy or throws a script error.
    """
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP)
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    problems: list[str] = []
    tab.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    tab.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    yield tab
    context.close()
    assert problems == [], f"the page broke the CSP or threw: {problems}"


@pytest.fixture
def demo_data(transactional_db) -> None:
    """The demo data set (``manage.py load_demo``)."""
    if "load_demo" not in get_commands():
        pytest.fail("the load_demo command is missing")
    call_command("load_demo", verbosity=0)


def save_screenshots(page, name: str, directory: Path) -> None:
    """Save the whole page at desktop and phone width: ``NAME-desktop.png``, ``NAME-phone.png``."""
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise ValueError(f"screenshot name {name!r}: lower-case letters, digits and dashes only")
    page.screenshot(path=directory / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=directory / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def blocking_accessibility_violations(page) -> list[str]:
    """axe-core's serious and critical WCAG 2.x A/AA violations on the page, one line each."""
    # evaluate() runs the script through the DevTools protocol, so the page's CSP (which forbids
    # inline scripts, rightly) does not block it the way an injected <script> tag would be.
    page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async () => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                 "wcag22aa", "best-practice"]},
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 3).map(n => n.target.join(" ")),
            }));
        }"""
    )
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['targets'])}"
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
    ]
