import datetime as dt
import time
from operator import attrgetter
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.urls import URLResolver, get_resolver, reverse

from kb import workflow
from kb.models import Announcement, AnnouncementKind, Clause, Status
from kb.pagination import CappedPaginator
from tests.admin.admin_forms import change_form_data
from tests.factories import make_announcement, make_clause, make_party, make_topic, make_user

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:kb_announcement_changelist")
CLAUSE_CHANGELIST = reverse("admin:kb_clause_changelist")


def change_url(announcement):
    return reverse("admin:kb_announcement_change", args=[announcement.pk])


def clause_change_url(clause):
    return reverse("admin:kb_clause_change", args=[clause.pk])


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def make_announcements_with_clauses(count, *, clauses_each=1):
    party, topic = make_party(), make_topic()
    for n in range(count):
        announcement = make_announcement(
            status=Status.DRAFT, date=dt.date(2019 + n % 7, 10, 28), parties=[party]
        )
        previous = None
        for _ in range(clauses_each):
            previous = make_clause(
                announcement, topics=[topic], parties=[party], supersedes=previous
            )
    return announcement


def queries_of_second_load(client, url, django_assert_num_queries, expected):
    """Load once (caches such as content types warm up), then pin the second load."""
    assert client.get(url).status_code == 200
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


# Query counts -------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [2, 50], ids=["2 rows", "50 rows"])
def test_the_announcement_change_list_runs_the_same_queries_for_2_or_50_rows(
    publisher_client, django_assert_num_queries, rows
):
    make_announcements_with_clauses(rows)
    queries_of_second_load(publisher_client, CHANGELIST, django_assert_num_queries, 11)


@pytest.mark.parametrize("rows", [2, 50], ids=["2 rows", "50 rows"])
def test_the_clause_change_list_runs_the_same_queries_for_2_or_50_rows(
    publisher_client, django_assert_num_queries, rows
):
    make_announcements_with_clauses(rows)
    queries_of_second_load(publisher_client, CLAUSE_CHANGELIST, django_assert_num_queries, 11)


@pytest.mark.parametrize("clauses", [2, 20], ids=["2 clauses", "20 clauses"])
def test_the_announcement_change_form_runs_the_same_queries_for_2_or_20_clauses(
    publisher_client, django_assert_num_queries, clauses
):
    announcement = make_announcements_with_clauses(1, clauses_each=clauses)
    url = change_url(announcement)
    queries_of_second_load(publisher_client, url, django_assert_num_queries, 13)


def test_the_clause_change_form_runs_a_fixed_number_of_queries(
    publisher_client, django_assert_num_queries
):
    announcement = make_announcements_with_clauses(1, clauses_each=2)
    url = clause_change_url(announcement.clauses.last())
    # 11 for the form, 4 for its lineage suggestions (the announcement's parties and
    # clauses, the dismissals, the search index's change log);
    # tests/lineage_suggestions/ pins the count with suggestions shown.
    queries_of_second_load(publisher_client, url, django_assert_num_queries, 15)


@pytest.mark.parametrize("rows", [2, 50], ids=["2 rows", "50 rows"])
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (reverse("admin:kb_party_changelist"), 6),
        (reverse("admin:kb_topic_changelist"), 6),
    ],
    ids=["parties", "topics"],
)
def test_the_party_and_topic_change_lists_run_the_same_queries_for_2_or_50_rows(
    publisher_client, django_assert_num_queries, rows, url, expected
):
    for n in range(rows):
        make_party(f"Party {n}")
        make_topic(f"Topic {n}")
    queries_of_second_load(publisher_client, url, django_assert_num_queries, expected)


AUTOCOMPLETE = reverse("admin:autocomplete")


@pytest.mark.parametrize("rows", [2, 50], ids=["2 rows", "50 rows"])
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("model_name=announcement&field_name=parties", 6),
        ("model_name=clause&field_name=topics", 6),
        ("model_name=clause&field_name=supersedes", 8),
    ],
    ids=["parties", "topics", "clauses"],
)
def test_the_autocomplete_runs_the_same_queries_for_2_or_50_rows(
    publisher_client, django_assert_num_queries, rows, source, expected
):
    """The autocomplete answers a page of matches whatever the number of rows."""
    make_announcements_with_clauses(rows)
    for n in range(rows):
        make_party(f"Acme {n}")
        make_topic(f"Acme topic {n}")
    url = f"{AUTOCOMPLETE}?app_label=kb&{source}&term=a"
    queries_of_second_load(publisher_client, url, django_assert_num_queries, expected)
    assert publisher_client.get(url).json()["results"]


