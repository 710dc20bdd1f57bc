"""Make sure the demo editor account exists and may curate the knowledge base.

The username comes from the setting ``KB_DEMO_EDITOR_USERNAME``; the password from
the environment variable ``KB_DEMO_EDITOR_PASSWORD`` or, failing that, is generated
and printed once, when the account is created. Re-running never changes a password.
"""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

PASSWORD_VARIABLE = "KB_DEMO_EDITOR_PASSWORD"  # noqa: S105 (a variable name, not a password)
# The editorial workflow's group, when its migration has created it.
PUBLISHERS_GROUP = "Publishers"
CURATED_MODELS = ("announcement", "clause", "party", "topic")


class Command(BaseCommand):
    help = "Create the demo editor account if it is missing (staff, allowed to curate)."

    def handle(self, *args, **options):
        username = settings.KB_DEMO_EDITOR_USERNAME
        users = get_user_model()
        with transaction.atomic():
            user = users.objects.filter(username=username).first()
            created = user is None
            password = None
            if created:
                password = os.environ.get(PASSWORD_VARIABLE) or secrets.token_urlsafe(12)
                user = users(username=username, is_staff=True)
                try:
                    validate_password(password, user)
                except ValidationError as error:
                    raise CommandError(
                        f"{PASSWORD_VARIABLE} is too weak: {' '.join(error.messages)}"
                    ) from None
                user.set_password(password)
                user.save()
            elif not user.is_staff:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
            how = self._grant_curation(user)

        if not created:
            self.stdout.write(f"Demo editor: {username} (exists; password unchanged). {how}")
        elif os.environ.get(PASSWORD_VARIABLE):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created demo editor {username} with the password from {PASSWORD_VARIABLE}. "
                    f"{how}"
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created demo editor {username} with password: {password}\n"
                    f"(shown once; set {PASSWORD_VARIABLE} to choose it). {how}"
                )
            )

    def _grant_curation(self, user) -> str:
        group = Group.objects.filter(name=PUBLISHERS_GROUP).first()
        if group is not None:
            user.groups.add(group)
            return f"Member of {PUBLISHERS_GROUP}."
        permissions = Permission.objects.filter(
            content_type__app_label="kb", content_type__model__in=CURATED_MODELS
        )
        user.user_permissions.add(*permissions)
        return "Has the add/change/delete/view permissions on kb's records."
