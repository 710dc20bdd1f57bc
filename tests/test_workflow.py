import datetime as dt
import threading
import time

import pytest
from django.core import signing
from django.db import connection, transaction

from kb import workflow
from kb.models import Announcement, Clause, Status
from tests.factories import make_announcement, make_clause, make_party, make_topic

pytestmark = pytest.mark.django_db


def test_an_editor_sends_a_draft_to_review(editor):
    draft = make_announcement(status=Status.DRAFT)
    assert workflow.transition(draft, "send_to_review", by=editor).status == Status.IN_REVIEW


def test_an_editor_may_not_publish(editor):
    in_review = make_announcement(status=Status.IN_REVIEW)
    with pytest.raises(workflow.WorkflowError, match="Only Publishers"):
        workflow.transition(in_review, "publish", by=editor)
    in_review.refresh_from_db()
    assert in_review.status == Status.IN_REVIEW


def test_publishing_records_who_published_and_when(publisher):
    in_review = make_announcement(status=Status.IN_REVIEW)
    published = workflow.transition(in_review, "publish", by=publisher)
    published.refresh_from_db()
    assert (published.status, published.published_by) == (Status.PUBLISHED, publisher)
    assert published.published_at is not None


def test_a_draft_must_go_through_review_before_it_is_published(publisher):
    draft = make_announcement(status=Status.DRAFT)
    with pytest.raises(workflow.WorkflowError, match="only announcements that are in review"):
        workflow.transition(draft, "publish", by=publisher)


def test_a_publisher_retracts_and_returns_to_draft(publisher):
    published = make_announcement(status=Status.PUBLISHED)
    workflow.transition(published, "retract", by=publisher)
    assert workflow.transition(published, "back_to_draft", by=publisher).status == Status.DRAFT


def test_an_editor_may_not_reopen_a_retracted_announcement(editor):
    retracted = make_announcement(status=Status.RETRACTED)
    with pytest.raises(workflow.WorkflowError, match="only Publishers may change"):
        workflow.transition(retracted, "back_to_draft", by=editor)


def test_a_transition_is_a_history_entry_by_whoever_made_it(editor):
    draft = make_announcement(status=Status.DRAFT)
    workflow.transition(draft, "send_to_review", by=editor)
    latest = draft.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (editor, "Send to review")


def test_a_preview_token_names_its_announcement():
    draft = make_announcement(status=Status.DRAFT)
    assert workflow.announcement_for_preview(workflow.preview_token(draft)) == draft


def test_a_forged_preview_token_is_refused():
    draft = make_announcement(status=Status.DRAFT)
    forged = signing.TimestampSigner(salt="another.salt").sign(str(draft.pk))
    with pytest.raises(workflow.WorkflowError, match="not valid"):
        workflow.announcement_for_preview(forged)


def test_an_expired_preview_token_is_refused(monkeypatch):
    token = workflow.preview_token(make_announcement(status=Status.DRAFT))
    later = time.time() + workflow.PREVIEW_MAX_AGE.total_seconds() + 60
    monkeypatch.setattr(signing.time, "time", lambda: later)
    with pytest.raises(workflow.WorkflowError, match="expired"):
        workflow.announcement_for_preview(token)


def test_claiming_a_version_that_someone_else_saved_is_refused():
    announcement = make_announcement(status=Status.DRAFT)
    workflow.claim_version(Announcement, announcement.pk, 1)
    with pytest.raises(workflow.VersionConflict):
        workflow.claim_version(Announcement, announcement.pk, 1)


def test_the_conflict_message_shows_what_changed_in_between(editor):
    announcement = make_announcement("Old title", status=Status.DRAFT)
    announcement.title, announcement.version = "New title", 2
    announcement._history_user = editor
    announcement.save()
    message = workflow.conflict_message(Announcement, announcement.pk, 1)
    assert "eddie" in message
    assert "<strong>Title:</strong> <del>Old</del><ins>New</ins> title" in message


def test_revert_brings_back_the_earlier_title_and_parties(editor):
    first, second = make_party("First"), make_party("Second")
    announcement = make_announcement("Original", status=Status.DRAFT, parties=[first])
    original = announcement.history.latest()
    announcement.title = "Edited"
    announcement.save()
    announcement.parties.set([second])
    workflow.revert(original, by=editor)
    announcement.refresh_from_db()
    assert announcement.title == "Original"
    assert list(announcement.parties.all()) == [first]


def test_a_revert_is_itself_a_new_history_entry(editor):
    announcement = make_announcement("Original", status=Status.DRAFT)
    original = announcement.history.latest()
    announcement.title = "Edited"
    announcement.save()
    entries_before = announcement.history.count()
    workflow.revert(original, by=editor)
    latest = announcement.history.latest()
    assert announcement.history.count() > entries_before
    assert latest.history_change_reason.startswith("Reverted to the version of")


