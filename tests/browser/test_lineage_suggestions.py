"""An editor imports a statement and, in the preview, accepts a suggested link to the
earlier published clause one of its clauses reaffirms."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from kb.demo import DEMO_STATEMENT
from kb.models import Clause, ClauseEffect
from tests.factories import make_announcement, make_clause, make_party, make_user

pytestmark = pytest.mark.browser


def test_an_editor_accepts_a_suggested_link_in_the_import_preview(open_tab):
    make_user("editor", role="Editors", password="pw-editor-12345")
    parties = [make_party("OpenAI"), make_party("Microsoft")]
    earlier = make_clause(
        make_announcement("Revenue share agreed", date=dt.date(2019, 7, 22), parties=parties),
        "Revenue share",
        "OpenAI and Microsoft share revenue from the partnership.",
    )

    editor = open_tab()
    editor.goto(reverse("admin:login"))
    editor.get_by_label("Username").fill("editor")
    editor.get_by_label("Password").fill("pw-editor-12345")
    editor.get_by_role("button", name="Log in").click()
    expect(editor).to_have_url(re.compile(r"/admin/$"))

    editor.goto(reverse("admin:kb_announcement_import"))
    editor.get_by_label("or upload a file").set_input_files(DEMO_STATEMENT)
    editor.get_by_role("button", name="Preview").click()
    row = editor.locator(
        "tr",
        has=editor.locator("textarea[name$='-heading']", has_text="Our commercial and revenue"),
    )
    expect(row.get_by_text("Revenue share agreed")).to_be_visible()
    expect(row.get_by_text("same parties")).to_be_visible()
    row.get_by_label("Reaffirmed (proposed)").check()
    editor.get_by_role("button", name="Save as drafts").click()
    expect(editor.locator(".messagelist")).to_contain_text("1 linked to earlier clauses")

    linked = Clause.objects.get(supersedes=earlier)
    assert linked.heading.startswith("Our commercial and revenue share")
    assert linked.effect == ClauseEffect.REAFFIRMED
