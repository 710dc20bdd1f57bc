"""A staff member reads the knowledge base: search, filters, a clause, its lineage, the terms
in force."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.support import save_screenshots

pytestmark = pytest.mark.browser

STATELESS_APIS = "Azure remains the exclusive cloud provider of stateless OpenAI APIs"
ALL_WORKLOADS = (
    "Azure remains the exclusive cloud provider for all OpenAI workloads across research, API, "
    "and products"
)
PRIMARY_PLATFORM = "Azure is the primary cloud platform for OpenAI's deep learning and AI research"


def test_a_staff_member_searches_filters_reads_a_clause_its_lineage_and_the_terms_in_force(
    page, demo_data
):
    page.goto("/")
    save_screenshots(page, "home")

    page.get_by_role("search").get_by_label("Search clauses").fill("exclusive cloud provider")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=exclusive\+cloud\+provider"))
    expect(page.locator("mark").first).to_be_visible()
    save_screenshots(page, "search-results")

    facets = page.get_by_role("complementary", name="Narrow down")
    facets.get_by_role("link", name="Microsoft", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]party=microsoft"))
    facets.get_by_role("link", name="Cloud exclusivity", exact=True).click()
    expect(page).to_have_url(re.compile(r"[?&]topic=cloud-exclusivity"))
    results = page.locator(".search-hit")
    expect(results).not_to_have_count(0)
    for card in results.all():
        expect(card.get_by_role("link", name="Cloud exclusivity", exact=True)).to_be_visible()

    page.get_by_role("link", name=STATELESS_APIS).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(STATELESS_APIS)
    lineage = page.locator(".lineage-steps > li")
    expect(lineage).to_have_count(3)
    expect(lineage.nth(2)).to_have_attribute("aria-current", "true")
    expect(lineage.nth(2).locator("ins").first).to_be_visible()
    expect(lineage.nth(2).locator("del").first).to_be_visible()
    save_screenshots(page, "clause")

    lineage.nth(0).get_by_role("link", name=PRIMARY_PLATFORM).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PRIMARY_PLATFORM)
    expect(page.locator(".lineage-steps > li").nth(0)).to_have_attribute("aria-current", "true")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Terms in force").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Terms in force on")
    in_force = page.locator(".clause-card h3")
    expect(in_force.filter(has_text=STATELESS_APIS)).to_have_count(1)
    expect(in_force.filter(has_text=ALL_WORKLOADS)).to_have_count(0)
    expect(in_force.filter(has_text=PRIMARY_PLATFORM)).to_have_count(0)
    save_screenshots(page, "in-force")
