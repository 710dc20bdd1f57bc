"""axe-core finds no serious or critical WCAG 2.2 A/AA problem on the pages staff read."""

import pytest
from django.urls import reverse

from kb.models import Announcement, Clause, Party, Topic
from tests.browser.support import blocking_accessibility_violations, save_screenshots

pytestmark = pytest.mark.browser

JOINT_STATEMENT = "Joint Statement from OpenAI and Microsoft"
STATELESS_APIS = "Azure remains the exclusive cloud provider of stateless OpenAI APIs"


def page_url(name: str) -> str:
    if name == "announcement":
        return Announcement.objects.get(title=JOINT_STATEMENT).get_absolute_url()
    if name == "clause":
        return Clause.objects.get(heading=STATELESS_APIS).get_absolute_url()
    if name == "topic":
        return Topic.objects.get(name="Cloud exclusivity").get_absolute_url()
    if name == "party":
        return Party.objects.get(name="Microsoft").get_absolute_url()
    if name == "search-results":
        return reverse("kb:search") + "?q=exclusive+cloud&party=microsoft"
    if name == "in-force-filtered":
        return reverse("kb:in_force") + "?party=microsoft&topic=cloud-exclusivity"
    return reverse(
        {
            "home": "kb:home",
            "in-force": "kb:in_force",
            "announcements": "kb:announcements",
            "topics": "kb:topics",
            "parties": "kb:parties",
        }[name]
    )


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "search-results",
        "announcement",
        "clause",
        "topic",
        "party",
        "in-force",
        "in-force-filtered",
        "announcements",
        "topics",
        "parties",
    ],
)
def test_the_page_has_no_serious_accessibility_violations(page, demo_data, name):
    page.goto(page_url(name))

    assert blocking_accessibility_violations(page) == []
    save_screenshots(page, name)
