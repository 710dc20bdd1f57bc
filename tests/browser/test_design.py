"""What the design promises: it works without script, a citation copies in one click, diffs read
without colour, the filters fold away on a phone, and a clause prints without the site around it."""

import re

import pytest
from playwright.sync_api import expect

from kb.models import Clause
from tests.browser.support import PHONE

pytestmark = pytest.mark.browser

STATELESS_APIS = "Azure remains the exclusive cloud provider of stateless OpenAI APIs"


def clause_url() -> str:
    return Clause.objects.get(heading=STATELESS_APIS).get_absolute_url()


def test_search_and_its_filters_work_without_javascript(open_tab, demo_data):
    page = open_tab(java_script_enabled=False)
    page.goto("/search/?q=exclusive")

    page.get_by_label("Effect").select_option(label="Amended")
    page.get_by_role("button", name="Search", exact=True).last.click()

    expect(page).to_have_url(re.compile(r"effect=amended"))
    badges = page.locator(".search-hit .badge")
    expect(badges).not_to_have_count(0)
    for badge in badges.all():
        expect(badge).to_have_text("Amended")


def test_choosing_a_filter_with_the_mouse_applies_it_at_once(page, demo_data):
    page.goto("/search/?q=exclusive")
    expect(page.get_by_text("A choice in a list applies at once.")).to_be_visible()

    page.get_by_label("Effect").select_option(label="Amended")

    expect(page).to_have_url(re.compile(r"effect=amended"))


def test_the_copy_button_puts_the_citation_on_the_clipboard(open_tab, demo_data):
    page = open_tab(permissions=["clipboard-read", "clipboard-write"])
    page.goto(clause_url())

    page.get_by_role("button", name="Copy citation").click()

    expect(page.locator(".copy-status")).to_have_text("Citation copied.")
    citation = page.locator(".citation").inner_text().strip()
    assert page.evaluate("() => navigator.clipboard.readText()") == citation
    assert STATELESS_APIS in citation


def test_diff_insertions_and_deletions_differ_by_more_than_colour(page, demo_data):
    page.goto(clause_url())

    marks = page.evaluate(
        """() => ["ins", "del"].map(tag => {
            const element = document.querySelector(".lineage-steps " + tag);
            return [getComputedStyle(element).textDecorationLine,
                    getComputedStyle(element, "::before").content];
        })"""
    )
    assert marks[0][0] == "underline" and marks[0][1].startswith('"+"')
    assert marks[1][0] == "line-through" and marks[1][1].startswith('"−"')


def test_on_a_phone_the_filters_start_folded_and_open_on_demand(open_tab, demo_data):
    page = open_tab(viewport=PHONE)
    page.goto("/search/?q=exclusive")
    filters = page.get_by_label("Effect")
    expect(filters).to_be_hidden()

    page.get_by_text("Search options and filters").click()

    expect(filters).to_be_visible()


def test_a_printed_clause_shows_the_clause_and_its_citation_without_the_site_around_it(
    page, demo_data
):
    page.goto(clause_url())

    page.emulate_media(media="print")

    expect(page.get_by_role("heading", level=1)).to_contain_text(STATELESS_APIS)
    expect(page.locator(".citation")).to_be_visible()
    expect(page.get_by_role("banner")).to_be_hidden()
    expect(page.get_by_role("contentinfo")).to_be_hidden()
    expect(page.get_by_role("button", name="Copy citation")).to_be_hidden()
