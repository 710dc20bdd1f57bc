"""The search page used with the keyboard alone: skip link, search, filter, open a result."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

# Enough Tab presses to cross any of our pages; a test that needs more has lost its way.
MAX_TABS = 80

FOCUSED = """() => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    return {
        tag: element.tagName.toLowerCase(),
        id: element.id,
        text: (element.innerText || element.value || "").trim(),
        href: element.getAttribute("href") || "",
        outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    };
}"""


def tab_until(page, wanted, *, backwards: bool = False) -> dict:
    """Press Tab until the focused element matches ``wanted``; every element that takes the
    focus on the way must show a visible focus outline."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["outline"], f"no visible focus on {focused}"
        if wanted(focused):
            return focused
    raise AssertionError(f"Tab never reached the element wanted on {page.url}")


def test_the_search_page_works_with_the_keyboard_alone(page, demo_data):
    page.goto("/search/")

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    tab_until(page, lambda focused: focused["id"] == "id_q")
    page.keyboard.type("exclusive cloud")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"q=exclusive\+cloud"))
    page.wait_for_load_state()  # the stylesheet too, so the focus outline can be checked

    tab_until(page, lambda focused: focused["id"] == "id_effect")
    page.keyboard.press("ArrowDown")  # a keyboard change does not reload the page by itself
    effect = page.evaluate("() => document.activeElement.value")
    assert effect
    expect(page).not_to_have_url(re.compile(r"effect=\w"))
    tab_until(page, lambda focused: focused["tag"] == "button" and focused["text"] == "Search")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"effect={effect}(&|$)"))
    page.wait_for_load_state()

    first_result = tab_until(page, lambda focused: focused["href"].startswith("/clauses/"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(first_result["href"]) + "$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(first_result["text"])
