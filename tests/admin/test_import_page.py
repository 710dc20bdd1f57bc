"""The admin's import page as editors use it: breadcrumbs, parties named in the text,
clause inputs that show whole headings, and messages in the right number."""

import re

import pytest
from django.urls import reverse

from kb.demo import DEMO_STATEMENT
from kb.importers.base import PartyLookup
from kb.importers.statement import parse_statement
from kb.models import Announcement
from tests.factories import make_party

pytestmark = pytest.mark.django_db

URL = reverse("admin:kb_announcement_import")
SEED = DEMO_STATEMENT.read_text(encoding="utf-8")
ONE_RELATED = (
    "Summary.\n# A statement from Microsoft\nSource: https://example.com/a\n"
    "**Heading\\.**Body\\.\n"
    "Microsoft and OpenAI signed a memorandum of understanding.\n"
)


def preview(client, source):
    return client.post(URL, {"text": source, "preview": "Preview"})


def save_data(response) -> dict:
    """The preview's form as a browser would send it, ticked boxes included."""
    confirm = response.context["confirm_form"]
    formset = response.context["formset"]
    data = {
        "save": "Save as drafts",
        "source": confirm["source"].value(),
        "filename": confirm["filename"].value(),
        "parties": [str(pk) for pk in confirm["parties"].value() or []],
        "form-TOTAL_FORMS": str(formset.total_form_count()),
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
    }
    for form in formset:
        for name in ("heading", "text", "line", "ORDER"):
            data[form.add_prefix(name)] = form[name].value()
    return data


@pytest.mark.parametrize("step", ["source", "preview"])
def test_the_import_page_has_the_admins_breadcrumbs(editor_client, step):
    response = editor_client.get(URL) if step == "source" else preview(editor_client, SEED)
    assert '<ol class="breadcrumbs">' in response.text
    assert '<li aria-current="page">Import a statement</li>' in response.text


def test_known_parties_named_in_the_text_are_preselected_in_the_preview(editor_client):
    amazon = make_party("Amazon.com, Inc.", short_name="Amazon")
    make_party("Microsoft")
    make_party("Salesforce")  # not named

    response = preview(editor_client, SEED)

    assert [party.pk for party in response.context["detected_parties"]] == [amazon.pk]
    checkbox = re.search(
        r'<input type="checkbox" name="parties" value="(\d+)"[^>]*>', response.text
    )
    assert checkbox is not None and checkbox[1] == str(amazon.pk) and "checked" in checkbox[0]
    assert "Amazon.com, Inc.</label>" in response.text
    assert "Salesforce" not in response.text


def test_the_ticked_parties_are_saved_with_the_title_parties(editor_client):
    amazon = make_party("Amazon.com, Inc.", short_name="Amazon")
    response = preview(editor_client, SEED)

    saved = editor_client.post(URL, save_data(response))

    assert saved.status_code == 302
    statement = Announcement.objects.get(title="Joint Statement from OpenAI and Microsoft")
    assert sorted(statement.parties.values_list("name", flat=True)) == [
        amazon.name,
        "Microsoft",
        "OpenAI",
    ]


def test_an_unticked_party_is_not_saved(editor_client):
    make_party("Amazon.com, Inc.", short_name="Amazon")
    data = save_data(preview(editor_client, SEED))
    data["parties"] = []

    assert editor_client.post(URL, data).status_code == 302

    statement = Announcement.objects.get(title="Joint Statement from OpenAI and Microsoft")
    assert sorted(statement.parties.values_list("name", flat=True)) == ["Microsoft", "OpenAI"]


def test_parties_are_found_by_name_short_name_or_alias_as_whole_words_in_any_case():
    amazon = make_party("Amazon.com, Inc.", short_name="Amazon")
    alphabet = make_party("Alphabet Inc.", aliases="Google\nGoogle LLC")
    make_party("IBM")
    make_party("AI")  # too short to look for in running text
    text = "GOOGLE and amazon met; an Amazonian IBMer and some AI were not parties."
    assert PartyLookup().named_in(text) == [alphabet, amazon]


def test_one_related_announcement_is_one_in_the_message(editor_client):
    assert len(parse_statement(ONE_RELATED).related) == 1
    response = editor_client.post(URL, save_data(preview(editor_client, ONE_RELATED)), follow=True)
    text = [str(message) for message in response.context["messages"]][0]
    assert text.endswith("with 1 clause, and 1 related announcement.")


def test_each_clause_input_is_named_and_a_heading_shows_whole(editor_client):
    response = preview(editor_client, SEED)
    assert re.search(
        r'<textarea name="form-0-heading"[^>]*aria-label="Heading of clause 1"', response.text
    )
    assert 'aria-label="Body of clause 7"' in response.text
    assert 'aria-label="Order of clause 1"' in response.text
    assert 'aria-label="Drop of clause 1"' in response.text
