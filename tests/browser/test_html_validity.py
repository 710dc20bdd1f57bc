"""Every type of public page is valid HTML: the Nu HTML checker (vnu, the W3C's validator)
reports no error on any of them, with the demo data, a dated announcement beside it (a
``<time>`` at each precision), and the error pages a mistyped filter gives.

The pages are rendered with Django's test client and saved to one directory, which vnu
checks in one run (a Java start costs seconds). No browser: this runs where Java does."""

import datetime as dt
import json
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from kb.dates import DatePrecision
from kb.models import Announcement, Clause, Topic
from tests.factories import make_announcement, make_clause

pytestmark = pytest.mark.html

JOINT_STATEMENT = "Joint Statement from OpenAI and Microsoft"
STATELESS_APIS = "Azure remains the exclusive cloud provider of stateless OpenAI APIs"
VNU_SECONDS = 300


def pages() -> dict[str, tuple[str, int]]:
    """name: (URL, the status it answers)."""
    statement = Announcement.objects.get(title=JOINT_STATEMENT)
    dated = Announcement.objects.get(slug="dated-licence")
    cloud = Topic.objects.get(name="Cloud exclusivity").get_absolute_url()
    announcements = reverse("kb:announcements")
    in_force = reverse("kb:in_force")
    search = reverse("kb:search")
    return {
        "home": (reverse("kb:home"), 200),
        "announcements": (announcements, 200),
        "announcements-filtered": (f"{announcements}?kind=agreement&party=microsoft", 200),
        "announcements-of-a-year": (f"{announcements}?year=2025", 200),
        "announcements-date-unknown": (f"{announcements}?year=unknown", 200),
        "announcements-none": (f"{announcements}?year=1900", 200),
        "announcements-bad-year": (f"{announcements}?year=soon", 400),
        "announcements-several-parties": (f"{announcements}?party=o", 400),
        "announcement": (statement.get_absolute_url(), 200),
        "announcement-dated": (dated.get_absolute_url(), 200),
        "clause": (Clause.objects.get(heading=STATELESS_APIS).get_absolute_url(), 200),
        "clause-dated": (dated.clauses.get().get_absolute_url(), 200),
        "topics": (reverse("kb:topics"), 200),
        "topic": (cloud, 200),
        "topic-newest-first": (f"{cloud}?sort=newest", 200),
        "topic-bad-sort": (f"{cloud}?sort=sideways", 400),
        "topic-dated": (Topic.objects.get(slug="ip-licence").get_absolute_url(), 200),
        "parties": (reverse("kb:parties"), 200),
        "party": (reverse("kb:party", kwargs={"slug": "microsoft"}), 200),
        "in-force": (in_force, 200),
        "in-force-filtered": (f"{in_force}?on=2026-01-01&party=microsoft&topic=ip-licence", 200),
        "in-force-bad-date": (f"{in_force}?on=notadate&party=microsoft", 400),
        "in-force-several-parties": (f"{in_force}?party=o", 400),
        "search": (search, 200),
        "search-results": (f"{search}?q=exclusive+cloud&party=microsoft&kind=joint_statement", 200),
        "search-announcements": (f"{search}?q=partnership&type=announcement", 200),
        "search-nothing": (f"{search}?q=zyzzogeton", 200),
        "search-bad-date": (f"{search}?q=licence&in_force_on=notadate&date_from=soon", 400),
        "not-found": ("/no/such/page/", 404),
    }


def vnu_errors(vnu_command: list[str], directory: Path) -> list[str]:
    """vnu's errors on every page in ``directory``, one line each."""
    result = subprocess.run(  # noqa: S603 (a fixed command: java, the jar, our directory)
        [*vnu_command, "--errors-only", "--format", "json", "--skip-non-html", str(directory)],
        capture_output=True,
        text=True,
        timeout=VNU_SECONDS,
        check=False,
    )
    messages = json.loads(result.stderr)["messages"]
    return [
        f"{Path(message.get('url', '?')).name}:{message.get('lastLine', '?')}: "
        f"{message['message']} [{message.get('extract', '').strip()}]"
        for message in messages
        if message.get("type") != "info"
    ]


def test_every_public_page_type_is_valid_html(
    client, django_db_serialized_rollback, demo_data, vnu_command, tmp_path
):
    # Serialized rollback, as the browser tests have: the database is left as migrated for them.
    dated = make_announcement(
        "A dated licence",
        slug="dated-licence",
        date=dt.date(2025, 10, 1),
        date_precision=DatePrecision.MONTH,
        kind="agreement",
    )
    make_clause(
        dated,
        "Licence through 2032",
        "The licence runs through 2032.",
        topics=[Topic.objects.get(slug="ip-licence")],
        effective_from=dt.date(2025, 10, 28),
    )
    saved = tmp_path / "pages"  # the test's search index is in tmp_path too
    saved.mkdir()
    for name, (url, status) in pages().items():
        response = client.get(url)
        assert response.status_code == status, url
        (saved / f"{name}.html").write_bytes(response.content)

    assert vnu_errors(vnu_command, saved) == []
