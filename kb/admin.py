"""Curation in the admin: announcements with their clauses, parties and topics.

Publishing states change only through ``kb.workflow`` (actions on the change list
and the change form); every change form carries the version it was loaded at, so a
save that would overwrite a colleague's edit is refused and the input kept.
"""

from __future__ import annotations

import itertools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import ActionLocation, IncorrectLookupParameters
from django.contrib.admin.utils import build_q_object_from_lookup_parameters
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Max, Min
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from kb import workflow
from kb.models import Announcement, Clause, Party, Topic

BOTH_LOCATIONS = [ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM]
AUDIT_PAGE_SIZE = 100
AUDIT_MAX_PAGES = 20


class CappedCountPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` rows.

    The change list counts its rows on every page load; at a million rows a full
    COUNT(*) costs more than the page itself. Counting over a LIMITed subquery keeps
    the cost bounded; past the cap the page says "more than" instead of a number.
    """

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        # Order does not change a count: drop it, or the subquery would sort.
        return self.object_list.order_by()[: self.COUNT_CAP + 1].count()

    @property
    def count_is_capped(self) -> bool:
        return self.count > self.COUNT_CAP


# Filters: "pk IN (ids from the link table)" instead of joins, so filtering never
# multiplies rows (no DISTINCT).


class _LinkedFilter(admin.SimpleListFilter):
    """Filter by the slug of a related party or topic; ``links`` maps each model
    this filter serves to its through table and the through table's path back.

    The ids are read once from the link table's (party or topic, owner) index, as
    ``kb.views.binding`` does, rather than probed with an EXISTS per listed row: the
    list is in its own order, so a probe per row walked the whole table when few
    rows matched (394 ms for a party at a million clauses)."""

    related_model: type
    links: dict

    def lookups(self, request, model_admin):
        return self.related_model.objects.values_list("slug", "name")

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        through, owner = self.links[queryset.model]
        related = self.related_model._meta.model_name
        matching = through.objects.filter(**{f"{related}__slug": self.value()}).values(owner)
        return queryset.filter(pk__in=matching)


class PartyFilter(_LinkedFilter):
    title = "party"
    parameter_name = "party"
    related_model = Party
    links = {
        Announcement: (Announcement.parties.through, "announcement"),
        Clause: (Clause.parties.through, "clause"),
    }


class TopicFilter(_LinkedFilter):
    title = "topic"
    parameter_name = "topic"
    related_model = Topic
    links = {
        Announcement: (Clause.topics.through, "clause__announcement"),
        Clause: (Clause.topics.through, "clause"),
    }


class AnnouncementChoicesFilter(admin.ChoicesFieldListFilter):
    """A choice of the clause's announcement (status, kind), same parameters as
    Django's, applied as "announcement_id IN (the announcements with it)". SQLite
    then reads the clauses in the list's order (announcement, position) from
    their unique index and stops at the page; through a join it read and sorted
    every matching clause first (about 290 ms for "published" at a million)."""

    def queryset(self, request, queryset):
        prefix = f"{self.field_path.split('__')[0]}__"
        lookups = {name.removeprefix(prefix): value for name, value in self.used_parameters.items()}
        if not lookups:
            return queryset
        try:
            chosen = Announcement.objects.filter(build_q_object_from_lookup_parameters(lookups))
        except (ValueError, ValidationError) as error:
            raise IncorrectLookupParameters(error) from error
        return queryset.filter(announcement_id__in=chosen.values("pk"))


class YearFilter(admin.SimpleListFilter):
    title = "year"
    parameter_name = "year"
    UNKNOWN = "unknown"

    def lookups(self, request, model_admin):
        # One MIN/MAX query instead of SELECT DISTINCT over every row.
        span = Announcement.objects.aggregate(first=Min("date"), last=Max("date"))
        years = []
        if span["first"] and span["last"]:
            years = [
                (str(year), str(year))
                for year in range(span["last"].year, span["first"].year - 1, -1)
            ]
        return [*years, (self.UNKNOWN, "Unknown")]

    def queryset(self, request, queryset):
        prefix = "" if queryset.model is Announcement else "announcement__"
        if self.value() == self.UNKNOWN:
            return queryset.filter(**{f"{prefix}date__isnull": True})
        if self.value() and self.value().isdigit():
            return queryset.filter(**{f"{prefix}date__year": int(self.value())})
        return queryset


# The lost-update guard in forms ---------------------------------------------------


class VersionGuardedForm(forms.ModelForm):
    """Carries the version the editor loaded; refuses to save over a newer one.

    The check here gives the editor the message and keeps their input; the
    conditional UPDATE in ``workflow.claim_version`` makes it race-free at save time.
    """

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        loaded = cleaned.get("loaded_version")
        if loaded != self.instance.version:
            message = workflow.conflict_message(
                type(self.instance), self.instance.pk, loaded if loaded is not None else 0
            )
            # The next save starts from the version the editor has now been shown.
            self.data = self.data.copy()
            self.data[self.add_prefix("loaded_version")] = self.instance.version
            raise forms.ValidationError(message, code="version_conflict")
        return cleaned


# Inline clauses: one query per related model for the labels of all autocomplete
# widgets, instead of one per widget per clause.


class _SharedLabelsMixin:
    shared_labels: dict[str, str] | None = None

    def optgroups(self, name, value, attr=None):
        if self.shared_labels is None:
            return super().optgroups(name, value, attr)
        selected = [str(v) for v in value if str(v) not in self.choices.field.empty_values]
        options = []
        if not self.is_required and not self.allow_multiple_selected:
            options.append(self.create_option(name, "", "", False, 0))
        for option_value in selected:
            if option_value in self.shared_labels:
                options.append(
                    self.create_option(
                        name, option_value, self.shared_labels[option_value], True, len(options)
                    )
                )
        return [(None, options, 0)]


class SharedLabelsAutocompleteSelect(_SharedLabelsMixin, AutocompleteSelect):
    pass


class SharedLabelsAutocompleteSelectMultiple(_SharedLabelsMixin, AutocompleteSelectMultiple):
    pass


class ClauseInlineFormSet(BaseInlineFormSet):
    shared_label_fields = ("topics", "parties", "supersedes")

    @cached_property
    def forms(self):
        forms_ = super().forms
        for name in self.shared_label_fields:
            self._share_labels(forms_, name)
        return forms_

    def _share_labels(self, forms_, name):
        wanted: set[str] = set()
        for form in forms_:
            value = form[name].value()
            values = value if isinstance(value, list | tuple) else [value]
            wanted.update(
                str(v.pk if hasattr(v, "pk") else v) for v in values if v not in ("", None)
            )
        field = forms_[0].fields[name] if forms_ else None
        if field is None:
            return
        labels = {}
        ids = [pk for pk in wanted if pk.isdigit()]
        if ids:
            labels = {
                str(obj.pk): field.label_from_instance(obj)
                for obj in field.queryset.filter(pk__in=ids)
            }
        for form in forms_:
            widget = form.fields[name].widget
            widget = getattr(widget, "widget", widget)
            if isinstance(widget, _SharedLabelsMixin):
                widget.shared_labels = labels


class ClauseInline(admin.StackedInline):
    model = Clause
    form = VersionGuardedForm
    formset = ClauseInlineFormSet
    fk_name = "announcement"
    extra = 0
    ordering = ["position"]
    show_change_link = True
    autocomplete_fields = ["topics", "parties", "supersedes"]
    fieldsets = [
        (None, {"fields": ["loaded_version", ("position", "heading", "effect")]}),
        ("Text", {"fields": ["text"], "classes": ["collapse"]}),
        (
            "Subjects, dates and lineage",
            {
                "fields": [
                    ("topics", "parties"),
                    ("effective_from", "effective_from_precision"),
                    ("effective_until", "effective_until_precision"),
                    "supersedes",
                ],
                "classes": ["collapse"],
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).prefetch_related("topics", "parties").order_by("position")
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("topics", "parties"):
            kwargs["widget"] = SharedLabelsAutocompleteSelectMultiple(db_field, self.admin_site)
        elif db_field.name == "supersedes":
            kwargs["widget"] = SharedLabelsAutocompleteSelect(db_field, self.admin_site)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return _without_version_if_read_only(
            self, request, obj, super().get_fieldsets(request, obj)
        )

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and _editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _editable(request, obj)


def _editable(request, announcement) -> bool:
    return announcement is None or workflow.can_edit(request.user, announcement)


def _without_version_if_read_only(model_admin, request, obj, fieldsets):
    """A view-only form has nothing to guard: drop the hidden version field."""
    if model_admin.has_change_permission(request, obj):
        return fieldsets
    return [
        (name, {**options, "fields": [f for f in options["fields"] if f != "loaded_version"]})
        for name, options in fieldsets
    ]


# History, revert and the shared parts of both record admins -------------------------


def _m2m_snapshots(records, field) -> dict[int, str]:
    """For each historical record, the names of its related objects at that version."""
    snapshot_model = getattr(records[0], field.name).model
    target = field.m2m_reverse_field_name()
    rows = (
        snapshot_model.objects.filter(history_id__in=[record.history_id for record in records])
        .order_by(f"{target}__name")
        .values_list("history_id", f"{target}__name")
    )
    names: dict[int, list[str]] = {}
    for history_id, name in rows:
        names.setdefault(history_id, []).append(name)
    return {history_id: ", ".join(found) for history_id, found in names.items()}


class PermissionFirstHistoryAdmin(SimpleHistoryAdmin):
    """simple_history's history pages, refusing a user without the model's permission
    before looking the record up: simple_history looks first, so a Reader got a 403
    for a record that exists and a 404 for one that does not (as Django's change and
    delete views do, both are now a 403)."""

    def history_view(self, request, object_id, extra_context=None):
        self._check_history_permission(request)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._check_history_permission(request)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _check_history_permission(self, request):
        if not self.has_view_history_or_change_history_permission(request):
            raise PermissionDenied


class GuardedHistoryAdmin(PermissionFirstHistoryAdmin):
    """History with a field-by-field diff and a one-click revert per version."""

    form = VersionGuardedForm
    object_history_list_template = "admin/kb/object_history_list.html"
    show_full_result_count = False
    paginator = CappedCountPaginator

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
        snapshots = {field.name: _m2m_snapshots(records, field) for field in m2m_fields}
        for newer, older in itertools.pairwise(records):
            delta = newer.diff_against(
                older,
                excluded_fields=[field.name for field in m2m_fields],
                foreign_keys_are_objs=foreign_keys_are_objs,
            )
            helper = self.get_historical_record_context_helper(request, newer)
            changes = helper.context_for_delta_changes(delta)
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

    def get_fieldsets(self, request, obj=None):
        return _without_version_if_read_only(
            self, request, obj, super().get_fieldsets(request, obj)
        )

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


@admin.register(Announcement)
class AnnouncementAdmin(GuardedHistoryAdmin):
    inlines = [ClauseInline]
    list_display = ["title", "kind", "date_display", "status", "party_names", "updated_at"]
    list_filter = ["status", "kind", PartyFilter, TopicFilter, YearFilter]
    list_select_related = ["updated_by"]
    search_fields = ["title", "slug", "source_url"]
    date_hierarchy = "date"
    # Newest added first: the primary key's index serves any filter with LIMIT 100,
    # where the records' date order (no index on date alone) sorts every matching
    # row: 0.2 ms against 2.4 s at a million rows on PostgreSQL (kb_bench --section admin).
    ordering = ["-pk"]
    autocomplete_fields = ["parties"]
    prepopulated_fields = {"slug": ["title"]}
    save_on_top = True
    readonly_fields = [
        "status",
        "preview_link",
        "published_at",
        "published_by",
        "created_at",
        "updated_at",
        "updated_by",
    ]
    fieldsets = [
        (None, {"fields": ["loaded_version", "title", "slug", "kind", "parties"]}),
        ("Date", {"fields": [("date", "date_precision")]}),
        ("Content", {"fields": ["source_url", "summary", "text", "credit"]}),
        (
            "Publishing",
            {
                "fields": [
                    ("status", "preview_link"),
                    ("published_at", "published_by"),
                    ("created_at", "updated_at", "updated_by"),
                ]
            },
        ),
    ]
    actions = ["send_to_review", "publish", "retract", "back_to_draft"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("updated_by", "published_by").for_list()

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "preview/<str:token>/",
                self.admin_site.admin_view(self.preview_view),
                name="{}_{}_preview".format(*info),
            ),
            path(
                "deleted/",
                self.admin_site.admin_view(self.deleted_view),
                name="{}_{}_deleted".format(*info),
            ),
            path("audit/", self.admin_site.admin_view(self.audit_view), name="kb_audit"),
        ]
        return own + super().get_urls()

    @admin.display(description="date", ordering="date")
    def date_display(self, obj):
        return str(obj.partial_date)

    @admin.display(description="parties")
    def party_names(self, obj):
        return ", ".join(party.name for party in obj.parties.all())

    @admin.display(description="preview")
    def preview_link(self, obj):
        if obj.pk is None or obj.is_published:
            return "—"
        url = reverse("admin:kb_announcement_preview", args=[workflow.preview_token(obj)])
        return format_html('<a href="{}">Preview as it will look on the site</a>', url)

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.is_published else None

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _editable(request, obj)

    def has_publish_permission(self, request):
        return request.user.has_perm(workflow.PUBLISH_PERMISSION)

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.initial_forms:
            if inline_form.has_changed() or inline_form in formset.deleted_forms:
                inline_form.instance.version = workflow.claim_version(
                    Clause, inline_form.instance.pk, inline_form.cleaned_data["loaded_version"]
                )
        super().save_formset(request, form, formset, change)

    def get_deleted_objects(self, objs, request):
        # A clause superseding another clause of the same announcement goes with it
        # (workflow.delete_announcement orders the deletes); only links from other
        # announcements block the deletion.
        deleted, counts, perms_needed, _ = super().get_deleted_objects(objs, request)
        outside = workflow.superseded_from_outside([obj.pk for obj in objs])
        protected = [f"Clause of “{clause.announcement}”: {clause}" for clause in outside]
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        workflow.delete_announcement(obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for announcement in queryset:
            workflow.delete_announcement(announcement, by=request.user)

    # Workflow actions: on the change list and as buttons on the change form.

    def response_action(self, request, queryset, action_location=ActionLocation.CHANGE_LIST):
        # The publishing actions are not offered to Editors; say why if one is sent.
        field = "action" if action_location == ActionLocation.CHANGE_LIST else "CHANGE_FORM-action"
        requested = set(request.POST.getlist(field))
        publishing = {n for n, step in workflow.TRANSITIONS.items() if step.publishers_only}
        if requested & publishing and not self.has_publish_permission(request):
            self.message_user(request, workflow.PUBLISHERS_ONLY, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset, action_location)

    def _run_transition(self, request, queryset, name):
        step = workflow.TRANSITIONS[name]
        done = 0
        for announcement in queryset:
            try:
                workflow.transition(announcement, name, by=request.user)
            except workflow.WorkflowError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                done += 1
        if done:
            noun = "announcement" if done == 1 else "announcements"
            self.message_user(request, f"{done} {noun} {step.done}.", messages.SUCCESS)

    @admin.action(description="Send to review", permissions=["change"], location=BOTH_LOCATIONS)
    def send_to_review(self, request, queryset):
        self._run_transition(request, queryset, "send_to_review")

    @admin.action(description="Publish", permissions=["publish"], location=BOTH_LOCATIONS)
    def publish(self, request, queryset):
        self._run_transition(request, queryset, "publish")

    @admin.action(description="Retract", permissions=["publish"], location=BOTH_LOCATIONS)
    def retract(self, request, queryset):
        self._run_transition(request, queryset, "retract")

    @admin.action(description="Back to draft", permissions=["change"], location=BOTH_LOCATIONS)
    def back_to_draft(self, request, queryset):
        self._run_transition(request, queryset, "back_to_draft")

    def changelist_view(self, request, extra_context=None):
        context = {
            "can_see_audit": request.user.has_perm("kb.view_audit_log"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    # Views of their own.

    def preview_view(self, request, token):
        """A draft as the public page will show it; the signed token is the key, for
        those who may see drafts at all (not Readers: for them a draft does not exist)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            announcement = workflow.announcement_for_preview(token)
        except workflow.WorkflowError as error:
            context = {**self.admin_site.each_context(request), "message": error.message}
            return TemplateResponse(request, "admin/kb/preview_refused.html", context, status=403)
        clauses = announcement.clauses.for_cards().in_document_order()
        response = TemplateResponse(
            request,
            "kb/announcement.html",
            {"announcement": announcement, "clauses": clauses, "is_preview": True},
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    def deleted_view(self, request):
        """Deleted announcements, each with a button that restores it as a draft."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            try:
                history_id = int(request.POST.get("history_id", ""))
                restored = workflow.restore_announcement(history_id, by=request.user)
            except ValueError:
                self.message_user(request, "Choose an announcement to restore.", messages.ERROR)
            except workflow.WorkflowError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request, f"“{restored}” is restored as a draft, with its clauses."
                )
                return redirect("admin:kb_announcement_change", restored.pk)
            return redirect("admin:kb_announcement_deleted")
        page = Paginator(workflow.deleted_announcements(), AUDIT_PAGE_SIZE).get_page(
            request.GET.get("p")
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Deleted announcements",
            "opts": self.opts,
            "page": page,
            "can_restore": self.has_add_permission(request),
        }
        return TemplateResponse(request, "admin/kb/announcement/deleted.html", context)

    def audit_view(self, request):
        """The latest changes to announcements and clauses, for Publishers."""
        if not request.user.has_perm("kb.view_audit_log"):
            raise PermissionDenied
        form = AuditFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        page = _page_number(request.GET.get("p"))
        wanted = page * AUDIT_PAGE_SIZE
        entries = []
        for model in (Announcement, Clause):
            if filters.get("model") and filters["model"] != model._meta.model_name:
                continue
            history = model.history.select_related("history_user")
            if filters.get("user"):
                history = history.filter(history_user=filters["user"])
            if filters.get("date_from"):
                history = history.filter(history_date__date__gte=filters["date_from"])
            if filters.get("date_to"):
                history = history.filter(history_date__date__lte=filters["date_to"])
            for record in history.order_by("-history_date", "-history_id")[: wanted + 1]:
                entries.append((model, record))
        entries.sort(key=lambda entry: entry[1].history_date, reverse=True)
        rows = [
            {
                "model": model._meta.verbose_name,
                "record": record,
                "history_url": reverse(
                    f"admin:kb_{model._meta.model_name}_history", args=[record.id]
                ),
            }
            for model, record in entries[wanted - AUDIT_PAGE_SIZE : wanted]
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "Audit: latest changes",
            "opts": self.opts,
            "form": form,
            "rows": rows,
            "page": page,
            "has_next": len(entries) > wanted and page < AUDIT_MAX_PAGES,
            "query": request.GET.copy(),
        }
        return TemplateResponse(request, "admin/kb/audit.html", context)


def _page_number(raw) -> int:
    try:
        return min(max(int(raw), 1), AUDIT_MAX_PAGES)
    except (TypeError, ValueError):
        return 1


class AuditFilterForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_staff=True).order_by("username"),
        required=False,
    )
    model = forms.ChoiceField(
        choices=[("", "All records"), ("announcement", "Announcements"), ("clause", "Clauses")],
        required=False,
    )
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


@admin.register(Clause)
class ClauseAdmin(GuardedHistoryAdmin):
    list_display = ["heading", "announcement", "position", "effect", "status", "topic_names"]
    list_filter = [
        ("announcement__status", AnnouncementChoicesFilter),
        ("announcement__kind", AnnouncementChoicesFilter),
        PartyFilter,
        TopicFilter,
        YearFilter,
        "effect",
    ]
    list_select_related = ["announcement"]
    search_fields = ["heading", "announcement__title"]
    autocomplete_fields = ["announcement", "topics", "parties", "supersedes"]
    fieldsets = [
        (None, {"fields": ["loaded_version", "announcement", ("position", "heading", "effect")]}),
        ("Text", {"fields": ["text"]}),
        (
            "Subjects, dates and lineage",
            {
                "fields": [
                    ("topics", "parties"),
                    ("effective_from", "effective_from_precision"),
                    ("effective_until", "effective_until_precision"),
                    "supersedes",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("announcement")
            .prefetch_related("topics", "parties")
        )

    @admin.display(description="status", ordering="announcement__status")
    def status(self, obj):
        return obj.announcement.get_status_display()

    @admin.display(description="topics")
    def topic_names(self, obj):
        return ", ".join(topic.name for topic in obj.topics.all())

    def view_on_site(self, obj):
        return obj.get_absolute_url() if obj.announcement.is_published else None

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and _editable(
            request, obj.announcement if obj else None
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and _editable(
            request, obj.announcement if obj else None
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "announcement" not in form.base_fields:
            return form
        user = request.user

        class ClauseForm(form):
            def clean_announcement(self):
                announcement = self.cleaned_data["announcement"]
                if not workflow.can_edit(user, announcement):
                    # Adding to or moving into a published announcement is a Publisher's edit.
                    raise forms.ValidationError(workflow.refuse_edit_message(announcement))
                return announcement

        return ClauseForm


@admin.register(Party)
class PartyAdmin(PermissionFirstHistoryAdmin):
    list_display = ["name", "short_name", "slug", "website"]
    search_fields = ["name", "short_name", "aliases", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    show_full_result_count = False


@admin.register(Topic)
class TopicAdmin(PermissionFirstHistoryAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    show_full_result_count = False


def view_on_site(request, content_type_id, object_id):
    """The admin's "View on site" redirect, for those who may view the record.

    Django's own redirects any staff member, so it would tell a Reader the public URL
    of a draft, and with it the slug made from its title. Mounted in ``kb/urls.py``
    ahead of the admin's pattern for the same URL (``admin:view_on_site``)."""
    try:
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
    except (ValueError, ContentType.DoesNotExist):
        raise Http404 from None
    if model is None or not request.user.has_perm(
        f"{model._meta.app_label}.view_{model._meta.model_name}"
    ):
        raise PermissionDenied
    return shortcut(request, content_type_id, object_id)
