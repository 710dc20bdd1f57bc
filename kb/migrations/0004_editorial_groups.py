"""The editorial roles as groups: Readers, Editors and Publishers.

Permissions are normally created after all migrations have run (post_migrate), so
they are created here first; the call is idempotent.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

READER = ["kb.read_site"]
EDITOR = READER + [
    f"kb.{action}_{model}"
    for model in ("announcement", "clause")
    for action in ("view", "add", "change", "delete")
] + [f"kb.{action}_{model}" for model in ("party", "topic") for action in ("view", "add", "change")]
PUBLISHER = EDITOR + [
    "kb.publish_announcement",
    "kb.view_audit_log",
    "kb.delete_party",
    "kb.delete_topic",
]
GROUPS = {"Readers": READER, "Editors": EDITOR, "Publishers": PUBLISHER}


def create_groups(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        codenames = [perm.split(".", 1)[1] for perm in perms]
        found = list(Permission.objects.filter(content_type__app_label="kb", codename__in=codenames))
        missing = set(codenames) - {perm.codename for perm in found}
        if missing:
            raise RuntimeError(f"permissions missing for group {name}: {sorted(missing)}")
        group.permissions.set(found)


def delete_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("kb", "0003_workflow_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, delete_groups)]
