"""An editor imports the seed statement in the admin and sends it to review; a publisher
publishes it; staff then find it in search."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kb.demo import DEMO_STATEMENT
from tests.factories import make_user

pytestmark = pytest.mark.browser

EDITED_HEADING = "Azure hosts every stateless OpenAI API"


def log_in(tab, username: str, password: str) -> None:
    tab.goto(reverse("admin:login"))
    tab.get_by_label("Username").fill(username)
    tab.get_by_label("Password").fill(password)
    tab.get_by_role("button", name="Log in").click()
    expect(tab).to_have_url(re.compile(r"/admin/$"))


def run_action(tab, action: str) -> None:
    """Take a workflow transition with its button on the announcement's change form."""
    tab.get_by_role("group", name="Publishing state").get_by_role("button", name=action).click()


def test_an_imported_statement_is_edited_reviewed_published_and_then_found(open_tab):
    make_user("editor", role="Editors", password="pw-editor-12345")
    make_user("publisher", role="Publishers", password="pw-publisher-12345")

    editor = open_tab()
    log_in(editor, "editor", "pw-editor-12345")
    editor.goto(reverse("admin:kb_announcement_import"))
    editor.get_by_label("or upload a file").set_input_files(DEMO_STATEMENT)
    editor.get_by_role("button", name="Preview").click()
    expect(editor.get_by_role("heading", name="Clauses (7)")).to_be_visible()
    editor.get_by_role("button", name="Save as drafts").click()
    expect(editor.locator(".messagelist")).to_contain_text("Saved as drafts")

    heading = editor.locator("input[name$='-heading'][value^='Azure remains the exclusive']")
    heading.fill(EDITED_HEADING)
    editor.get_by_role("button", name="Save and continue editing").first.click()
    expect(editor.locator(".messagelist")).to_contain_text("was changed successfully")
    run_action(editor, "Send to review")
    expect(editor.locator(".messagelist")).to_contain_text("sent to review")
    announcement_url = editor.url

    publisher = open_tab()
    log_in(publisher, "publisher", "pw-publisher-12345")
    publisher.goto(announcement_url)
    run_action(publisher, "Publish")
    expect(publisher.locator(".messagelist")).to_contain_text("published")

    reader = open_tab()
    reader.goto("/")
    reader.get_by_role("search").get_by_label("Search clauses").fill("hosts every stateless")
    reader.keyboard.press("Enter")
    expect(reader).to_have_url(re.compile(r"/search/"))
    expect(reader.get_by_role("link", name=EDITED_HEADING)).to_be_visible()
