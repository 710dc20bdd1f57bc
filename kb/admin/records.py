"""The shared base of the announcement and clause admins: the lost-update guard (also
used by parties and topics), a field-by-field history diff and a one-click revert
per version, and who may edit."""

import itertools

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.text import capfirst
from simple_history.models import DeletedObject

from kb import workflow
from kb.admin.forms import NewlineNormalisingField, VersionGuardedForm
from kb.admin.history import PermissionFirstHistoryAdmin, m2m_snapshots
from kb.diffs import word_diff
from kb.pagination import CappedPaginator


def editable(request, announcement) -> bool:
    return announcement is None or workflow.can_edit(request.user, announcement)


def without_version_if_read_only(model_admin, request, obj, fieldsets):
    """A view-only form has nothing to guard: drop the hidden version field."""
    if model_admin.has_change_permission(request, obj):
        return fieldsets
    return [
        (name, {**options, "fields": [f for f in options["fields"] if f != "loaded_version"]})
        for name, options in fieldsets
    ]


class VersionGuardMixin:
    """The lost-update guard of a change form: the form carries the version it was
    loaded at, a save claims the next one (``workflow.claim_version``) and a save
    over a newer version is refused with the input kept. For models with a
    ``version`` field."""

    form = VersionGuardedForm
    # Browsers send a textarea's line breaks as CRLF: an unchanged text is no change.
    formfield_overrides = {models.TextField: {"form_class": NewlineNormalisingField}}

    def get_fieldsets(self, request, obj=None):
        return without_version_if_read_only(self, request, obj, super().get_fieldsets(request, obj))

    def save_model(self, request, obj, form, change):
        if change and not form.has_changed():
            # Nothing to write: no new version and no empty history entry (and no
            # rewrite of fields someone else may have just changed).
            return
        if change:
            obj.version = workflow.claim_version(
                type(obj), obj.pk, form.cleaned_data["loaded_version"]
            )
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except workflow.VersionConflict:
            # Someone saved between this form's check and its write (the whole view
            # was rolled back): run it again; the form now reports the conflict and
            # keeps the input.
            return super().changeform_view(request, object_id, form_url, extra_context)


def _delta_change(model, change) -> dict:
    """One changed field of a history entry: text as a word diff ("diff"), other
    values as "old" → "new"; an empty link as "—"."""
    field = model._meta.get_field(change.field)
    entry = {"field": capfirst(field.verbose_name)}
    texts = isinstance(change.old, str) and isinstance(change.new, str) and not field.choices
    if texts and change.old and change.new:
        return {**entry, "diff": word_diff(change.old, change.new)}
    return {**entry, "old": _shown(change.old, field), "new": _shown(change.new, field)}


def _shown(value, field) -> str:
    if value in (None, "") or (isinstance(value, DeletedObject) and value.pk is None):
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


class GuardedHistoryAdmin(VersionGuardMixin, PermissionFirstHistoryAdmin):
    """History with a field-by-field diff and a one-click revert per version."""

    object_history_list_template = "admin/kb/object_history_list.html"
    show_full_result_count = False
    paginator = CappedPaginator

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        revert = path(
            "<path:object_id>/history/<int:history_id>/revert/",
            self.admin_site.admin_view(self.revert_view),
            name="{}_{}_revert".format(*info),
        )
        # simple_history's per-version form saves a whole old record, status
        # included, past the workflow; reverts go through workflow.revert instead.
        return [revert, *admin.ModelAdmin.get_urls(self)]

    def revert_disabled(self, request, obj=None):
        return True

    def history_view_title(self, request, obj):
        return f"History: {obj}"

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """simple_history's diff of each version against the one before, except that
        the many-to-many snapshots of the whole page are read in one query per field
        instead of two queries per version."""
        records = list(historical_records)
        if not records:
            return
        m2m_fields = list(records[0]._history_m2m_fields)
        snapshots = {field.name: m2m_snapshots(records, field) for field in m2m_fields}
        for newer, older in itertools.pairwise(records):
            delta = newer.diff_against(
                older,
                excluded_fields=[field.name for field in m2m_fields],
                foreign_keys_are_objs=foreign_keys_are_objs,
            )
            changes = [_delta_change(self.model, change) for change in delta.changes]
            for field in m2m_fields:
                before = snapshots[field.name].get(older.history_id, "")
                after = snapshots[field.name].get(newer.history_id, "")
                if before != after:
                    changes.append(
                        {
                            "field": capfirst(field.verbose_name),
                            "old": before or "—",
                            "new": after or "—",
                        }
                    )
            newer.history_delta_changes = changes

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        context = {
            "can_revert": obj is not None and self.has_change_permission(request, obj),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, extra_context=context)

    def revert_view(self, request, object_id, history_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        self._check_history_permission(request)
        obj = self.get_object(request, object_id)
        if obj is not None and not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        record = obj and self.model.history.filter(id=obj.pk, history_id=history_id).first()
        history_url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[object_id]
        )
        if record is None:
            self.message_user(request, "There is no such version to revert to.", messages.ERROR)
            return redirect(history_url)
        try:
            workflow.revert(record, by=request.user)
        except workflow.WorkflowError as error:
            self.message_user(request, error.message, messages.ERROR)
            return redirect(history_url)
        self.message_user(
            request, f"“{obj}” is back to its version of that date; the revert is in its history."
        )
        return redirect(history_url)
