"""What editors see on the admin's change forms and history pages: conflicts and history
as word diffs, line endings, state badges and transitions, autocompletes and filters."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from kb.models import Status
from tests.admin.admin_forms import change_form_data
from tests.factories import make_announcement, make_clause, make_party, make_user

pytestmark = pytest.mark.django_db

LONG_TEXT = (
    "Microsoft retains its exclusive licence to OpenAI's models and products, including "
    "the stateless APIs, through the end of the agreement, and the revenue share continues."
)


def change_url(record):
    return reverse(f"admin:kb_{record._meta.model_name}_change", args=[record.pk])


def history_url(record):
    return reverse(f"admin:kb_{record._meta.model_name}_history", args=[record.pk])


# Conflicts and history --------------------------------------------------------------


def test_the_conflict_message_shows_the_word_a_colleague_changed_in_a_long_text(client, editor):
    announcement = make_announcement(status=Status.DRAFT, text=LONG_TEXT)
    client.force_login(editor)
    stale = change_form_data(client.get(change_url(announcement)))
    announcement.text = LONG_TEXT.replace("exclusive licence", "non-exclusive licence")
    announcement.version += 1
    announcement._history_user = make_user("colleague", role="Editors")
    announcement.save()
    stale["summary"] = "My summary"

    response = client.post(change_url(announcement), stale)

    assert response.status_code == 200
    assert "colleague" in response.text
    assert "<strong>Text:</strong>" in response.text
    assert "<del>exclusive</del><ins>non-exclusive</ins> licence" in response.text
    announcement.refresh_from_db()
    assert announcement.summary == ""


def test_the_conflict_message_escapes_what_the_colleague_wrote(client, editor):
    announcement = make_announcement("Before", status=Status.DRAFT)
    client.force_login(editor)
    stale = change_form_data(client.get(change_url(announcement)))
    announcement.title, announcement.version = "<script>alert(1)</script>", 2
    announcement.save()

    response = client.post(change_url(announcement), stale)

    assert "<script>alert(1)</script>" not in response.text
    assert "<ins>&lt;script&gt;alert(1)&lt;/script&gt;</ins>" in response.text


def test_the_history_shows_a_long_text_change_as_a_word_diff(editor_client):
    announcement = make_announcement(status=Status.DRAFT, text=LONG_TEXT)
    announcement.text = LONG_TEXT.replace("stateless APIs", "stateless and stateful APIs")
    announcement.save()

    response = editor_client.get(history_url(announcement))

    assert "[" not in response.text.split('id="change-history"')[1].split("</table>")[0]
    assert "stateless <ins>and stateful </ins>APIs" in response.text


def test_the_history_shows_an_empty_supersedes_link_as_a_dash(editor_client):
    announcement = make_announcement(status=Status.DRAFT)
    older = make_clause(announcement, "Older")
    clause = make_clause(announcement, "Newer")
    clause.supersedes = older
    clause.save()
    clause.supersedes = None
    clause.save()

    response = editor_client.get(history_url(clause))

    assert "Deleted clause" not in response.text
    assert "<del>Older</del> &rarr; <ins>—</ins>" in response.text
    assert "<del>—</del> &rarr; <ins>Older</ins>" in response.text


def test_saving_a_multi_line_text_unchanged_from_a_browser_is_no_change(editor_client):
    announcement = make_announcement(status=Status.DRAFT, text="First line.\n\nSecond line.")
    clause = make_clause(announcement, "Heading", "One.\nTwo.")
    data = change_form_data(editor_client.get(change_url(announcement)))
    # Browsers send a textarea's line breaks as CRLF.
    data["text"] = data["text"].replace("\n", "\r\n")
    data["clauses-0-text"] = data["clauses-0-text"].replace("\n", "\r\n")

    assert editor_client.post(change_url(announcement), data).status_code == 302

    assert announcement.history.count() == 1
    assert clause.history.count() == 1
    announcement.refresh_from_db()
    assert (announcement.text, announcement.version) == ("First line.\n\nSecond line.", 1)


def test_a_changed_multi_line_text_is_saved_with_plain_line_breaks(editor_client):
    clause = make_clause(make_announcement(status=Status.DRAFT), "Heading", "One.\nTwo.")
    data = change_form_data(editor_client.get(change_url(clause)))
    data["text"] = "One.\r\nTwo.\r\nThree."

    assert editor_client.post(change_url(clause), data).status_code == 302

    clause.refresh_from_db()
    assert clause.text == "One.\nTwo.\nThree."
    assert clause.history.count() == 2


# Bad parameters are 400s ------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:kb_announcement_changelist"),
        reverse("admin:kb_clause_changelist"),
        reverse("admin:kb_party_changelist"),
    ],
    ids=["announcements", "clauses", "parties"],
)
def test_a_change_list_action_on_a_selection_that_is_no_id_is_a_400(publisher_client, url):
    response = publisher_client.post(
        url, {"action": "delete_selected", "_selected_action": ["abc"]}
    )
    assert response.status_code == 400


def test_a_workflow_action_on_a_selection_that_is_no_id_is_a_400_and_changes_nothing(
    publisher_client,
):
    draft = make_announcement(status=Status.IN_REVIEW)
    response = publisher_client.post(
        reverse("admin:kb_announcement_changelist"),
        {"action": "publish", "_selected_action": [str(draft.pk), "abc"]},
    )
    assert response.status_code == 400
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:kb_clause_changelist") + "?q=%00",
        reverse("admin:kb_announcement_changelist") + "?q=a%00b",
        reverse("admin:kb_announcement_changelist") + "?party=micro%00soft",
        reverse("admin:kb_clause_changelist") + "?announcement__status__exact=%00",
        reverse("admin:autocomplete")
        + "?term=%00&app_label=kb&model_name=clause&field_name=supersedes",
        reverse("admin:autocomplete")
        + "?term=x&app_label=kb%00&model_name=clause&field_name=supersedes",
    ],
    ids=["clause search", "announcement search", "party filter", "status", "term", "app"],
)
def test_a_nul_character_in_an_admin_parameter_is_a_400(editor_client, url):
    make_clause(make_announcement(status=Status.DRAFT), "Heading")
    assert editor_client.get(url).status_code == 400


# State badge and transitions ------------------------------------------------------------


def transition_buttons(response) -> list[str]:
    return re.findall(
        r'<button type="submit" class="button" name="transition" value="(\w+)"', response.text
    )


@pytest.mark.parametrize(
    ("status", "role", "buttons"),
    [
        (Status.DRAFT, "Editors", ["send_to_review"]),
        (Status.IN_REVIEW, "Editors", ["back_to_draft"]),
        (Status.IN_REVIEW, "Publishers", ["publish", "back_to_draft"]),
        (Status.PUBLISHED, "Publishers", ["retract"]),
        (Status.PUBLISHED, "Editors", []),
        (Status.RETRACTED, "Publishers", ["back_to_draft"]),
    ],
    ids=[
        "draft-editor",
        "review-editor",
        "review-publisher",
        "published-publisher",
        "published-editor",
        "retracted-publisher",
    ],
)
def test_the_change_form_shows_the_state_and_only_the_transitions_that_apply(
    client, status, role, buttons
):
    announcement = make_announcement(status=status)
    client.force_login(make_user(role=role))

    response = client.get(change_url(announcement))

    assert f'kb-badge kb-badge-{status}">{Status(status).label}</span>' in response.text
    assert transition_buttons(response) == buttons
    # The transitions are buttons now, not Django's change-form action menu.
    assert 'name="CHANGE_FORM-action"' not in response.text


def test_a_transition_button_moves_the_record_and_comes_back_to_the_form(editor_client):
    draft = make_announcement(status=Status.DRAFT)
    url = reverse("admin:kb_announcement_transition", args=[draft.pk, "send_to_review"])

    response = editor_client.post(url, follow=True)

    assert response.redirect_chain[-1][0] == change_url(draft)
    assert "is sent to review" in response.text
    draft.refresh_from_db()
    assert draft.status == Status.IN_REVIEW
    assert transition_buttons(response) == ["back_to_draft"]


def test_a_transition_that_does_not_apply_says_why_and_changes_nothing(editor_client):
    draft = make_announcement(status=Status.DRAFT)
    url = reverse("admin:kb_announcement_transition", args=[draft.pk, "back_to_draft"])

    response = editor_client.post(url, follow=True)

    assert "cannot be returned to draft: it is draft" in response.text
    draft.refresh_from_db()
    assert (draft.status, draft.version) == (Status.DRAFT, 1)


def test_an_editor_cannot_publish_through_a_transition_url(editor_client):
    in_review = make_announcement(status=Status.IN_REVIEW)
    url = reverse("admin:kb_announcement_transition", args=[in_review.pk, "publish"])
    response = editor_client.post(url, follow=True)
    assert "Only Publishers may publish" in response.text
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW


@pytest.mark.parametrize("method", ["get", "put"])
def test_a_transition_is_a_post(editor_client, method):
    draft = make_announcement(status=Status.DRAFT)
    url = reverse("admin:kb_announcement_transition", args=[draft.pk, "send_to_review"])
    assert getattr(editor_client, method)(url).status_code == 405


def test_a_reader_cannot_run_a_transition(client, reader):
    draft = make_announcement(status=Status.DRAFT)
    client.force_login(reader)
    url = reverse("admin:kb_announcement_transition", args=[draft.pk, "send_to_review"])
    assert client.post(url).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_the_clause_change_form_shows_its_announcements_state(editor_client):
    clause = make_clause(make_announcement(status=Status.IN_REVIEW), "Heading")
    response = editor_client.get(change_url(clause))
    assert 'kb-badge kb-badge-review">In review</span>' in response.text
    assert reverse("admin:kb_announcement_change", args=[clause.announcement_id]) in response.text


def test_a_change_list_action_that_applies_to_none_of_the_selection_says_so(editor_client):
    drafts = [make_announcement(f"Draft {n}", status=Status.DRAFT) for n in range(2)]
    in_review = make_announcement("Reviewed", status=Status.IN_REVIEW)

    response = editor_client.post(
        reverse("admin:kb_announcement_changelist"),
        {"action": "back_to_draft", "_selected_action": [a.pk for a in [*drafts, in_review]]},
        follow=True,
    )

    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert ("success", "1 announcement returned to draft.") in shown
    errors = [text for level, text in shown if level == "error"]
    assert len(errors) == 1
    assert errors[0].startswith("2 announcements were not returned to draft.")
    assert "“Draft 0” cannot be returned to draft: it is draft" in errors[0]


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW, Status.RETRACTED])
def test_view_on_site_of_an_unpublished_announcement_opens_its_preview(editor_client, status):
    announcement = make_announcement(status=status)
    response = editor_client.get(change_url(announcement))
    link = re.search(r'<a href="([^"]+)" class="viewsitelink"', response.text)
    assert link is not None and "/preview/" in link[1]
    assert editor_client.get(link[1]).status_code == 200


def test_view_on_site_of_a_drafts_clause_opens_the_preview_at_the_clause(editor_client):
    clause = make_clause(make_announcement(status=Status.DRAFT), "Heading")
    response = editor_client.get(change_url(clause))
    link = re.search(r'<a href="([^"]+)" class="viewsitelink"', response.text)
    assert link is not None and link[1].endswith(f"#{clause.anchor}")
    preview = editor_client.get(link[1])
    assert preview.status_code == 200
    assert f'id="{clause.anchor}"' in preview.text


def test_view_on_site_of_a_published_announcement_is_its_public_page(publisher_client):
    announcement = make_announcement(status=Status.PUBLISHED)
    response = publisher_client.get(change_url(announcement))
    assert "/preview/" not in re.search(r'<a href="([^"]+)" class="viewsitelink"', response.text)[1]


# Autocompletes and filters ----------------------------------------------------------------


def test_the_supersedes_autocomplete_tells_clauses_with_one_heading_apart(editor_client):
    first = make_announcement("Services agreement", status=Status.DRAFT, date=dt.date(2019, 7, 22))
    second = make_announcement("Licence agreement", status=Status.DRAFT, date=dt.date(2023, 1, 23))
    make_clause(first, "Governing Law", position=4)
    make_clause(second, "Governing Law", position=9)

    response = editor_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "Governing",
            "app_label": "kb",
            "model_name": "clause",
            "field_name": "supersedes",
        },
    )

    labels = sorted(result["text"] for result in response.json()["results"])
    assert labels == [
        "Governing Law — Licence agreement, 23 January 2023, clause 9",
        "Governing Law — Services agreement, 22 July 2019, clause 4",
    ]


def test_the_chosen_supersedes_clause_is_labelled_with_its_announcement(editor_client):
    older = make_clause(
        make_announcement("Services agreement", status=Status.DRAFT, date=dt.date(2019, 7, 22)),
        "Governing Law",
        position=4,
    )
    announcement = make_announcement("Amendment", status=Status.DRAFT)
    clause = make_clause(announcement, "Governing Law", supersedes=older)
    label = "Governing Law — Services agreement, 22 July 2019, clause 4"

    assert label in editor_client.get(change_url(clause)).text
    assert label in editor_client.get(change_url(announcement)).text


@pytest.mark.parametrize(
    "url",
    [reverse("admin:kb_announcement_changelist"), reverse("admin:kb_clause_changelist")],
    ids=["announcements", "clauses"],
)
def test_the_party_filter_is_one_typed_input_not_a_link_per_party(editor_client, url):
    for n in range(30):
        make_party(f"Company {n}")
    response = editor_client.get(url)
    sidebar = response.text.split('id="changelist-filter"')[1]
    assert sidebar.count("?party=") == 0
    assert '<input type="text" id="kb-filter-party" name="party"' in sidebar
    assert '<option value="company-7">Company 7</option>' in sidebar
    assert '<label for="kb-filter-party">Party</label>' in sidebar


@pytest.mark.parametrize("value", ["microsoft", "Microsoft", "MICROSOFT"])
def test_the_party_filter_takes_a_slug_or_a_typed_name(editor_client, value):
    microsoft, openai = make_party("Microsoft"), make_party("OpenAI")
    make_announcement("With Microsoft", status=Status.DRAFT, parties=[microsoft])
    make_announcement("With OpenAI", status=Status.DRAFT, parties=[openai])

    response = editor_client.get(
        reverse("admin:kb_announcement_changelist"), {"party": value, "status__exact": "draft"}
    )

    assert [a.title for a in response.context["cl"].result_list] == ["With Microsoft"]
    # The filter's form keeps the other filters.
    assert '<input type="hidden" name="status__exact" value="draft">' in response.text
    assert "Showing Microsoft" in response.text


@pytest.mark.parametrize("rows", [2, 20], ids=["2 clauses", "20 clauses"])
def test_the_supersedes_autocomplete_runs_the_same_queries_for_2_or_20_clauses(
    editor_client, django_assert_num_queries, rows
):
    announcement = make_announcement(status=Status.DRAFT)
    for position in range(1, rows + 1):
        make_clause(announcement, "Governing Law", position=position)
    params = {"term": "Governing", "app_label": "kb", "model_name": "clause"}
    params["field_name"] = "supersedes"
    editor_client.get(reverse("admin:autocomplete"), params)
    # Session, user, permissions, the page of clauses with their announcements (one
    # join), its topics and parties (the clause admin's prefetch), and the count.
    with django_assert_num_queries(8):
        response = editor_client.get(reverse("admin:autocomplete"), params)
    assert len(response.json()["results"]) == rows