def test_the_change_list_counts_no_further_than_its_cap(publisher_client, monkeypatch):
    monkeypatch.setattr(CappedPaginator, "COUNT_CAP", 3)
    make_announcements_with_clauses(5)
    response = publisher_client.get(CHANGELIST)
    assert "More than 3 announcements" in response.text


@pytest.mark.parametrize(
    "query",
    ["party={party}", "topic={topic}", "year=2025", "year=unknown", "status=draft", "q=Ann"],
)
def test_the_announcement_change_list_filters_without_errors(publisher_client, query):
    make_announcements_with_clauses(2)
    party, topic = Announcement.objects.first().parties.get(), Clause.objects.first().topics.get()
    url = f"{CHANGELIST}?{query.format(party=party.slug, topic=topic.slug)}"
    assert publisher_client.get(url).status_code == 200


def test_filtering_clauses_by_topic_lists_only_that_topics_clauses(publisher_client):
    licence, revenue = make_topic("IP licence"), make_topic("Revenue share")
    make_clause(heading="Licence through 2032", topics=[licence])
    make_clause(heading="Revenue until AGI", topics=[revenue])
    response = publisher_client.get(f"{CLAUSE_CHANGELIST}?topic={licence.slug}")
    assert "Licence through 2032" in response.text
    assert "Revenue until AGI" not in response.text


def test_filtering_clauses_by_party_lists_only_the_clauses_that_bind_it(publisher_client):
    acme, globex = make_party("Acme"), make_party("Globex")
    make_clause(heading="Acme pays", parties=[acme])
    make_clause(heading="Globex pays", parties=[globex])
    make_clause(make_announcement(parties=[acme]), heading="Unbound clause")
    response = publisher_client.get(f"{CLAUSE_CHANGELIST}?party={acme.slug}")
    assert "Acme pays" in response.text
    assert "Globex pays" not in response.text
    assert "Unbound clause" not in response.text


def test_filtering_announcements_by_party_lists_only_its_announcements(publisher_client):
    acme, globex = make_party("Acme"), make_party("Globex")
    make_announcement("Acme statement", parties=[acme])
    make_announcement("Globex statement", parties=[globex])
    response = publisher_client.get(f"{CHANGELIST}?party={acme.slug}")
    assert "Acme statement" in response.text
    assert "Globex statement" not in response.text


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ("announcement__status__exact=draft", "Draft clause", "Published clause"),
        ("announcement__status__exact=published", "Published clause", "Draft clause"),
        ("announcement__kind__exact=filing", "Draft clause", "Published clause"),
    ],
    ids=["draft", "published", "kind"],
)
def test_filtering_clauses_by_their_announcements_status_or_kind(
    publisher_client, query, shown, hidden
):
    make_clause(
        make_announcement(status=Status.DRAFT, kind=AnnouncementKind.FILING), "Draft clause"
    )
    make_clause(make_announcement(kind=AnnouncementKind.AGREEMENT), "Published clause")
    response = publisher_client.get(f"{CLAUSE_CHANGELIST}?{query}")
    assert response.status_code == 200
    assert shown in response.text
    assert hidden not in response.text


def test_an_unknown_status_in_the_clause_filter_lists_nothing_and_never_fails(publisher_client):
    make_clause(heading="Published clause")
    response = publisher_client.get(f"{CLAUSE_CHANGELIST}?announcement__status__exact=<b>x")
    assert response.status_code == 200
    assert "Published clause" not in response.text
    assert "<b>x" not in response.text


# Roles and pages -----------------------------------------------------------------------


def test_a_reader_cannot_open_the_announcement_admin(client, reader):
    client.force_login(reader)
    assert client.get(CHANGELIST).status_code == 403


