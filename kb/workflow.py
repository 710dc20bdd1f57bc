"""The editorial workflow: publishing states, preview links, the lost-update guard,
revert to an earlier version and restore of deleted announcements.

The admin calls these services from its actions, buttons and views. Each service
checks the acting user's permissions itself, so no caller can skip a rule, and
raises ``WorkflowError`` with a message fit to show that user.

Every rule of who may change what, and when, is here and nowhere else (one
definition per rule), which makes this module longer than most.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import CharField, Exists, Model, OuterRef, TextField
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst

from kb.diffs import word_diff
from kb.models import Announcement, Clause, Party, Status, Topic

EDIT_PERMISSION = "kb.change_announcement"
PUBLISH_PERMISSION = "kb.publish_announcement"
PUBLISHERS_ONLY = "Only Publishers may publish or retract announcements."
# Editors work on these states; published and retracted records belong to Publishers.
EDITOR_STATES = frozenset({Status.DRAFT, Status.IN_REVIEW})

PREVIEW_SALT = "kb.workflow.preview"
PREVIEW_MAX_AGE = dt.timedelta(days=7)

DELETED_WITH_ANNOUNCEMENT = "Deleted with its announcement"
RESTORED = "Restored after deletion"
# Changed by every save; the conflict message names who saved and when instead.
BOOKKEEPING_FIELDS = ["version", "updated_at", "updated_by"]


class WorkflowError(Exception):
    """A refusal with a message fit to show the user who asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class VersionConflict(WorkflowError):
    """Someone saved the record after this editor loaded it."""


@dataclass(frozen=True)
class Transition:
    label: str
    done: str
    sources: tuple[str, ...]
    target: str
    publishers_only: bool


TRANSITIONS = {
    "send_to_review": Transition(
        "Send to review", "sent to review", (Status.DRAFT,), Status.IN_REVIEW, False
    ),
    "publish": Transition("Publish", "published", (Status.IN_REVIEW,), Status.PUBLISHED, True),
    "retract": Transition("Retract", "retracted", (Status.PUBLISHED,), Status.RETRACTED, True),
    "back_to_draft": Transition(
        "Back to draft",
        "returned to draft",
        (Status.IN_REVIEW, Status.RETRACTED),
        Status.DRAFT,
        False,
    ),
}


def can_edit(user, announcement: Announcement) -> bool:
    """Editors change drafts and records in review; Publishers change any record."""
    if not user.has_perm(EDIT_PERMISSION):
        return False
    return announcement.status in EDITOR_STATES or user.has_perm(PUBLISH_PERMISSION)


def is_public(record: Party | Topic) -> bool:
    """A party or topic is public when a published record uses it."""
    public = type(record).objects.public()
    return record.pk is not None and public.filter(pk=record.pk).exists()


def can_edit_vocabulary(user, record: Party | Topic | None) -> bool:
    """Editors change new parties and topics and those only drafts use; a public one
    (its name, aliases or website show on public pages) changes only through a
    Publisher."""
    if record is None or user.has_perm(PUBLISH_PERMISSION):
        return True
    return not is_public(record)


def lineage_change_refusal(user, before_id: int | None, after_id: int | None) -> str | None:
    """Why ``user`` may not move a clause's ``supersedes`` link from ``before_id`` to
    ``after_id``, or None if they may: a link to or from a published clause is part
    of the public lineage, so only a Publisher sets or removes it."""
    if before_id == after_id or user.has_perm(PUBLISH_PERMISSION):
        return None
    touched = [pk for pk in (before_id, after_id) if pk is not None]
    published = Clause.objects.published().filter(pk__in=touched).select_related("announcement")
    clause = published.order_by("pk").first()
    if clause is None:
        return None
    return (
        f"“{clause}” of “{clause.announcement}” is published: only Publishers may make "
        "a clause supersede it or stop superseding it."
    )


def available_transitions(user, announcement: Announcement) -> list[tuple[str, Transition]]:
    """The transitions ``user`` may take ``announcement`` through from its state now."""
    if not can_edit(user, announcement):
        return []
    return [
        (name, step)
        for name, step in TRANSITIONS.items()
        if announcement.status in step.sources
        and (not step.publishers_only or user.has_perm(PUBLISH_PERMISSION))
    ]


