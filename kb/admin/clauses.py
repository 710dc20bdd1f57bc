"""Clauses on their own: change list across announcements, change form with lineage."""

from django import forms
from django.contrib import admin
from django.urls import reverse

from kb import workflow
from kb.admin.filters import AnnouncementChoicesFilter, PartyFilter, TopicFilter, YearFilter
from kb.admin.forms import SUBJECT_DATE_LINEAGE_FIELDS
from kb.admin.forms import ClauseForm as GuardedClauseForm
from kb.admin.records import GuardedHistoryAdmin, editable
from kb.admin.suggestions import LineageSuggestionsMixin
from kb.admin.widgets import ClauseChoiceField
from kb.models import Clause


@admin.register(Clause)
class ClauseAdmin(LineageSuggestionsMixin, GuardedHistoryAdmin):
    form = GuardedClauseForm
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
            {"fields": SUBJECT_DATE_LINEAGE_FIELDS},
        ),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("announcement")
            .prefetch_related("topics", "parties")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "supersedes":
            kwargs["form_class"] = ClauseChoiceField
            kwargs["queryset"] = Clause.objects.select_related("announcement")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description="status", ordering="announcement__status")
    def status(self, obj):
        return obj.announcement.get_status_display()

    @admin.display(description="topics")
    def topic_names(self, obj):
        return ", ".join(topic.name for topic in obj.topics.all())

    def view_on_site(self, obj):
        # A draft's clause has no public page yet: "View on site" opens the
        # announcement's signed preview at the clause.
        if obj.announcement.is_published:
            return obj.get_absolute_url()
        token = workflow.preview_token(obj.announcement)
        return f"{reverse('admin:kb_announcement_preview', args=[token])}#{obj.anchor}"

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and editable(
            request, obj.announcement if obj else None
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and editable(
            request, obj.announcement if obj else None
        )

    def get_form(self, request, obj=None, **kwargs):
        form = GuardedClauseForm.for_user(super().get_form(request, obj, **kwargs), request.user)
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
