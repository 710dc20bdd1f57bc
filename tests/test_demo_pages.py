"""The public pages on the demo data (``manage.py load_demo``)."""

import html
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from kb.models import Announcement, AnnouncementKind

pytestmark = pytest.mark.django_db

IP_TIP = "Microsoft's license to OpenAI IP is non-exclusive through 2032"
CLOUD_TERMS = [
    "Azure remains the exclusive cloud provider of stateless OpenAI APIs",
    "OpenAI’s first party products, including Frontier, will continue to be hosted on Azure",
]


@pytest.fixture
def demo():
    call_command("load_demo", stdout=io.StringIO())
    return Announcement.objects.get(kind=AnnouncementKind.JOINT_STATEMENT)


def text(response) -> str:
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def card_headings(page: str) -> list[str]:
    return re.findall(
        r'<h3>(?:<a class="anchor"[^>]*>\d+\.</a> )?<a href="/clauses/\d+/">(.*?)</a>', page
    )


def test_the_joint_statement_shows_its_seven_clauses_in_order_with_anchors(client, demo):
    page = text(client.get(demo.get_absolute_url()))
    assert card_headings(page) == list(
        demo.clauses.order_by("position").values_list("heading", flat=True)
    )
    assert re.findall(r'<article class="clause-card" id="(clause-\d+)"', page) == [
        f"clause-{n}" for n in range(1, 8)
    ]


def test_the_cloud_exclusivity_lineage_renders_oldest_first_with_diffs(client, demo):
    clause = demo.clauses.get(position=4)
    page = text(client.get(clause.get_absolute_url()))
    lineage = page[page.index('id="lineage-heading"') :]
    steps = re.findall(
        r'<li(?: class="current"[^>]*)?>\s*<h3><a href="/clauses/\d+/">(.*?)</a>', lineage
    )
    assert steps == [
        "Azure is the primary cloud platform for OpenAI's deep learning and AI research",
        "Azure remains the exclusive cloud provider for all OpenAI workloads across research, "
        "API, and products",
        "Azure remains the exclusive cloud provider of stateless OpenAI APIs",
    ]
    assert lineage.count('<div class="diff">') == 2
    assert "<ins>" in lineage
    assert "<del>" in lineage


def test_the_cloud_exclusivity_timeline_groups_the_undated_clauses_under_date_unknown(client, demo):
    page = text(client.get(reverse("kb:topic", kwargs={"slug": "cloud-exclusivity"})))
    assert re.findall(r'<h2><span class="date-unknown">(.*?)</span></h2>', page) == ["Date unknown"]
    assert set(card_headings(page)) == {
        "Azure is the primary cloud platform for OpenAI's deep learning and AI research",
        "Azure remains the exclusive cloud provider for all OpenAI workloads across research, "
        "API, and products",
        *CLOUD_TERMS,
    }


@pytest.mark.parametrize(
    ("day", "ip_terms"),
    [("2026-01-01", [IP_TIP]), ("2033-01-01", [])],
    ids=["before-2033", "after-the-ip-terms-end"],
)
def test_the_in_force_page_on_two_dates(client, demo, day, ip_terms):
    def in_force(**params):
        return card_headings(text(client.get(reverse("kb:in_force"), {"on": day, **params})))

    assert in_force(topic="ip-licence") == ip_terms
    assert sorted(in_force(topic="cloud-exclusivity")) == sorted(CLOUD_TERMS)
