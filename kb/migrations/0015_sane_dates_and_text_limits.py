"""Dates between 1900-01-01 and 2100-12-31, and a length limit on every text
(kb/dates.py, kb/limits.py; docs/editing/rules.md).

Existing dates outside the range are typing mistakes (0001-01-01, 9999-12-31): they
become unknown, with a history entry saying so, before the constraints are added.

On SQLite, adding a check constraint rebuilds the table, and dropping the old table
drops its triggers (the lineage-order triggers of 0002, the search change log's of
0013): they are dropped first and created again once the tables are rebuilt.
"""

import datetime
import django.core.validators
import django.db.models.functions.text
import django.db.models.lookups
import kb.dates
import kb.limits
from django.conf import settings
from importlib import import_module

from django.db import migrations, models

EARLIEST = datetime.date(1900, 1, 1)
LATEST = datetime.date(2100, 12, 31)
REASON = "Date outside 1900-01-01..2100-12-31 cleared"


def clear_dates_out_of_range(apps, schema_editor):
    alias = schema_editor.connection.alias
    out = ~models.Q(date__range=(EARLIEST, LATEST)) & models.Q(date__isnull=False)
    Announcement = apps.get_model("kb", "Announcement")
    for pk in Announcement.objects.using(alias).filter(out).values_list("pk", flat=True):
        _clear(apps, alias, Announcement, pk, ["date"])
    Clause = apps.get_model("kb", "Clause")
    for name in ("effective_from", "effective_until"):
        out = ~models.Q(**{f"{name}__range": (EARLIEST, LATEST)}) & models.Q(
            **{f"{name}__isnull": False}
        )
        for pk in Clause.objects.using(alias).filter(out).values_list("pk", flat=True):
            _clear(apps, alias, Clause, pk, [name])
    if schema_editor.connection.vendor == "postgresql":
        # The saves above queue deferred foreign-key checks, and PostgreSQL refuses to
        # alter a table with pending trigger events: run them now.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _clear(apps, alias, model, pk, fields):
    record = model.objects.using(alias).get(pk=pk)
    for name in fields:
        setattr(record, name, None)
        setattr(record, f"{name}_precision", "unknown")
    record.version += 1
    record.save(using=alias)
    history = apps.get_model("kb", f"Historical{model.__name__}")
    values = {field.attname: getattr(record, field.attname) for field in model._meta.concrete_fields}
    history.objects.using(alias).create(
        **values,
        history_date=datetime.datetime.now(tz=datetime.UTC),
        history_type="~",
        history_change_reason=REASON,
    )


def _triggers():
    return (
        import_module("kb.migrations.0002_lineage_order_triggers"),
        import_module("kb.migrations.0013_search_change_log"),
    )


def drop_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    lineage, search_log = _triggers()
    for statement in lineage.SQLITE_REVERSE:
        schema_editor.execute(statement)
    search_log.drop_log_triggers(apps, schema_editor)


