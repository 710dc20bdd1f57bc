"""The API's browsable docs (Swagger UI at /api/docs/) run under the site's
Content-Security-Policy: scripts and styles from this site only, nothing inline."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from tests.test_csp import INLINE_SCRIPT, INLINE_STYLE

pytestmark = pytest.mark.django_db


def test_the_docs_page_needs_no_inline_script_or_style_and_no_other_site(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    assert "Content-Security-Policy" in response.headers
    html = response.text
    assert not INLINE_SCRIPT.search(html)
    assert not INLINE_STYLE.search(html)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(asset.startswith("/") and not asset.startswith("//") for asset in assets), assets


def test_the_docs_assets_are_served_from_this_site(client):
    html = client.get(reverse("api:docs")).text
    static = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {a.rsplit("/", 1)[-1] for a in static} >= {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "api-docs.css",
    }
    for asset in static:
        assert finders.find(asset.removeprefix("/static/")), asset


def test_the_docs_script_is_a_file_that_loads_the_generated_schema(client):
    html = client.get(reverse("api:docs")).text
    (script,) = re.findall(r'<script src="(/api/docs/[^"]+)"', html)
    response = client.get(script.replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert reverse("api:openapi") in response.text


def test_the_site_links_the_api_its_schema_and_its_docs(client):
    html = client.get(reverse("kb:home")).text
    for name in ("api:root", "api:openapi", "api:docs"):
        assert f'href="{reverse(name)}"' in html, name
