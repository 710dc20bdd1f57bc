from django.contrib import admin
from django.urls import include, path

from kb.admin import view_on_site
from kb.admin_import import admin_urls_with_import

urlpatterns = [
    # Matched before the admin's own pattern for this URL: see kb.admin.view_on_site.
    path(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        admin.site.admin_view(view_on_site),
    ),
    path("admin/", admin_urls_with_import(admin.site)),
    path("api/", include("kb.api.urls")),
    path("", include("kb.public_urls")),
]