def create_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    lineage, search_log = _triggers()
    for statement in lineage.SQLITE_FORWARD:
        schema_editor.execute(statement)
    search_log.create_log_triggers(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('kb', '0014_lineage_dismissal'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(clear_dates_out_of_range, migrations.RunPython.noop),
        migrations.RunPython(drop_sqlite_triggers, create_sqlite_triggers),
        migrations.AlterField(
            model_name='announcement',
            name='credit',
            field=models.CharField(blank=True, help_text='Attribution shown on the public page, e.g. the data set and its licence.', max_length=500, validators=[kb.limits.validate_single_line]),
        ),
        migrations.AlterField(
            model_name='announcement',
            name='date',
            field=models.DateField(blank=True, help_text='First day of the period the date is known to.', null=True, validators=[kb.dates.validate_record_date]),
        ),
        migrations.AlterField(
            model_name='announcement',
            name='summary',
            field=models.TextField(blank=True, validators=[django.core.validators.MaxLengthValidator(10000), kb.limits.validate_text]),
        ),
        migrations.AlterField(
            model_name='announcement',
            name='text',
            field=models.TextField(blank=True, help_text='The full text of the announcement.', validators=[django.core.validators.MaxLengthValidator(5000000), kb.limits.validate_text]),
        ),
        migrations.AlterField(
            model_name='announcement',
            name='title',
            field=models.CharField(max_length=500, validators=[kb.limits.validate_single_line]),
        ),
        migrations.AlterField(
            model_name='clause',
            name='effective_from',
            field=models.DateField(blank=True, help_text='First day the clause applies (first day of the period).', null=True, validators=[kb.dates.validate_record_date]),
        ),
        migrations.AlterField(
            model_name='clause',
            name='effective_until',
            field=models.DateField(blank=True, help_text='Last day the clause applies ("through 2032" is 31 December 2032).', null=True, validators=[kb.dates.validate_record_date]),
        ),
        migrations.AlterField(
            model_name='clause',
            name='heading',
            field=models.CharField(max_length=500, validators=[kb.limits.validate_single_line]),
        ),
        migrations.AlterField(
            model_name='clause',
            name='text',
            field=models.TextField(blank=True, validators=[django.core.validators.MaxLengthValidator(50000), kb.limits.validate_text]),
        ),
        migrations.AlterField(
            model_name='historicalannouncement',
            name='credit',
            field=models.CharField(blank=True, help_text='Attribution shown on the public page, e.g. the data set and its licence.', max_length=500, validators=[kb.limits.validate_single_line]),
        ),
        migrations.AlterField(
            model_name='historicalannouncement',
            name='date',
            field=models.DateField(blank=True, help_text='First day of the period the date is known to.', null=True, validators=[kb.dates.validate_record_date]),
        ),
        migrations.AlterField(
            model_name='historicalannouncement',
            name='summary',
            field=models.TextField(blank=True, validators=[django.core.validators.MaxLengthValidator(10000), kb.limits.validate_text]),
        ),
        migrations.AlterField(
            model_name='historicalannouncement',
            name='text',
            field=models.TextField(blank=True, help_text='The full text of the announcement.', validators=[django.core.validators.MaxLengthValidator(5000000), kb.limits.validate_text]),
        ),
        migrations.AlterField(
            model_name='historicalannouncement',
            name='title',
            field=models.CharField(max_length=500, validators=[kb.limits.validate_single_line]),
        ),
        migrations.AlterField(
            model_name='historicalclause',
            name='effective_from',
            field=models.DateField(blank=True, help_text='First day the clause applies (first day of the period).', null=True, validators=[kb.dates.validate_record_date]),
        ),
        migrations.AlterField(
            model_name='historicalclause',
            name='effective_until',
            field=models.DateField(blank=True, help_text='Last day the clause applies ("through 2032" is 31 December 2032).', null=True, validators=[kb.dates.validate_record_date]),
        ),
        migrations.AlterField(
            model_name='historicalclause',
            name='heading',
            field=models.CharField(max_length=500, validators=[kb.limits.validate_single_line]),
        ),
        migrations.AlterField(
            model_name='historicalclause',
            name='text',
            field=models.TextField(blank=True, validators=[django.core.validators.MaxLengthValidator(50000), kb.limits.validate_text]),
        ),
        migrations.AlterField(
            model_name='historicalparty',
            name='aliases',
            field=models.TextField(blank=True, help_text='Other names this organisation goes by, one per line.', validators=[django.core.validators.MaxLengthValidator(10000), kb.limits.validate_text]),
        ),
        migrations.AlterField(
            model_name='historicalparty',
            name='name',
            field=models.CharField(db_index=True, max_length=200, validators=[kb.limits.validate_single_line]),
        ),
        migrations.AlterField(
            model_name='historicalparty',
            name='short_name',
            field=models.CharField(blank=True, max_length=100, validators=[kb.limits.validate_single_line]),
        ),
        migrations.AlterField(
            model_name='historicaltopic',
            name='description',
            field=models.TextField(blank=True, validators=[django.core.validators.MaxLengthValidator(10000), kb.limits.validate_text]),
        ),
        migrations.AlterField(
            model_name='historicaltopic',
            name='name',
            field=models.CharField(db_index=True, max_length=200, validators=[kb.limits.validate_single_line]),
        ),
        migrations.AlterField(
            model_name='party',
            name='aliases',
            field=models.TextField(blank=True, help_text='Other names this organisation goes by, one per line.', validators=[django.core.validators.MaxLengthValidator(10000), kb.limits.validate_text]),
        ),
        migrations.AlterField(
            model_name='party',
            name='name',
            field=models.CharField(max_length=200, unique=True, validators=[kb.limits.validate_single_line]),
        ),
        migrations.AlterField(
            model_name='party',
            name='short_name',
            field=models.CharField(blank=True, max_length=100, validators=[kb.limits.validate_single_line]),
        ),
        migrations.AlterField(
            model_name='topic',
            name='description',
            field=models.TextField(blank=True, validators=[django.core.validators.MaxLengthValidator(10000), kb.limits.validate_text]),
        ),
        migrations.AlterField(
            model_name='topic',
            name='name',
            field=models.CharField(max_length=200, unique=True, validators=[kb.limits.validate_single_line]),
        ),
        migrations.AddConstraint(
            model_name='announcement',
            constraint=models.CheckConstraint(condition=models.Q(('date__isnull', True), ('date__range', (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))), _connector='OR'), name='announcement_date_in_range', violation_error_message='Dates must lie between 1900-01-01 and 2100-12-31.'),
        ),
        migrations.AddConstraint(
            model_name='announcement',
            constraint=models.CheckConstraint(condition=models.Q(django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('title'), 500), django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('summary'), 10000), django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('text'), 5000000), django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('credit'), 500)), name='announcement_lengths', violation_error_message='A text is longer than its limit (characters: title 500, summary 10,000, text 5,000,000, credit 500).'),
        ),
        migrations.AddConstraint(
            model_name='clause',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('effective_from__isnull', True), ('effective_from__range', (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))), _connector='OR'), models.Q(('effective_until__isnull', True), ('effective_until__range', (datetime.date(1900, 1, 1), datetime.date(2100, 12, 31))), _connector='OR')), name='clause_dates_in_range', violation_error_message='Dates must lie between 1900-01-01 and 2100-12-31.'),
        ),
        migrations.AddConstraint(
            model_name='clause',
            constraint=models.CheckConstraint(condition=models.Q(django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('heading'), 500), django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('text'), 50000)), name='clause_lengths', violation_error_message='A text is longer than its limit (characters: heading 500, text 50,000).'),
        ),
        migrations.AddConstraint(
            model_name='party',
            constraint=models.CheckConstraint(condition=models.Q(django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('name'), 200), django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('short_name'), 100), django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('aliases'), 10000)), name='party_lengths', violation_error_message='A text is longer than its limit (characters: name 200, short_name 100, aliases 10,000).'),
        ),
        migrations.AddConstraint(
            model_name='topic',
            constraint=models.CheckConstraint(condition=models.Q(django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('name'), 200), django.db.models.lookups.LessThanOrEqual(django.db.models.functions.text.Length('description'), 10000)), name='topic_lengths', violation_error_message='A text is longer than its limit (characters: name 200, description 10,000).'),
        ),
        migrations.RunPython(create_sqlite_triggers, drop_sqlite_triggers),
    ]
