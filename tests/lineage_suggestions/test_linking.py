"""Accepting and dismissing suggestions: the rules of a link made by hand."""

import datetime as dt

import pytest
from django.urls import reverse

from kb.demo import DEMO_STATEMENT
from kb.importers.statement import parse_statement
from kb.lineage_suggestions.linking import LINKED_REASON, dismiss, link_clause
from kb.lineage_suggestions.models import LineageDismissal
from kb.models import Announcement, Clause, ClauseEffect, Party, Status
from kb.workflow import VersionConflict, WorkflowError
from tests.factories import index_now, make_announcement, make_clause, make_party

pytestmark = pytest.mark.django_db

CLOUD = "Azure is the exclusive cloud provider for OpenAI's APIs."


@pytest.fixture
def earlier():
    return make_clause(make_announcement(date=dt.date(2020, 1, 1)), "Exclusive cloud", CLOUD)


@pytest.fixture
def draft_clause():
    announcement = make_announcement(date=dt.date(2024, 1, 1), status=Status.DRAFT)
    return make_clause(announcement, "Exclusive cloud", CLOUD)


@pytest.fixture
def published_clause():
    return make_clause(make_announcement(date=dt.date(2024, 1, 1)), "Exclusive cloud", CLOUD)


def link_url(clause):
    return reverse("admin:kb_clause_link_suggestion", args=[clause.pk])


def dismiss_url(clause):
    return reverse("admin:kb_clause_dismiss_suggestion", args=[clause.pk])


def change_url(clause):
    return reverse("admin:kb_clause_change", args=[clause.pk])


# The service --------------------------------------------------------------------


def test_an_editor_links_a_draft_clause_and_the_history_says_who_and_why(
    editor, earlier, draft_clause
):
    link_clause(draft_clause.pk, earlier.pk, ClauseEffect.AMENDED, by=editor, loaded_version=1)
    draft_clause.refresh_from_db()
    assert (draft_clause.supersedes, draft_clause.effect) == (earlier, ClauseEffect.AMENDED)
    assert draft_clause.version == 2
    latest = draft_clause.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (editor, LINKED_REASON)
    assert latest.supersedes_id == earlier.pk


def test_an_editor_cannot_link_a_clause_of_a_published_announcement(
    editor, earlier, published_clause
):
    with pytest.raises(WorkflowError, match="only Publishers"):
        link_clause(
            published_clause.pk, earlier.pk, ClauseEffect.AMENDED, by=editor, loaded_version=1
        )
    published_clause.refresh_from_db()
    assert published_clause.supersedes is None


def test_a_publisher_links_a_clause_of_a_published_announcement(
    publisher, earlier, published_clause
):
    link_clause(
        published_clause.pk, earlier.pk, ClauseEffect.REAFFIRMED, by=publisher, loaded_version=1
    )
    published_clause.refresh_from_db()
    assert published_clause.supersedes == earlier


def test_a_reader_cannot_link(reader, earlier, draft_clause):
    with pytest.raises(WorkflowError, match="may not change clauses"):
        link_clause(draft_clause.pk, earlier.pk, ClauseEffect.AMENDED, by=reader, loaded_version=1)


def test_a_link_from_an_outdated_page_is_refused_and_changes_nothing(editor, earlier, draft_clause):
    draft_clause.heading = "Changed by a colleague"
    draft_clause.version = 2
    draft_clause.save()
    with pytest.raises(VersionConflict):
        link_clause(draft_clause.pk, earlier.pk, ClauseEffect.AMENDED, by=editor, loaded_version=1)
    draft_clause.refresh_from_db()
    assert (draft_clause.supersedes, draft_clause.version) == (None, 2)


def test_a_link_breaking_the_clause_rules_is_refused(editor, draft_clause):
    later = make_clause(make_announcement(date=dt.date(2025, 1, 1)), "Exclusive cloud", CLOUD)
    with pytest.raises(WorkflowError, match="later announcement"):
        link_clause(draft_clause.pk, later.pk, ClauseEffect.AMENDED, by=editor, loaded_version=1)
    draft_clause.refresh_from_db()
    assert (draft_clause.supersedes, draft_clause.version) == (None, 1)


