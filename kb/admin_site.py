"""kb's admin site: Django's, plus the pages that belong to the whole site (importing
a statement, the audit of changes) and a "View on site" that checks permissions.

It lives outside the ``kb.admin`` package, and imports that package's views only when
they are called: loading the package registers the models on ``admin.site``, which is
this class, so importing it from here while the site is being created would register
them on an instance that is then thrown away."""

from functools import wraps

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.urls import path

NUL_REFUSED = "A parameter holds a NUL character, which no record can contain."


class KbAdminSite(admin.AdminSite):
    def admin_view(self, view, cacheable=False):
        """Django's, refusing a NUL character in any query or form parameter with a 400.

        PostgreSQL cannot hold NUL in text, so a filter, search or autocomplete term
        with one would reach the database as a raw error (a 500)."""
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def checked(request, *args, **kwargs):
            for params in (request.GET, request.POST):
                if any("\x00" in key or "\x00" in value for key, value in _items(params)):
                    raise BadRequest(NUL_REFUSED)
            return inner(request, *args, **kwargs)

        return checked

    def get_urls(self):
        # Ahead of Django's own patterns: the import page's URL would otherwise be
        # taken by the announcement admin's "<object_id>/", and Django's
        # "View on site" (same name) would redirect without a permission check.
        own = [
            path(
                "r/<path:content_type_id>/<path:object_id>/",
                self.admin_view(self.view_on_site),
                name="view_on_site",
            ),
            path(
                "kb/announcement/import/",
                self.admin_view(self.import_view),
                name="kb_announcement_import",
            ),
            path("audit/", self.admin_view(self.audit_view), name="kb_audit"),
        ]
        return own + super().get_urls()

    def autocomplete_view(self, request):
        from kb.admin.widgets import KbAutocompleteJsonView

        return KbAutocompleteJsonView.as_view(admin_site=self)(request)

    def import_view(self, request):
        from kb.admin.imports import import_statement_view

        return import_statement_view(self, request)

    def audit_view(self, request):
        from kb.admin.audit import audit_view

        return audit_view(self, request)

    def view_on_site(self, request, content_type_id, object_id):
        """The admin's "View on site" redirect, for those who may view the record.

        Django's own redirects any staff member, so it would tell a Reader the public
        URL of a draft, and with it the slug made from its title."""
        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        except (ValueError, ContentType.DoesNotExist):
            raise Http404 from None
        if model is None or not request.user.has_perm(
            f"{model._meta.app_label}.view_{model._meta.model_name}"
        ):
            raise PermissionDenied
        return shortcut(request, content_type_id, object_id)


def _items(params):
    for key, values in params.lists():
        for value in values:
            yield key, value if isinstance(value, str) else ""
