"""The admin an editor uses, in a browser: the state badge and the transition buttons on a
phone and a desktop, and no serious or critical axe-core finding on its pages."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kb.demo import DEMO_STATEMENT
from kb.models import Announcement, Clause, Status
from tests.browser.support import (
    DESKTOP,
    PHONE,
    blocking_accessibility_violations,
    save_screenshots,
)
from tests.factories import make_announcement, make_clause, make_party, make_user

pytestmark = pytest.mark.browser

EDITOR_PASSWORD = "pw-editor-12345"
JOINT_STATEMENT = "Joint Statement from OpenAI and Microsoft"


def log_in(tab, username: str, password: str) -> None:
    tab.goto(reverse("admin:login"))
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Log in").click()
    expect(tab).to_have_url(re.compile(r"/admin/$"))


@pytest.fixture
def editor_tab(open_tab):
    def open_as_editor(viewport=DESKTOP):
        make_user("editor", role="Editors", password=EDITOR_PASSWORD)
        tab = open_tab(viewport=viewport)
        log_in(tab, "editor", EDITOR_PASSWORD)
        return tab

    return open_as_editor


def fits_the_width(tab, locator) -> bool:
    box = locator.bounding_box()
    return (
        box is not None and box["x"] >= 0 and box["x"] + box["width"] <= tab.viewport_size["width"]
    )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_state_badge_and_the_transitions_that_apply(editor_tab, viewport):
    draft = make_announcement("A draft statement", status=Status.DRAFT)
    tab = editor_tab(viewport)
    tab.goto(reverse("admin:kb_announcement_change", args=[draft.pk]))

    state = tab.get_by_role("group", name="Publishing state")
    expect(state.locator(".kb-badge")).to_have_text("Draft")
    expect(state.get_by_role("button")).to_have_text(["Send to review"])
    assert fits_the_width(tab, state.get_by_role("button", name="Send to review"))
    assert fits_the_width(tab, state.locator(".kb-badge"))
    no_sideways_scroll = "document.documentElement.scrollWidth <= window.innerWidth"
    assert tab.evaluate(no_sideways_scroll)

    state.get_by_role("button", name="Send to review").click()

    expect(tab.locator(".messagelist")).to_contain_text("is sent to review")
    expect(state.locator(".kb-badge")).to_have_text("In review")
    expect(state.get_by_role("button")).to_have_text(["Back to draft"])


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_clause_shows_its_announcements_state(editor_tab, viewport):
    clause = make_clause(make_announcement(status=Status.IN_REVIEW), "A heading")
    tab = editor_tab(viewport)
    tab.goto(reverse("admin:kb_clause_change", args=[clause.pk]))
    badge = tab.get_by_role("group", name="Publishing state").locator(".kb-badge")
    expect(badge).to_have_text("In review")
    assert fits_the_width(tab, badge)


def test_pressing_enter_in_a_field_saves_rather_than_taking_a_transition(editor_tab):
    draft = make_announcement("A draft statement", status=Status.DRAFT)
    tab = editor_tab()
    tab.goto(reverse("admin:kb_announcement_change", args=[draft.pk]))
    tab.get_by_label("Title:").fill("A renamed draft")
    tab.get_by_label("Title:").press("Enter")
    expect(tab.locator(".messagelist")).to_contain_text("was changed successfully")
    draft.refresh_from_db()
    assert (draft.title, draft.status) == ("A renamed draft", Status.DRAFT)


def admin_page_url(name: str) -> str:
    announcement = Announcement.objects.get(title=JOINT_STATEMENT)
    clause = announcement.clauses.order_by("position").first()
    return {
        "announcements": reverse("admin:kb_announcement_changelist"),
        "announcements-filtered": reverse("admin:kb_announcement_changelist") + "?party=microsoft",
        "clauses": reverse("admin:kb_clause_changelist"),
        "announcement": reverse("admin:kb_announcement_change", args=[announcement.pk]),
        "clause": reverse("admin:kb_clause_change", args=[clause.pk]),
        "announcement-history": reverse("admin:kb_announcement_history", args=[announcement.pk]),
        "clause-history": reverse("admin:kb_clause_history", args=[clause.pk]),
        "import": reverse("admin:kb_announcement_import"),
    }[name]


def edit_for_history(announcement: Announcement) -> None:
    """Two versions, so the history pages show a diff."""
    announcement.summary = announcement.summary + " Edited."
    announcement.save()
    clause = announcement.clauses.order_by("position").first()
    clause.text = clause.text.replace("partnership", "collaboration", 1)
    clause.save()


@pytest.mark.parametrize(
    "name",
    [
        "announcements",
        "announcements-filtered",
        "clauses",
        "announcement",
        "clause",
        "announcement-history",
        "clause-history",
        "import",
    ],
)
def test_the_admin_page_has_no_serious_accessibility_violations(editor_tab, demo_data, name):
    # Drafts, so the editor's change forms are editable (with every widget on them).
    Announcement.objects.update(status=Status.DRAFT)
    edit_for_history(Announcement.objects.get(title=JOINT_STATEMENT))
    tab = editor_tab()
    tab.goto(admin_page_url(name))
    if name in ("announcement", "clause"):
        # Open the collapsed sections, so their select2 inputs are checked too.
        for summary in tab.locator("fieldset.collapse summary, details summary").all():
            if summary.is_visible():
                summary.click()

    found = blocking_accessibility_violations(tab)
    assert found == [], "\n".join(found)
    save_screenshots(tab, f"admin-{name}")


def test_the_import_preview_has_no_serious_accessibility_violations(editor_tab, screenshots_dir):
    make_party("Amazon.com, Inc.", short_name="Amazon")
    tab = editor_tab()
    tab.goto(reverse("admin:kb_announcement_import"))
    tab.get_by_label("or upload a file").set_input_files(DEMO_STATEMENT)
    tab.get_by_role("button", name="Preview").click()
    expect(tab.get_by_role("heading", name="Clauses (7)")).to_be_visible()
    expect(tab.get_by_role("checkbox", name="Amazon.com, Inc.")).to_be_checked()

    found = blocking_accessibility_violations(tab)
    assert found == [], "\n".join(found)
    tab.screenshot(path=screenshots_dir / "admin-import-preview-desktop.png", full_page=True)


def test_the_import_preview_fits_a_phone_and_shows_whole_headings(editor_tab, screenshots_dir):
    tab = editor_tab(PHONE)
    tab.goto(reverse("admin:kb_announcement_import"))
    tab.get_by_label("or upload a file").set_input_files(DEMO_STATEMENT)
    tab.get_by_role("button", name="Preview").click()
    heading = tab.get_by_label("Heading of clause 5")
    expect(heading).to_have_value(re.compile("^OpenAI’s first party products"))
    assert fits_the_width(tab, heading)
    # The whole heading is visible: the box is as tall as its wrapped text.
    assert heading.evaluate("box => box.scrollHeight <= box.clientHeight + 2")
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    tab.screenshot(path=screenshots_dir / "admin-import-preview-phone.png", full_page=True)


def test_the_supersedes_choice_shows_the_announcement_and_position(editor_tab):
    older = make_clause(
        make_announcement("Services agreement", status=Status.DRAFT), "Governing Law"
    )
    clause = make_clause(make_announcement("Amendment", status=Status.DRAFT), "Governing Law")
    tab = editor_tab()
    tab.goto(reverse("admin:kb_clause_change", args=[clause.pk]))
    tab.get_by_role("combobox", name=re.compile("^Supersedes")).click()
    tab.locator(".select2-container--open .select2-search__field").fill("Governing")
    expect(tab.locator(".select2-results__option", has_text="Services agreement")).to_have_text(
        f"Governing Law — Services agreement, undated, clause {older.position}"
    )
    assert Clause.objects.count() == 2