def test_new_is_not_an_effect_a_link_can_have(editor, earlier, draft_clause):
    with pytest.raises(WorkflowError, match="not an effect"):
        link_clause(draft_clause.pk, earlier.pk, ClauseEffect.NEW, by=editor, loaded_version=1)


def test_dismissing_twice_keeps_one_dismissal(editor, earlier, draft_clause):
    dismiss(draft_clause.pk, earlier.pk, by=editor)
    dismiss(draft_clause.pk, earlier.pk, by=editor)
    assert LineageDismissal.objects.filter(clause=draft_clause).count() == 1


def test_a_reader_cannot_dismiss(reader, earlier, draft_clause):
    with pytest.raises(WorkflowError):
        dismiss(draft_clause.pk, earlier.pk, by=reader)
    assert not LineageDismissal.objects.exists()


# The clause change form -------------------------------------------------------------


def test_the_change_form_lists_suggestions_with_reasons_and_link_buttons(
    editor_client, earlier, draft_clause
):
    page = editor_client.get(change_url(draft_clause)).text
    assert "Earlier clauses it may continue" in page
    assert "both mention “exclusive”, “cloud”" in page
    assert "Link as reaffirmed (proposed)" in page
    assert f'name="candidate" value="{earlier.pk}"' in page


def test_suggested_text_is_escaped(editor_client, draft_clause):
    make_clause(
        make_announcement(date=dt.date(2020, 1, 1), title="<script>alert(1)</script>"),
        "Exclusive cloud <b>bold</b>",
        CLOUD,
    )
    page = editor_client.get(change_url(draft_clause)).text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_one_click_links_the_clause_from_the_change_form(editor_client, earlier, draft_clause):
    response = editor_client.post(
        link_url(draft_clause),
        {"candidate": earlier.pk, "loaded_version": 1, "effect": "amended"},
    )
    assert response.status_code == 302
    draft_clause.refresh_from_db()
    assert (draft_clause.supersedes, draft_clause.effect) == (earlier, ClauseEffect.AMENDED)
    page = editor_client.get(response.url).text
    assert "now supersedes" in page
    assert "(linked now)" in page


def test_a_stale_link_click_shows_the_conflict_and_changes_nothing(
    editor_client, earlier, draft_clause
):
    Clause.objects.filter(pk=draft_clause.pk).update(version=5)
    response = editor_client.post(
        link_url(draft_clause),
        {"candidate": earlier.pk, "loaded_version": 1, "effect": "amended"},
        follow=True,
    )
    assert "while you were editing it" in response.text
    draft_clause.refresh_from_db()
    assert draft_clause.supersedes is None


def test_a_reader_sees_no_link_buttons_and_cannot_post_a_link(
    client, reader, earlier, draft_clause
):
    client.force_login(reader)
    assert client.get(change_url(draft_clause)).status_code == 403
    response = client.post(
        link_url(draft_clause), {"candidate": earlier.pk, "loaded_version": 1, "effect": "amended"}
    )
    assert response.status_code == 403
    draft_clause.refresh_from_db()
    assert draft_clause.supersedes is None


def test_an_editor_sees_suggestions_of_a_published_clause_without_link_buttons(
    editor_client, earlier, published_clause
):
    page = editor_client.get(change_url(published_clause)).text
    assert "Earlier clauses it may continue" in page
    assert "Link as" not in page


def test_a_dismissed_suggestion_stays_dismissed(editor_client, editor, earlier, draft_clause):
    response = editor_client.post(dismiss_url(draft_clause), {"candidate": earlier.pk})
    assert response.status_code == 302
    page = editor_client.get(change_url(draft_clause)).text
    assert f'name="candidate" value="{earlier.pk}"' not in page
    assert LineageDismissal.objects.get().user == editor


