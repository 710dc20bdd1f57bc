from django.contrib import admin
from django.urls import include, path

from kb.admin_import import admin_urls_with_import

urlpatterns = [
    path("admin/", admin_urls_with_import(admin.site)),
    path("api/", include("kb.api_urls")),
    path("", include("kb.public_urls")),
]
