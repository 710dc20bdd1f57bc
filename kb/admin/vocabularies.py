"""Parties and topics."""

from django.contrib import admin

from kb.admin.history import PermissionFirstHistoryAdmin
from kb.models import Party, Topic


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