def test_an_editor_adds_a_draft(editor_client):
    response = editor_client.post(
        reverse("admin:kb_announcement_add"),
        {
            "title": "Joint statement",
            "slug": "joint-statement",
            "kind": "joint_statement",
            "date_precision": "unknown",
            "clauses-TOTAL_FORMS": "0",
            "clauses-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    created = Announcement.objects.get(slug="joint-statement")
    assert (created.status, created.updated_by.username) == (Status.DRAFT, "eddie")


def test_an_editor_sees_a_published_announcement_read_only(editor_client):
    published = make_announcement(status=Status.PUBLISHED)
    response = editor_client.get(change_url(published))
    assert response.status_code == 200
    assert 'name="_save"' not in response.text


def test_an_editor_cannot_save_a_published_announcement(editor_client):
    published = make_announcement("Published", status=Status.PUBLISHED)
    data = change_form_data(editor_client.get(change_url(make_announcement(status="draft"))))
    data["title"] = "Changed by an editor"
    assert editor_client.post(change_url(published), data).status_code == 403
    published.refresh_from_db()
    assert published.title == "Published"


def test_a_publisher_edits_a_published_announcement(publisher_client):
    published = make_announcement("Published", status=Status.PUBLISHED)
    data = change_form_data(publisher_client.get(change_url(published)))
    data["title"] = "Corrected"
    assert publisher_client.post(change_url(published), data).status_code == 302
    published.refresh_from_db()
    assert published.title == "Corrected"


def test_an_editor_deletes_a_draft(editor_client):
    draft = make_announcement(status=Status.DRAFT)
    url = reverse("admin:kb_announcement_delete", args=[draft.pk])
    assert editor_client.post(url, {"post": "yes"}).status_code == 302
    assert not Announcement.objects.filter(pk=draft.pk).exists()


def test_an_editor_cannot_delete_a_published_announcement(editor_client):
    published = make_announcement(status=Status.PUBLISHED)
    url = reverse("admin:kb_announcement_delete", args=[published.pk])
    assert editor_client.post(url, {"post": "yes"}).status_code == 403
    assert Announcement.objects.filter(pk=published.pk).exists()


def test_deleting_an_announcement_takes_clauses_that_supersede_each_other(publisher_client):
    announcement = make_announcement(status=Status.DRAFT)
    make_clause(announcement, supersedes=make_clause(announcement))
    url = reverse("admin:kb_announcement_delete", args=[announcement.pk])
    assert publisher_client.post(url, {"post": "yes"}).status_code == 302
    assert not Clause.objects.exists()


def test_view_on_site_is_offered_for_a_published_announcement(publisher_client):
    published = make_announcement(status=Status.PUBLISHED)
    response = publisher_client.get(change_url(published))
    assert "View on site" in response.text


def test_a_reader_cannot_learn_a_drafts_public_url_from_view_on_site(client, reader):
    client.force_login(reader)
    draft = make_announcement("Unannounced deal", status=Status.DRAFT)
    content_type = ContentType.objects.get_for_model(Announcement)
    response = client.get(reverse("admin:view_on_site", args=[content_type.pk, draft.pk]))
    assert response.status_code == 403
    assert draft.slug not in response.get("Location", "")


# Workflow actions ------------------------------------------------------------------------


def run_action(client, action, *announcements):
    return client.post(
        CHANGELIST,
        {"action": action, "_selected_action": [a.pk for a in announcements]},
        follow=True,
    )


def test_an_editor_sends_drafts_to_review_from_the_change_list(editor_client):
    drafts = [make_announcement(status=Status.DRAFT) for _ in range(2)]
    response = run_action(editor_client, "send_to_review", *drafts)
    assert "2 announcements sent to review." in messages_of(response)
    assert set(Announcement.objects.values_list("status", flat=True)) == {Status.IN_REVIEW}


def test_an_editor_is_told_that_only_publishers_publish(editor_client):
    in_review = make_announcement(status=Status.IN_REVIEW)
    response = run_action(editor_client, "publish", in_review)
    assert workflow.PUBLISHERS_ONLY in messages_of(response)
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW


def test_an_editor_is_not_offered_the_publish_action(editor_client):
    make_announcement(status=Status.IN_REVIEW)
    assert 'value="publish"' not in editor_client.get(CHANGELIST).text


def test_a_publisher_publishes_from_the_change_list(publisher_client, publisher):
    in_review = make_announcement(status=Status.IN_REVIEW)
    response = run_action(publisher_client, "publish", in_review)
    assert "1 announcement published." in messages_of(response)
    in_review.refresh_from_db()
    assert (in_review.status, in_review.published_by) == (Status.PUBLISHED, publisher)


def test_publishing_a_draft_is_refused_with_the_reason(publisher_client):
    draft = make_announcement("A draft", status=Status.DRAFT)
    response = run_action(publisher_client, "publish", draft)
    assert any("“A draft” cannot be published" in m for m in messages_of(response))


def test_a_publisher_retracts_from_the_change_form(publisher_client):
    published = make_announcement(status=Status.PUBLISHED)
    response = publisher_client.post(
        reverse("admin:kb_announcement_transition", args=[published.pk, "retract"]),
        follow=True,
    )
    assert f"“{published}” is retracted." in messages_of(response)
    published.refresh_from_db()
    assert published.status == Status.RETRACTED


def test_the_change_form_offers_the_workflow_transitions_that_apply(publisher_client):
    draft = make_announcement(status=Status.DRAFT)
    response = publisher_client.get(change_url(draft))
    assert 'value="send_to_review"' in response.text
    assert 'value="publish"' not in response.text


# Preview ------------------------------------------------------------------------------


def preview_url(announcement):
    return reverse("admin:kb_announcement_preview", args=[workflow.preview_token(announcement)])


def test_an_editor_previews_a_draft_with_the_public_template(editor_client):
    draft = make_announcement("Draft statement", status=Status.DRAFT)
    make_clause(draft, "Azure remains the exclusive cloud provider")
    response = editor_client.get(preview_url(draft))
    assert response.status_code == 200
    assert "kb/announcement.html" in [t.name for t in response.templates]
    assert "Azure remains the exclusive cloud provider" in response.text


def test_the_change_form_of_a_draft_links_to_its_preview(editor_client):
    draft = make_announcement(status=Status.DRAFT)
    # The token is "<pk>:<timestamp>:<signature>"; the timestamp moves every second.
    prefix = reverse("admin:kb_announcement_preview", args=["TOKEN"]).replace("TOKEN/", "")
    assert f'href="{prefix}{draft.pk}:' in editor_client.get(change_url(draft)).text


def test_an_anonymous_visitor_is_sent_to_log_in_instead_of_the_preview(client):
    response = client.get(preview_url(make_announcement(status=Status.DRAFT)))
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_a_logged_in_non_staff_user_cannot_preview(client):
    client.force_login(make_user("visitor", is_staff=False))
    response = client.get(preview_url(make_announcement(status=Status.DRAFT)))
    assert response.status_code == 302


def test_a_reader_given_a_preview_link_cannot_see_the_draft(client, reader):
    client.force_login(reader)
    draft = make_announcement("Unannounced deal", status=Status.DRAFT)
    response = client.get(preview_url(draft))
    assert response.status_code == 403
    assert "Unannounced deal" not in response.text


def test_a_forged_preview_link_is_refused(editor_client):
    draft = make_announcement(status=Status.DRAFT)
    url = reverse("admin:kb_announcement_preview", args=[f"{draft.pk}:forged:signature"])
    response = editor_client.get(url)
    assert response.status_code == 403
    assert "not valid" in response.text


def test_an_expired_preview_link_is_refused(editor_client, monkeypatch):
    url = preview_url(make_announcement(status=Status.DRAFT))
    later = time.time() + workflow.PREVIEW_MAX_AGE.total_seconds() + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    response = editor_client.get(url)
    assert response.status_code == 403
    assert "expired" in response.text


# No lost updates --------------------------------------------------------------------------


def test_the_second_of_two_editors_saving_is_refused_and_keeps_their_input(client, editor):
    announcement = make_announcement("Original", status=Status.DRAFT)
    other_editor = make_user("olga", role="Editors")
    client.force_login(editor)
    first = change_form_data(client.get(change_url(announcement)))
    client.force_login(other_editor)
    second = change_form_data(client.get(change_url(announcement)))
    client.force_login(editor)
    first["title"] = "First editor's title"
    assert client.post(change_url(announcement), first).status_code == 302

    client.force_login(other_editor)
    second["summary"] = "Second editor's summary"
    response = client.post(change_url(announcement), second)

    assert response.status_code == 200
    assert "eddie" in response.text and "while you were editing it" in response.text
    assert (
        "<strong>Title:</strong> <del>Original</del><ins>First editor&#x27;s title</ins>"
        in response.text
    )
    assert "Second editor&#x27;s summary" in response.text
    announcement.refresh_from_db()
    assert (announcement.title, announcement.summary) == ("First editor's title", "")


def test_saving_again_after_a_conflict_keeps_the_second_editors_version(editor_client):
    announcement = make_announcement("Original", status=Status.DRAFT)
    stale = change_form_data(editor_client.get(change_url(announcement)))
    workflow.transition(announcement, "send_to_review", by=make_user(role="Editors"))
    stale["title"] = "Mine"
    refused = editor_client.post(change_url(announcement), stale)
    again = change_form_data(refused)
    assert editor_client.post(change_url(announcement), again).status_code == 302
    announcement.refresh_from_db()
    assert announcement.title == "Mine"


def test_a_clause_edited_in_between_refuses_the_inline_save(editor_client):
    announcement = make_announcement(status=Status.DRAFT)
    clause = make_clause(announcement, "Original heading")
    stale = change_form_data(editor_client.get(change_url(announcement)))
    clause.heading, clause.version = "Changed by someone else", clause.version + 1
    clause.save()
    stale["clauses-0-text"] = "My new text"

    response = editor_client.post(change_url(announcement), stale)

    assert response.status_code == 200
    assert "saved this clause while you were editing it" in response.text
    assert (
        "<strong>Heading:</strong> <del>Original heading</del><ins>Changed by someone else</ins>"
        in response.text
    )
    assert "My new text" in response.text
    clause.refresh_from_db()
    assert (clause.heading, clause.text) == ("Changed by someone else", "")


def test_an_inline_clause_edit_bumps_its_version(editor_client):
    announcement = make_announcement(status=Status.DRAFT)
    clause = make_clause(announcement, "Heading")
    data = change_form_data(editor_client.get(change_url(announcement)))
    data["clauses-0-text"] = "Body"
    assert editor_client.post(change_url(announcement), data).status_code == 302
    clause.refresh_from_db()
    assert (clause.text, clause.version) == ("Body", 2)


def test_a_conflict_found_at_write_time_rolls_the_whole_save_back_and_runs_it_again(
    editor_client, monkeypatch
):
    announcement = make_announcement("Original", status=Status.DRAFT)
    data = change_form_data(editor_client.get(change_url(announcement)))
    real_claim = workflow.claim_version

    def half_written_then_conflict(model, pk, loaded_version):
        model.objects.filter(pk=pk).update(title="Half-written")
        monkeypatch.setattr(workflow, "claim_version", real_claim)
        raise workflow.VersionConflict("someone saved first")

    monkeypatch.setattr(workflow, "claim_version", half_written_then_conflict)
    data["title"] = "Mine"
    assert editor_client.post(change_url(announcement), data).status_code == 302
    titles = set(announcement.history.values_list("title", flat=True))
    assert titles == {"Original", "Mine"}


# History, revert, restore, audit ---------------------------------------------------------------


def history_url(announcement):
    return reverse("admin:kb_announcement_history", args=[announcement.pk])


def test_the_history_view_shows_what_changed_field_by_field(editor_client):
    announcement = make_announcement("Before", status=Status.DRAFT)
    announcement.title = "After"
    announcement.save()
    response = editor_client.get(history_url(announcement))
    assert "<del>Before</del>" in response.text and "<ins>After</ins>" in response.text


def test_an_editor_reverts_a_draft_in_one_click(editor_client):
    announcement = make_announcement("Before", status=Status.DRAFT)
    before = announcement.history.latest()
    announcement.title = "After"
    announcement.save()
    url = reverse("admin:kb_announcement_revert", args=[announcement.pk, before.history_id])
    assert editor_client.post(url).status_code == 302
    announcement.refresh_from_db()
    assert announcement.title == "Before"


def test_an_editor_is_told_they_may_not_revert_a_published_announcement(editor_client):
    announcement = make_announcement("Published", status=Status.PUBLISHED)
    url = reverse(
        "admin:kb_announcement_revert",
        args=[announcement.pk, announcement.history.latest().history_id],
    )
    response = editor_client.post(url, follow=True)
    assert any("only Publishers may change" in m for m in messages_of(response))


def test_a_revert_is_refused_on_get(editor_client):
    announcement = make_announcement(status=Status.DRAFT)
    url = reverse(
        "admin:kb_announcement_revert",
        args=[announcement.pk, announcement.history.latest().history_id],
    )
    assert editor_client.get(url).status_code == 405


def test_a_deleted_announcement_is_listed_and_restored_from_the_admin(editor_client):
    announcement = make_announcement("Gone for now", status=Status.DRAFT)
    make_clause(announcement, "Its clause")
    pk = announcement.pk
    editor_client.post(reverse("admin:kb_announcement_delete", args=[pk]), {"post": "yes"})
    deleted_page = editor_client.get(reverse("admin:kb_announcement_deleted"))
    assert "Gone for now" in deleted_page.text
    record = workflow.deleted_announcements().get(id=pk)

    response = editor_client.post(
        reverse("admin:kb_announcement_deleted"), {"history_id": record.history_id}
    )

    assert response.status_code == 302
    assert Announcement.objects.get(pk=pk).clauses.get().heading == "Its clause"


def test_restoring_with_a_bad_request_changes_nothing(editor_client):
    response = editor_client.post(
        reverse("admin:kb_announcement_deleted"), {"history_id": "not a number"}, follow=True
    )
    assert "Choose an announcement to restore." in messages_of(response)


def test_a_publisher_sees_the_audit_page_filtered_by_user(publisher_client, editor):
    mine = make_announcement("Edited by the editor", status=Status.DRAFT)
    workflow.transition(mine, "send_to_review", by=editor)
    make_announcement("Someone else's", status=Status.DRAFT)
    response = publisher_client.get(reverse("admin:kb_audit"), {"user": editor.pk})
    assert "Edited by the editor" in response.text
    assert "Someone else&#x27;s" not in response.text


def test_the_audit_page_filters_by_model(publisher_client):
    make_clause(make_announcement("The announcement", status=Status.DRAFT), "The clause")
    response = publisher_client.get(reverse("admin:kb_audit"), {"model": "clause"})
    assert "The clause" in response.text
    assert "The announcement</a>" not in response.text


def test_the_audit_page_reports_a_bad_date_as_a_form_error(publisher_client):
    response = publisher_client.get(reverse("admin:kb_audit"), {"date_from": "yesterday"})
    assert response.status_code == 200
    assert "Enter a valid date." in response.text


def test_an_editor_cannot_see_the_audit_page(editor_client):
    assert editor_client.get(reverse("admin:kb_audit")).status_code == 403


def test_an_editor_cannot_add_a_clause_to_a_published_announcement(editor_client):
    published = make_announcement("Published", status=Status.PUBLISHED)
    response = editor_client.post(
        reverse("admin:kb_clause_add"),
        {"announcement": published.pk, "position": 1, "heading": "Sneaked in", "effect": "new"},
    )
    assert response.status_code == 200
    assert "only Publishers may change published" in response.text
    assert not Clause.objects.exists()


def test_the_date_hierarchy_lists_every_year_from_the_first_date_to_the_last(publisher_client):
    make_announcement(status=Status.DRAFT, date=dt.date(2019, 7, 22))
    make_announcement(status=Status.DRAFT, date=dt.date(2025, 10, 28))
    response = publisher_client.get(CHANGELIST)
    for year in range(2019, 2026):
        assert f"?date__year={year}" in response.text


def test_the_date_hierarchy_drills_into_a_year_by_month(publisher_client):
    make_announcement(status=Status.DRAFT, date=dt.date(2019, 7, 22))
    make_announcement(status=Status.DRAFT, date=dt.date(2025, 10, 28))
    response = publisher_client.get(f"{CHANGELIST}?date__year=2025")
    assert "date__month=10" in response.text


@pytest.fixture
def admin_records():
    """One record of each kind an admin URL can name (the announcement is a draft)."""
    user = make_user("someone", role="Editors")
    party, topic = make_party(), make_topic()
    draft = make_announcement(status=Status.DRAFT, parties=[party])
    make_clause(draft, topics=[topic], parties=[party])
    attempt = {"username": "x", "ip_address": "127.0.0.1", "user_agent": "", "path_info": "/"}
    return SimpleNamespace(
        user=user,
        group=Group.objects.get(name="Editors"),
        party=party,
        topic=topic,
        announcement=draft,
        clause=draft.clauses.get(),
        accessattempt=AccessAttempt.objects.create(
            **attempt, failures_since_start=1, get_data="", post_data=""
        ),
        accesslog=AccessLog.objects.create(**attempt),
        accessfailurelog=AccessFailureLog.objects.create(**attempt),
    )


def model_pages(app, model, *, revert=False, simple_history=False):
    """The admin's pages of one model, by URL name: (method, url from the records)."""
    record = attrgetter(model)
    pages = {
        f"{app}_{model}_changelist": ("get", lambda r: reverse(f"admin:{app}_{model}_changelist")),
        f"{app}_{model}_add": ("get", lambda r: reverse(f"admin:{app}_{model}_add")),
    }
    for page in ("change", "history", "delete"):
        pages[f"{app}_{model}_{page}"] = (
            "get",
            lambda r, page=page: reverse(f"admin:{app}_{model}_{page}", args=[record(r).pk]),
        )
    if revert:
        pages[f"{app}_{model}_revert"] = (
            "post",
            lambda r: reverse(
                f"admin:{app}_{model}_revert",
                args=[record(r).pk, record(r).history.latest().history_id],
            ),
        )
    if simple_history:
        pages[f"{app}_{model}_simple_history"] = (
            "get",
            lambda r: reverse(
                f"admin:{app}_{model}_simple_history",
                args=[record(r).pk, record(r).history.latest().history_id],
            ),
        )
    return pages


def _view_on_site(records):
    content_type = ContentType.objects.get_for_model(Announcement)
    return reverse("admin:view_on_site", args=[content_type.pk, records.announcement.pk])


# Every named admin URL: test_every_admin_url_has_a_rule fails for one missing here.
ADMIN_PAGES = {
    "index": ("get", lambda r: reverse("admin:index")),
    "login": ("get", lambda r: reverse("admin:login")),
    "logout": ("post", lambda r: reverse("admin:logout")),
    "password_change": ("get", lambda r: reverse("admin:password_change")),
    "password_change_done": ("get", lambda r: reverse("admin:password_change_done")),
    "autocomplete": (
        "get",
        lambda r: (
            reverse("admin:autocomplete")
            + "?app_label=kb&model_name=announcement&field_name=parties"
        ),
    ),
    "jsi18n": ("get", lambda r: reverse("admin:jsi18n")),
    "view_on_site": ("get", _view_on_site),
    "app_list": ("get", lambda r: reverse("admin:app_list", args=["kb"])),
    "kb_announcement_import": ("get", lambda r: reverse("admin:kb_announcement_import")),
    "kb_announcement_preview": (
        "get",
        lambda r: reverse(
            "admin:kb_announcement_preview", args=[workflow.preview_token(r.announcement)]
        ),
    ),
    "kb_announcement_deleted": ("get", lambda r: reverse("admin:kb_announcement_deleted")),
    "kb_audit": ("get", lambda r: reverse("admin:kb_audit")),
    **model_pages("kb", "announcement", revert=True),
    **model_pages("kb", "clause", revert=True),
    # Lineage suggestions (tests/lineage_suggestions/): an empty POST is sent
    # back to the change form with a message.
    **{
        f"kb_clause_{action}_suggestion": (
            "post",
            lambda r, action=action: reverse(
                f"admin:kb_clause_{action}_suggestion", args=[r.clause.pk]
            ),
        )
        for action in ("link", "dismiss")
    },
    **model_pages("kb", "party", simple_history=True),
    **model_pages("kb", "topic", simple_history=True),
    **model_pages("auth", "user"),
    "auth_user_password_change": (
        "get",
        lambda r: reverse("admin:auth_user_password_change", args=[r.user.pk]),
    ),
    **model_pages("auth", "group"),
    **model_pages("axes", "accessattempt"),
    **model_pages("axes", "accesslog"),
    **model_pages("axes", "accessfailurelog"),
    # Last: it changes the announcement's state.
    "kb_announcement_transition": (
        "post",
        lambda r: reverse(
            "admin:kb_announcement_transition", args=[r.announcement.pk, "send_to_review"]
        ),
    ),
}
EVERY_ROLE = {
    # A logged-in user is sent on from the login page; logging out ends on its page.
    "login": 302,
    "logout": 200,
    "index": 200,
    "password_change": 200,
    "password_change_done": 200,
    "jsi18n": 200,
    # Accounts and login throttling are the superuser's.
    **{name: 403 for name in ADMIN_PAGES if name.startswith(("auth_", "axes_"))},
}
EDITOR_PAGES = {name: 200 for name in ADMIN_PAGES if name.startswith("kb_")}
EDITOR_PAGES |= {
    "kb_announcement_revert": 302,
    "kb_clause_revert": 302,
    "kb_announcement_transition": 302,
    "view_on_site": 302,
}
EDITOR_PAGES |= {"kb_clause_link_suggestion": 302, "kb_clause_dismiss_suggestion": 302}
PAGE_STATUS_BY_ROLE = {
    # Readers read the public site; the only admin pages they reach are their own account's.
    "Readers": {
        # Including "View on site" of a draft, whose URL would give away its title.
        **dict.fromkeys(ADMIN_PAGES, 403),
        "app_list": 404,
        **EVERY_ROLE,
    },
    "Editors": {
        **EDITOR_PAGES,
        "autocomplete": 200,
        "app_list": 200,
        "kb_audit": 403,
        "kb_party_delete": 403,
        "kb_topic_delete": 403,
        **EVERY_ROLE,
    },
    "Publishers": {**EDITOR_PAGES, "autocomplete": 200, "app_list": 200, **EVERY_ROLE},
}


def url_names(patterns):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from url_names(pattern.url_patterns)
        elif pattern.name:
            yield pattern.name


def test_every_admin_url_has_a_rule():
    (admin_urls,) = [
        resolver
        for resolver in get_resolver().url_patterns
        if isinstance(resolver, URLResolver) and resolver.namespace == "admin"
    ]
    names = set(url_names(admin_urls.url_patterns))
    assert names == set(ADMIN_PAGES)
    for statuses in PAGE_STATUS_BY_ROLE.values():
        assert set(statuses) == set(ADMIN_PAGES)


@pytest.mark.parametrize("role", PAGE_STATUS_BY_ROLE)
def test_each_role_opens_exactly_its_admin_pages(client, admin_records, role):
    client.force_login(make_user(role=role))
    wrong = {}
    for name, (method, url) in ADMIN_PAGES.items():
        got = getattr(client, method)(url(admin_records)).status_code
        if name == "logout":
            client.force_login(make_user(role=role))
        if got != PAGE_STATUS_BY_ROLE[role][name]:
            wrong[name] = (got, PAGE_STATUS_BY_ROLE[role][name])
    assert wrong == {}, "page: (got, expected)"


def test_an_anonymous_visitor_is_sent_to_log_in_from_every_admin_page(client, admin_records):
    refused = {}
    for name, (method, url) in ADMIN_PAGES.items():
        response = getattr(client, method)(url(admin_records))
        if name not in {"login", "logout", "jsi18n"} and not (
            response.status_code == 302 and response.url.startswith(reverse("admin:login"))
        ):
            refused[name] = response.status_code
    assert refused == {}


@pytest.mark.parametrize(
    ("role", "action", "before", "after"),
    [
        ("Editors", "send_to_review", Status.DRAFT, Status.IN_REVIEW),
        ("Editors", "back_to_draft", Status.IN_REVIEW, Status.DRAFT),
        ("Editors", "publish", Status.IN_REVIEW, Status.IN_REVIEW),
        ("Editors", "retract", Status.PUBLISHED, Status.PUBLISHED),
        ("Editors", "back_to_draft", Status.RETRACTED, Status.RETRACTED),
        ("Publishers", "send_to_review", Status.DRAFT, Status.IN_REVIEW),
        ("Publishers", "publish", Status.IN_REVIEW, Status.PUBLISHED),
        ("Publishers", "retract", Status.PUBLISHED, Status.RETRACTED),
        ("Publishers", "back_to_draft", Status.RETRACTED, Status.DRAFT),
        ("Publishers", "publish", Status.DRAFT, Status.DRAFT),
        ("Publishers", "retract", Status.DRAFT, Status.DRAFT),
    ],
)
def test_each_role_moves_announcements_only_where_the_workflow_allows(
    client, role, action, before, after
):
    client.force_login(make_user(role=role))
    announcement = make_announcement(status=before)
    response = run_action(client, action, announcement)
    announcement.refresh_from_db()
    assert announcement.status == after
    if before == after:
        refusals = [m for m in response.context["messages"] if m.level_tag == "error"]
        assert refusals, "a refused action says why"


def test_a_reader_cannot_run_a_workflow_action(client, reader):
    client.force_login(reader)
    draft = make_announcement(status=Status.DRAFT)
    assert run_action(client, "send_to_review", draft).status_code == 403
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_a_reader_cannot_revert_anything(client, reader):
    client.force_login(reader)
    announcement = make_announcement(status=Status.DRAFT)
    url = reverse(
        "admin:kb_announcement_revert",
        args=[announcement.pk, announcement.history.latest().history_id],
    )
    assert client.post(url).status_code == 403


def test_reverting_to_a_version_of_another_record_is_refused(editor_client):
    announcement = make_announcement(status=Status.DRAFT)
    other = make_announcement(status=Status.DRAFT)
    url = reverse(
        "admin:kb_announcement_revert",
        args=[announcement.pk, other.history.latest().history_id],
    )
    response = editor_client.post(url, follow=True)
    assert "There is no such version to revert to." in messages_of(response)


def test_a_clause_is_reverted_from_its_own_history(editor_client):
    clause = make_clause(make_announcement(status=Status.DRAFT), "Before")
    before = clause.history.latest()
    clause.heading = "After"
    clause.save()
    url = reverse("admin:kb_clause_revert", args=[clause.pk, before.history_id])
    assert editor_client.post(url).status_code == 302
    clause.refresh_from_db()
    assert clause.heading == "Before"


@pytest.mark.parametrize("rows", [2, 20], ids=["2 rows", "20 rows"])
def test_the_audit_page_runs_the_same_queries_for_2_or_20_changes(
    publisher_client, django_assert_num_queries, rows
):
    make_announcements_with_clauses(rows)
    url = reverse("admin:kb_audit")
    queries_of_second_load(publisher_client, url, django_assert_num_queries, 7)


@pytest.mark.parametrize("rows", [2, 20], ids=["2 rows", "20 rows"])
def test_the_deleted_list_runs_the_same_queries_for_2_or_20_announcements(
    editor_client, editor, django_assert_num_queries, rows
):
    for _ in range(rows):
        workflow.delete_announcement(make_announcement(status=Status.DRAFT), by=editor)
    url = reverse("admin:kb_announcement_deleted")
    queries_of_second_load(editor_client, url, django_assert_num_queries, 6)


@pytest.mark.parametrize("versions", [2, 20], ids=["2 versions", "20 versions"])
def test_the_history_view_runs_the_same_queries_for_2_or_20_versions(
    editor_client, django_assert_num_queries, versions
):
    announcement = make_announcement(status=Status.DRAFT, parties=[make_party()])
    for number in range(versions):
        announcement.title = f"Title {number}"
        announcement.save()
    url = history_url(announcement)
    queries_of_second_load(editor_client, url, django_assert_num_queries, 11)


def test_the_history_view_shows_changed_parties_by_name(editor_client):
    announcement = make_announcement(status=Status.DRAFT, parties=[make_party("Microsoft")])
    announcement.parties.add(make_party("OpenAI"))
    response = editor_client.get(history_url(announcement))
    assert "<del>Microsoft</del> &rarr; <ins>Microsoft, OpenAI</ins>" in response.text