def refuse_edit_message(announcement: Announcement) -> str:
    return (
        f"“{announcement}” is {announcement.get_status_display().lower()}: "
        "only Publishers may change published or retracted announcements."
    )


def transition(announcement: Announcement, name: str, *, by) -> Announcement:
    """Move ``announcement`` along the workflow; returns the saved record.

    The row is locked and its state checked inside one transaction, so two people
    pressing "Publish" at once publish it once.
    """
    step = TRANSITIONS[name]
    if step.publishers_only and not by.has_perm(PUBLISH_PERMISSION):
        raise WorkflowError(PUBLISHERS_ONLY)
    with transaction.atomic():
        current = Announcement.objects.select_for_update().get(pk=announcement.pk)
        if not can_edit(by, current):
            raise WorkflowError(refuse_edit_message(current))
        if current.status not in step.sources:
            allowed = " or ".join(Status(source).label.lower() for source in step.sources)
            raise WorkflowError(
                f"“{current}” cannot be {step.done}: it is "
                f"{current.get_status_display().lower()}, and only announcements that are "
                f"{allowed} can be."
            )
        current.status = step.target
        if step.target == Status.PUBLISHED:
            current.published_at = timezone.now()
            current.published_by = by
        current.updated_by = by
        current.version += 1
        current._history_user = by
        current._change_reason = step.label
        current.save()
    return current


# Preview links -------------------------------------------------------------------


def preview_token(announcement: Announcement) -> str:
    return signing.TimestampSigner(salt=PREVIEW_SALT).sign(str(announcement.pk))


def announcement_for_preview(token: str, *, max_age: dt.timedelta = PREVIEW_MAX_AGE):
    """The announcement a preview token names; WorkflowError if forged, expired or gone."""
    signer = signing.TimestampSigner(salt=PREVIEW_SALT)
    try:
        pk = int(signer.unsign(token, max_age=max_age))
    except signing.SignatureExpired as error:
        raise WorkflowError("This preview link has expired; ask for a new one.") from error
    except (signing.BadSignature, ValueError) as error:
        raise WorkflowError("This preview link is not valid.") from error
    announcement = Announcement.objects.for_list().filter(pk=pk).first()
    if announcement is None:
        raise WorkflowError("The announcement of this preview link no longer exists.")
    return announcement


# The lost-update guard -------------------------------------------------------------


def claim_version(model: type[Model], pk: int, loaded_version: int) -> int:
    """Bump the record's version if it is still the one the editor loaded.

    A conditional UPDATE: on PostgreSQL it locks the row until the caller's
    transaction ends, so a concurrent save of the same version finds it changed;
    on SQLite the write transaction already excludes other writers. Must run
    inside the transaction that then saves the record.
    """
    claimed = model._default_manager.filter(pk=pk, version=loaded_version).update(
        version=loaded_version + 1
    )
    if not claimed:
        raise VersionConflict(conflict_message(model, pk, loaded_version))
    return loaded_version + 1


def conflict_message(model: type[Model], pk: int, loaded_version: int) -> SafeString:
    """Who saved the record since ``loaded_version`` and what they changed, as HTML
    (text fields as word diffs; every value escaped)."""
    verbose_name = model._meta.verbose_name
    who = "Someone else"
    history = model.history.filter(id=pk).select_related("history_user")
    latest = history.order_by("-history_date", "-history_id").first()
    loaded = history.filter(version=loaded_version).order_by("-history_date", "-history_id").first()
    if latest is not None:
        when = timezone.localtime(latest.history_date).strftime("%d %b %Y %H:%M")
        who = f"{latest.history_user or 'an unknown user'} ({when})"
    html = format_html(
        "{} saved this {} while you were editing it; your changes are not saved yet and "
        "are kept in the form.",
        who,
        verbose_name,
    )
    changes = describe_changes(latest, loaded) if latest and loaded else []
    if changes:
        html += format_html(
            ' What they changed:<ul class="conflict-changes">{}</ul>',
            format_html_join("", "<li><strong>{}:</strong> {}</li>", changes),
        )
    return html + SafeString(
        " Save again to keep your version, or reload the page to start from theirs."
    )


