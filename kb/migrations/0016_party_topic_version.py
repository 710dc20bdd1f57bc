"""A version on parties and topics: the admin's lost-update guard, as on announcements
and clauses (kb/admin/records.py).

On SQLite, adding a column with a default rebuilds the table, which drops its
triggers (the search change log's, migration 0013): they are dropped first and
created again afterwards.
"""

from importlib import import_module

from django.db import migrations, models

_RULES = "kb.migrations.0015_sane_dates_and_text_limits"


def drop_sqlite_triggers(apps, schema_editor):
    import_module(_RULES).drop_sqlite_triggers(apps, schema_editor)


def create_sqlite_triggers(apps, schema_editor):
    import_module(_RULES).create_sqlite_triggers(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("kb", "0015_sane_dates_and_text_limits"),
    ]

    operations = [
        migrations.RunPython(drop_sqlite_triggers, create_sqlite_triggers),
        migrations.AddField(
            model_name='historicalparty',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name='historicaltopic',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name='party',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name='topic',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.RunPython(create_sqlite_triggers, drop_sqlite_triggers),
    ]
