"""Staff browse every announcement, topic and party, and filter the terms in force by a party
typed by name, on a phone and on a desktop: nothing runs off the side of the screen, shared URLs
carry only the filters chosen, and each active filter is a chip that removes it."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from kb.models import Announcement, Status
from tests.browser.support import DESKTOP, PHONE, blocking_accessibility_violations
from tests.factories import make_announcement, make_party

pytestmark = pytest.mark.browser

JOINT_STATEMENT = "Joint Statement from OpenAI and Microsoft"
STATELESS_APIS = "Azure remains the exclusive cloud provider of stateless OpenAI APIs"
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
# CUAD names 1,142 parties, some at length; the old party <select> was as wide as the longest.
LONG_NAMES = [
    f"Consolidated International Holdings and Licensing Corporation of North America No. {n}"
    for n in range(150)
] + ["Aktiengesellschaftfürinternationalezusammenarbeitundtechnologieentwicklung GmbH"]


@pytest.fixture
def many_parties(demo_data) -> None:
    """The demo, and 151 more parties with long names, each named by an agreement."""
    for name in LONG_NAMES:
        make_announcement(f"Agreement with {name}", kind="agreement", parties=[make_party(name)])


def overflow(page) -> int:
    """How many CSS pixels the page is wider than the screen (0: nothing runs off it)."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@VIEWPORTS
def test_an_undated_statement_is_found_by_browsing_announcements(open_tab, demo_data, viewport):
    for year in range(2000, 2030):
        make_announcement(f"Contract of {year}", kind="agreement", date=dt.date(year, 1, 1))
    undated = Announcement.objects.filter(status=Status.PUBLISHED, date__isnull=True).count()
    page = open_tab(viewport=viewport)
    page.goto("/")
    expect(page.get_by_role("link", name=JOINT_STATEMENT)).to_have_count(0)

    page.get_by_role("link", name="Every announcement").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Announcements")
    if viewport == PHONE:
        page.get_by_text("Filters", exact=True).click()
    # A choice made with the pointer applies at once (kb.js); the empty fields stay out of the URL.
    page.get_by_label("Year").select_option(label=f"Date unknown ({undated})")

    expect(page).to_have_url(re.compile(r"/announcements/\?year=unknown$"))
    expect(page.get_by_role("link", name=JOINT_STATEMENT)).to_be_visible()
    expect(page.get_by_role("link", name="Contract of 2029")).to_have_count(0)
    assert overflow(page) == 0

    page.get_by_role("link", name="Remove the filter Date unknown").click()
    expect(page).to_have_url(re.compile(r"/announcements/$"))
    expect(page.get_by_role("link", name="Contract of 2029")).to_be_visible()


@VIEWPORTS
def test_the_terms_in_force_for_a_party_typed_by_name(open_tab, many_parties, viewport):
    page = open_tab(viewport=viewport)
    page.goto("/in-force/")
    assert overflow(page) == 0
    party = page.get_by_role("combobox", name="Party")
    expect(party).to_have_attribute("list", "party-suggestions")
    assert page.locator("#party-suggestions option").count() <= 100

    party.fill("Microsoft")
    page.get_by_role("button", name="Show").click()

    # The empty date and topic are left out of the URL, and the party is its slug.
    expect(page).to_have_url(re.compile(r"/in-force/\?party=microsoft$"))
    expect(page.get_by_role("combobox", name="Party")).to_have_value("Microsoft")
    expect(page.locator(".clause-card h3").filter(has_text=STATELESS_APIS)).to_have_count(1)
    chip = page.get_by_role("link", name="Remove the filter Party: Microsoft")
    expect(chip).to_be_visible()
    assert overflow(page) == 0
    assert blocking_accessibility_violations(page) == []

    chip.click()
    expect(page).to_have_url(re.compile(r"/in-force/$"))
    expect(page.get_by_role("combobox", name="Party")).to_have_value("")


def test_a_party_typed_in_part_is_found_without_javascript(open_tab, many_parties):
    page = open_tab(java_script_enabled=False, viewport=PHONE)
    page.goto("/in-force/")

    page.get_by_role("combobox", name="Party").fill("zusammenarbeit")
    page.get_by_role("button", name="Show").click()

    expect(page).to_have_url(re.compile(r"/in-force/\?party=aktiengesellschaft"))
    chip = page.get_by_role("link", name=re.compile(r"^Remove the filter Party: Aktien"))
    expect(chip).to_be_visible()
    assert overflow(page) == 0

    page.get_by_role("combobox", name="Party").fill("Consolidated")
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_role("alert")).to_contain_text("matches more than 10 parties")
    page.get_by_role("link", name=LONG_NAMES[0]).click()
    expect(
        page.get_by_role("link", name=f"Remove the filter Party: {LONG_NAMES[0]}")
    ).to_be_visible()


@VIEWPORTS
@pytest.mark.parametrize(
    "url",
    [
        "/announcements/",
        "/announcements/?kind=agreement&party=microsoft",
        "/parties/",
        "/topics/",
        "/topics/cloud-exclusivity/?sort=newest",
        "/in-force/?party=microsoft&topic=cloud-exclusivity",
        "/search/?q=exclusive&party=microsoft&kind=joint_statement",
    ],
    ids=[
        "announcements",
        "announcements-filtered",
        "parties",
        "topics",
        "topic-newest",
        "in-force-filtered",
        "search-filtered",
    ],
)
def test_the_page_fits_the_screen_and_has_no_serious_accessibility_violations(
    open_tab, many_parties, viewport, url
):
    page = open_tab(viewport=viewport)
    page.goto(url)

    assert overflow(page) == 0
    assert blocking_accessibility_violations(page) == []


def test_the_parties_are_listed_a_to_z_a_page_at_a_time(page, many_parties):
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Parties").click()

    names = page.locator(".name-list li > a").all_inner_texts()
    assert names == sorted(names, key=str.lower)
    assert len(names) == 100
    page.get_by_role("link", name="Next →").click()
    expect(page).to_have_url(re.compile(r"/parties/\?page=2$"))
    expect(page.get_by_role("link", name="Microsoft")).to_be_visible()


def test_on_a_phone_the_search_filters_in_use_show_above_the_folded_panel(open_tab, demo_data):
    page = open_tab(viewport=PHONE)
    page.goto("/search/?q=exclusive&party=microsoft&effect=amended")
    expect(page.get_by_label("Effect")).to_be_hidden()  # the filter panel starts folded

    chip = page.get_by_role("link", name="Remove the filter Effect: Amended")
    expect(chip).to_be_in_viewport()
    chip.click()

    expect(page).to_have_url(re.compile(r"/search/\?q=exclusive&party=microsoft$"))
    expect(page.get_by_role("link", name="Remove the filter Party: Microsoft")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Remove the filter Effect"))).to_have_count(0)
