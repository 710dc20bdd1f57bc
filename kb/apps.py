from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db import connections
from django.db.models.signals import post_migrate


def analyze_sqlite(using, **kwargs):
    """Full planner statistics after each ``migrate`` on SQLite: a new index has none,
    and without them (or from a sample) SQLite picks plans that sort or read every
    clause (kb/sqlite_backend/base.py says more)."""
    from kb.statistics import refresh_statistics

    if connections[using].vendor == "sqlite":
        refresh_statistics(using)


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self):
        post_migrate.connect(analyze_sqlite, sender=self, dispatch_uid="kb.analyze_sqlite")


class KbAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with kb's site as ``admin.site``."""

    default = False

    default_site = "kb.admin_site.KbAdminSite"
