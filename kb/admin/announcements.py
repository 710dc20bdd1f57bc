"""Announcements with their clauses inline, previews of drafts and restoring deleted ones."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.html import format_html

from kb import workflow
from kb.admin.actions import WorkflowActionsMixin
from kb.admin.filters import BoundedDatesChangeList, PartyFilter, TopicFilter, YearFilter
from kb.admin.forms import SUBJECT_DATE_LINEAGE_FIELDS, ClauseForm
from kb.admin.records import GuardedHistoryAdmin, editable, without_version_if_read_only
from kb.admin.widgets import (
    ClauseChoiceField,
    SharedLabelsAutocompleteSelect,
    SharedLabelsAutocompleteSelectMultiple,
    SharedLabelsMixin,
)
from kb.models import Announcement, Clause

DELETED_PAGE_SIZE = 100


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
            if isinstance(widget, SharedLabelsMixin):
                widget.shared_labels = labels


class ClauseInline(admin.StackedInline):
    model = Clause
    form = ClauseForm
    formset = ClauseInlineFormSet
    fk_name = "announcement"
    extra = 0
    ordering = ["position"]
    show_change_link = True
    autocomplete_fields = ["topics", "parties", "supersedes"]
    formfield_overrides = GuardedHistoryAdmin.formfield_overrides
    fieldsets = [
        (None, {"fields": ["loaded_version", ("position", "heading", "effect")]}),
        ("Text", {"fields": ["text"], "classes": ["collapse"]}),
        (
            "Subjects, dates and lineage",
            {
                "fields": SUBJECT_DATE_LINEAGE_FIELDS,
                "classes": ["collapse"],
            },
        ),
    ]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).prefetch_related("topics", "parties").order_by("position")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "supersedes":
            kwargs["form_class"] = ClauseChoiceField
            kwargs["queryset"] = Clause.objects.select_related("announcement")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in ("topics", "parties"):
            kwargs["widget"] = SharedLabelsAutocompleteSelectMultiple(db_field, self.admin_site)
        elif db_field.name == "supersedes":
            kwargs["widget"] = SharedLabelsAutocompleteSelect(db_field, self.admin_site)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return without_version_if_read_only(self, request, obj, super().get_fieldsets(request, obj))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = ClauseForm.for_user(formset.form, request.user)
        return formset

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and editable(request, obj)


@admin.register(Announcement)
class AnnouncementAdmin(WorkflowActionsMixin, GuardedHistoryAdmin):
    inlines = [ClauseInline]
    list_display = ["title", "kind", "date_display", "status", "party_names", "updated_at"]
    list_filter = ["status", "kind", PartyFilter, TopicFilter, YearFilter]
    list_select_related = ["updated_by"]
    search_fields = ["title", "slug", "source_url"]
    date_hierarchy = "date"
    # Newest added first: the primary key's index serves any filter with LIMIT 100,
    # where the records' date order (no index on date alone) would sort every match.
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
        # A draft has no public page yet: "View on site" opens its signed preview.
        if obj.is_published:
            return obj.get_absolute_url()
        return reverse("admin:kb_announcement_preview", args=[workflow.preview_token(obj)])

    def get_changelist(self, request, **kwargs):
        return BoundedDatesChangeList

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and editable(request, obj)

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
        page = Paginator(workflow.deleted_announcements(), DELETED_PAGE_SIZE).get_page(
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