def describe_changes(newer, older) -> list[tuple[str, SafeString]]:
    """``(field, change)`` for each field that differs between two historical records:
    text as a word diff, other values as old → new; escaped HTML."""
    delta = newer.diff_against(older, excluded_fields=BOOKKEEPING_FIELDS)
    lines = []
    for change in delta.changes:
        field = newer.instance_type._meta.get_field(change.field)
        old, new = _shown(change.old, field), _shown(change.new, field)
        if _is_text(field) and change.old and change.new:
            shown = word_diff(old, new)
        else:
            shown = format_html("<del>{}</del> → <ins>{}</ins>", old or "—", new or "—")
        lines.append((capfirst(field.verbose_name), shown))
    return lines


def _is_text(field) -> bool:
    return isinstance(field, CharField | TextField) and not field.choices


def _shown(value, field) -> str:
    if isinstance(value, list):  # many-to-many rows of the historical snapshot
        related = field.related_model
        ids = [row[field.m2m_reverse_field_name()] for row in value]
        names = dict(related._default_manager.filter(pk__in=ids).values_list("pk", "name"))
        return ", ".join(names.get(pk, f"#{pk}") for pk in ids)
    if value is None:
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related is not None else f"deleted {field.verbose_name} #{value}"
    return str(value)


# Revert ----------------------------------------------------------------------------

ANNOUNCEMENT_CONTENT = (
    "title",
    "slug",
    "kind",
    "date",
    "date_precision",
    "source_url",
    "summary",
    "text",
    "credit",
)
CLAUSE_CONTENT = (
    "position",
    "heading",
    "text",
    "effect",
    "effective_from",
    "effective_from_precision",
    "effective_until",
    "effective_until_precision",
    "supersedes_id",
)


def revert(record, *, by) -> Model:
    """Bring a record back to the content of an earlier historical version.

    The revert is itself saved as a new version, so it can be undone in turn. The
    publishing state is not part of the content: it changes only through the workflow.
    """
    model = record.instance_type
    content = ANNOUNCEMENT_CONTENT if model is Announcement else CLAUSE_CONTENT
    with transaction.atomic():
        current = model.objects.select_for_update().filter(pk=record.id).first()
        if current is None:
            raise WorkflowError(f"This {model._meta.verbose_name} has been deleted.")
        announcement = current if model is Announcement else current.announcement
        if not can_edit(by, announcement):
            raise WorkflowError(refuse_edit_message(announcement))
        linked_before = current.supersedes_id if model is Clause else None
        for name in content:
            setattr(current, name, getattr(record, name))
        if model is Clause and not Clause.objects.filter(pk=current.supersedes_id).exists():
            current.supersedes_id = None
        if model is Clause and (
            refusal := lineage_change_refusal(by, linked_before, current.supersedes_id)
        ):
            raise WorkflowError(refusal)
        when = timezone.localtime(record.history_date).strftime("%d %b %Y %H:%M")
        _save_checked(current, by=by, reason=f"Reverted to the version of {when}")
        _restore_m2m(current, record)
    return current


def _save_checked(obj: Model, *, by, reason: str, insert: bool = False) -> None:
    """Validate and save, turning a broken rule into a WorkflowError."""
    if isinstance(obj, Announcement):
        obj.updated_by = by
    try:
        obj.full_clean()
    except ValidationError as error:
        raise WorkflowError(" ".join(error.messages)) from error
    obj.version += 1
    obj._history_user = by
    obj._change_reason = reason
    try:
        with transaction.atomic():
            obj.save(force_insert=insert)
    except IntegrityError as error:
        raise WorkflowError(
            f"This version cannot be brought back as it breaks a rule of the records: {error}"
        ) from error


def _restore_m2m(obj: Model, record) -> None:
    for field in record._history_m2m_fields:
        target = field.m2m_reverse_field_name()
        ids = list(getattr(record, field.name).values_list(target, flat=True))
        existing = field.related_model._default_manager.filter(pk__in=ids)
        current = set(getattr(obj, field.name).values_list("pk", flat=True))
        wanted = set(existing.values_list("pk", flat=True))
        if current != wanted:
            getattr(obj, field.name).set(wanted)