def test_revert_leaves_the_publishing_state_alone(publisher):
    announcement = make_announcement("Original", status=Status.DRAFT)
    draft_version = announcement.history.latest()
    announcement.status = Status.IN_REVIEW
    announcement.save()
    workflow.transition(announcement, "publish", by=publisher)
    workflow.revert(draft_version, by=publisher)
    announcement.refresh_from_db()
    assert announcement.status == Status.PUBLISHED


def test_an_editor_may_not_revert_a_published_announcement(editor):
    announcement = make_announcement(status=Status.PUBLISHED)
    with pytest.raises(workflow.WorkflowError, match="only Publishers"):
        workflow.revert(announcement.history.latest(), by=editor)


def test_revert_of_a_clause_brings_back_its_topics(editor):
    licence, revenue = make_topic("IP licence"), make_topic("Revenue share")
    clause = make_clause(make_announcement(status=Status.DRAFT), topics=[licence])
    original = clause.history.latest()
    clause.topics.set([revenue])
    workflow.revert(original, by=editor)
    assert list(clause.topics.all()) == [licence]


def test_a_deleted_announcement_is_restored_as_a_draft_with_its_clauses(editor):
    party, topic = make_party("Microsoft"), make_topic("AGI")
    announcement = make_announcement(
        "Joint statement", status=Status.PUBLISHED, date=dt.date(2025, 10, 28), parties=[party]
    )
    first = make_clause(announcement, "First", topics=[topic])
    make_clause(announcement, "Second", supersedes=first)
    pk = announcement.pk
    workflow.delete_announcement(make_announcement(status=Status.DRAFT), by=editor)
    announcement.status = Status.DRAFT
    announcement.save()
    workflow.delete_announcement(announcement, by=editor)
    deletion = workflow.deleted_announcements().get(id=pk)

    restored = workflow.restore_announcement(deletion.history_id, by=editor)

    assert (restored.pk, restored.status, restored.title) == (pk, Status.DRAFT, "Joint statement")
    assert list(restored.parties.all()) == [party]
    clauses = list(Clause.objects.filter(announcement=restored).order_by("position"))
    assert [c.heading for c in clauses] == ["First", "Second"]
    assert list(clauses[0].topics.all()) == [topic]
    assert clauses[1].supersedes == clauses[0]


def test_a_clause_deleted_before_its_announcement_is_not_restored_with_it(editor):
    announcement = make_announcement(status=Status.DRAFT)
    make_clause(announcement, "Kept")
    make_clause(announcement, "Deleted earlier").delete()
    pk = announcement.pk
    workflow.delete_announcement(announcement, by=editor)
    deletion = workflow.deleted_announcements().get(id=pk)
    restored = workflow.restore_announcement(deletion.history_id, by=editor)
    assert [c.heading for c in restored.clauses.all()] == ["Kept"]


def test_a_restored_announcement_leaves_the_deleted_list(editor):
    announcement = make_announcement(status=Status.DRAFT)
    pk = announcement.pk
    workflow.delete_announcement(announcement, by=editor)
    deletion = workflow.deleted_announcements().get(id=pk)
    workflow.restore_announcement(deletion.history_id, by=editor)
    assert not workflow.deleted_announcements().exists()


def test_restore_is_refused_when_another_announcement_took_the_slug(editor):
    announcement = make_announcement(status=Status.DRAFT, slug="statement")
    pk = announcement.pk
    workflow.delete_announcement(announcement, by=editor)
    make_announcement(status=Status.DRAFT, slug="statement")
    deletion = workflow.deleted_announcements().get(id=pk)
    with pytest.raises(workflow.WorkflowError, match="slug"):
        workflow.restore_announcement(deletion.history_id, by=editor)


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_saves_from_one_version_only_one_goes_through():
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a file database (set KB_TEST_SQLITE_NAME)")
    announcement = make_announcement("Original", status=Status.DRAFT)
    start = threading.Barrier(2)
    outcomes = []

    def save(title):
        try:
            start.wait(timeout=10)
            with transaction.atomic():
                Announcement.objects.get(pk=announcement.pk)  # both read version 1
                time.sleep(0.2)
                workflow.claim_version(Announcement, announcement.pk, 1)
                Announcement.objects.filter(pk=announcement.pk).update(title=title)
            outcomes.append("saved")
        except workflow.VersionConflict:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(name,)) for name in ("Ann", "Bob")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["refused", "saved"]
    announcement.refresh_from_db()
    assert announcement.version == 2