def test_a_link_request_without_a_candidate_changes_nothing(editor_client, draft_clause):
    response = editor_client.post(link_url(draft_clause), {"effect": "amended"}, follow=True)
    assert "incomplete" in response.text
    draft_clause.refresh_from_db()
    assert draft_clause.version == 1


def test_the_change_form_with_suggestions_runs_a_fixed_number_of_queries(
    publisher_client, django_assert_num_queries, published_clause
):
    for year in range(2010, 2020):
        make_clause(make_announcement(date=dt.date(year, 1, 1)), "Exclusive cloud", CLOUD)
    index_now()
    url = change_url(published_clause)
    assert publisher_client.get(url).status_code == 200
    # The form's own 8, then the clause's announcement's parties and clauses, its
    # dismissals, the index's change log, and the five candidates, their parties (2)
    # and topics.
    with django_assert_num_queries(8 + 4 + 4):
        assert publisher_client.get(url).status_code == 200


# The statement import's preview ---------------------------------------------------

IMPORT_URL = reverse("admin:kb_announcement_import")
SEED = DEMO_STATEMENT.read_text(encoding="utf-8")


def test_the_import_preview_offers_suggestions_and_links_the_chosen_one(editor_client):
    openai, microsoft = make_party("OpenAI"), make_party("Microsoft")
    earlier = make_clause(
        make_announcement(date=dt.date(2019, 7, 22), parties=[openai, microsoft]),
        "Revenue share",
        "OpenAI and Microsoft share revenue.",
    )
    preview = editor_client.post(IMPORT_URL, {"text": SEED, "preview": "Preview"})
    assert "Earlier clause it continues" in preview.text
    assert f'value="{earlier.pk}:reaffirmed"' in preview.text
    clauses = parse_statement(SEED).statement.clauses
    data = {
        "save": "Save as drafts",
        "source": SEED,
        "filename": "pasted text",
        "form-TOTAL_FORMS": str(len(clauses)),
        "form-INITIAL_FORMS": str(len(clauses)),
    }
    for index, clause in enumerate(clauses):
        data |= {
            f"form-{index}-heading": clause.heading,
            f"form-{index}-text": clause.text,
            f"form-{index}-line": clause.line,
            f"form-{index}-ORDER": str(index + 1),
        }
    data["form-2-link"] = f"{earlier.pk}:reaffirmed"
    response = editor_client.post(IMPORT_URL, data)
    assert response.status_code == 302
    linked = Clause.objects.get(supersedes=earlier)
    assert (linked.position, linked.effect) == (3, ClauseEffect.REAFFIRMED)
    assert linked.announcement.status == Status.DRAFT
    assert linked.history.latest().history_change_reason == LINKED_REASON


def save_first_clause_linked(client, link: str):
    """Save the seed's first clause from the import preview with ``link`` posted as
    its chosen suggestion."""
    clause = parse_statement(SEED).statement.clauses[0]
    data = {
        "save": "Save as drafts",
        "source": SEED,
        "filename": "pasted text",
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-heading": clause.heading,
        "form-0-text": clause.text,
        "form-0-line": clause.line,
        "form-0-ORDER": "1",
        "form-0-link": link,
    }
    return client.post(IMPORT_URL, data)


def test_a_forged_link_in_the_import_is_a_form_error_and_saves_nothing(editor_client):
    response = save_first_clause_linked(editor_client, "1; DROP TABLE kb_clause:amended")
    assert response.status_code == 200
    assert "Choose one of the suggested links." in response.text
    assert not Announcement.objects.exists()


def test_a_link_to_a_missing_clause_undoes_the_whole_import(editor_client):
    response = save_first_clause_linked(editor_client, "987654:amended")
    assert response.status_code == 200
    assert "no longer exists" in response.text
    assert not Announcement.objects.exists()
    assert not Party.objects.exists()