# Delete and restore ----------------------------------------------------------------


def delete_announcement(announcement: Announcement, *, by) -> None:
    """Delete an announcement and its clauses, marking the clauses' last history
    entries so that a restore brings back exactly the clauses deleted with it.

    Clauses go one by one, each after the clauses that supersede it, because a
    clause cannot be deleted while a successor points at it.
    """
    if not by.has_perm("kb.delete_announcement") or not can_edit(by, announcement):
        raise WorkflowError(refuse_edit_message(announcement))
    outside = superseded_from_outside([announcement.pk])
    if outside:
        raise WorkflowError(
            f"“{announcement}” cannot be deleted: clauses of other announcements supersede "
            f"its clauses ({', '.join(str(clause) for clause in outside)})."
        )
    with transaction.atomic():
        remaining = {clause.pk: clause for clause in announcement.clauses.all()}
        while remaining:
            superseded = {clause.supersedes_id for clause in remaining.values()}
            for pk in [pk for pk in remaining if pk not in superseded] or list(remaining):
                clause = remaining.pop(pk)
                clause._history_user = by
                clause._change_reason = DELETED_WITH_ANNOUNCEMENT
                clause.delete()
        announcement._history_user = by
        announcement.delete()


def superseded_from_outside(announcement_ids) -> list[Clause]:
    """Clauses of other announcements that supersede clauses of these ones."""
    return list(
        Clause.objects.filter(supersedes__announcement__in=announcement_ids).exclude(
            announcement__in=announcement_ids
        )
    )


def deleted_announcements():
    """The last history entry of every announcement that is deleted now."""
    history = Announcement.history.model
    later = history.objects.filter(id=OuterRef("id"), history_id__gt=OuterRef("history_id"))
    return (
        Announcement.history.filter(history_type="-")
        .exclude(Exists(later))
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )


def restore_announcement(deletion_history_id: int, *, by) -> Announcement:
    """Bring back a deleted announcement, as a draft, with the clauses deleted with it.

    It comes back as a draft because whether it should be public again is a
    Publisher's decision, taken through the workflow.
    """
    if not by.has_perm("kb.add_announcement"):
        raise WorkflowError("Only Editors and Publishers may restore announcements.")
    record = deleted_announcements().filter(history_id=deletion_history_id).first()
    if record is None:
        raise WorkflowError("This announcement is not deleted, or was restored already.")
    if Announcement.objects.filter(slug=record.slug).exists():
        raise WorkflowError(
            f"Another announcement now uses the slug “{record.slug}”; change its slug first."
        )
    previous_deletion = (
        Announcement.history.filter(
            id=record.id, history_type="-", history_id__lt=record.history_id
        )
        .order_by("-history_id")
        .values_list("history_date", flat=True)
        .first()
    )
    clause_records = Clause.history.filter(
        announcement_id=record.id,
        history_type="-",
        history_change_reason=DELETED_WITH_ANNOUNCEMENT,
        history_date__lte=record.history_date,
    )
    if previous_deletion is not None:
        clause_records = clause_records.filter(history_date__gt=previous_deletion)
    with transaction.atomic():
        announcement = record.instance
        announcement.status = Status.DRAFT
        _save_checked(announcement, by=by, reason=RESTORED, insert=True)
        # The deletion entry is written after the m2m rows are gone: take them
        # from the version before it.
        _restore_m2m(announcement, record.prev_record or record)
        pending = {clause_record.id: clause_record for clause_record in clause_records}
        restored: set[int] = set()
        while pending:
            # A clause goes in once the clause it supersedes exists again.
            ready = [
                r
                for r in pending.values()
                if r.supersedes_id not in pending or r.supersedes_id in restored
            ]
            if not ready:
                raise WorkflowError("The deleted clauses supersede each other in a loop.")
            for clause_record in sorted(ready, key=lambda r: r.position):
                clause = clause_record.instance
                if not Clause.objects.filter(pk=clause.supersedes_id).exists():
                    clause.supersedes_id = None
                _save_checked(clause, by=by, reason=RESTORED, insert=True)
                _restore_m2m(clause, clause_record.prev_record or clause_record)
                restored.add(clause_record.id)
                del pending[clause_record.id]
    return announcement
