"""Our Content-Security-Policy allows scripts and styles only from our own origin, so
no page, public or admin, may need inline script, style or event handlers."""

import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import make_announcement, make_clause, make_party, make_topic

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.I)


def admin_pages(user):
    """The index, then each registered model's list and (where allowed) add page."""
    yield reverse("admin:index")
    yield reverse("admin:password_change")
    request = RequestFactory().get("/admin/")
    request.user = user
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        yield reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        if model_admin.has_add_permission(request):
            yield reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
    yield reverse("admin:auth_user_change", args=[user.pk])
    yield reverse("admin:auth_user_history", args=[user.pk])


def test_the_login_page_needs_no_inline_script_or_style(client):
    html = client.get(reverse("admin:login")).text
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_STYLE.search(html)


def test_every_admin_page_needs_no_inline_script_or_style(admin_client, superuser):
    for path in admin_pages(superuser):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert "Content-Security-Policy" in response.headers, path
        assert not INLINE_SCRIPT.search(response.text), path
        assert not INLINE_STYLE.search(response.text), path


def test_public_pages_need_no_inline_script_or_style(client):
    party, topic = make_party(), make_topic()
    clause = make_clause(make_announcement(parties=[party]), topics=[topic], parties=[party])
    for path in [
        reverse("kb:home"),
        clause.announcement.get_absolute_url(),
        clause.get_absolute_url(),
        topic.get_absolute_url(),
        party.get_absolute_url(),
        reverse("kb:announcements"),
        reverse("kb:topics"),
        reverse("kb:parties"),
        reverse("kb:in_force"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert not INLINE_SCRIPT.search(response.text), path
        assert not INLINE_STYLE.search(response.text), path
