"""Parties and topics: the lost-update guard, public ones changed only by Publishers,
and merging parties."""

from django.contrib import admin, messages
from django.db.models import Count
from django.template.response import TemplateResponse

from kb import workflow
from kb.admin.forms import MergePartiesForm
from kb.admin.history import PermissionFirstHistoryAdmin
from kb.admin.records import VersionGuardMixin
from kb.models import Party, Topic
from kb.parties import can_merge, merge_parties


class VocabularyAdmin(VersionGuardMixin, PermissionFirstHistoryAdmin):
    """A party or topic that a published record uses shows on public pages: an Editor
    sees it read-only (``workflow.can_edit_vocabulary``)."""

    prepopulated_fields = {"slug": ["name"]}
    show_full_result_count = False

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(request, obj)

    def _editable(self, request, obj) -> bool:
        """``workflow.can_edit_vocabulary``, asked once per record and request (a
        change form asks for the permissions several times)."""
        if obj is None:
            return True
        answers = request.__dict__.setdefault("_kb_vocabulary_editable", {})
        key = (obj._meta.label, obj.pk)
        if key not in answers:
            answers[key] = workflow.can_edit_vocabulary(request.user, obj)
        return answers[key]


@admin.register(Party)
class PartyAdmin(VocabularyAdmin):
    list_display = ["name", "short_name", "slug", "website"]
    search_fields = ["name", "short_name", "aliases", "slug"]
    actions = ["merge_selected"]

    def has_merge_permission(self, request):
        return can_merge(request.user)

    @admin.action(description="Merge selected parties into one…", permissions=["merge"])
    def merge_selected(self, request, queryset):
        """Ask which party stays (an intermediate page), then merge the others into it."""
        parties = queryset.annotate(
            announcement_count=Count("announcements", distinct=True),
            clause_count=Count("clauses", distinct=True),
        ).order_by("name")
        if len(parties) < 2:
            self.message_user(request, "Choose at least two parties to merge.", messages.ERROR)
            return None
        form = MergePartiesForm(
            request.POST if "merge" in request.POST else None, parties=queryset.order_by("name")
        )
        if form.is_valid():
            into = form.cleaned_data["into"]
            try:
                result = merge_parties(into, list(queryset), by=request.user)
            except workflow.WorkflowError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(request, result.summary(), messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge parties",
            "opts": self.opts,
            "form": form,
            "parties": parties,
            "selected": [str(party.pk) for party in parties],
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/kb/party/merge.html", context)


@admin.register(Topic)
class TopicAdmin(VocabularyAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
