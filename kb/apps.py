from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def analyze_sqlite(using, **kwargs):
    """Full planner statistics after each ``migrate`` on SQLite: a new index has none,
    and without them (or from a sample) SQLite picks plans that sort or read every
    clause (kb/sqlite_backend/base.py says more)."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = "Knowledge base"

    def ready(self):
        post_migrate.connect(analyze_sqlite, sender=self, dispatch_uid="kb.analyze_sqlite")
