"""Oversized requests are refused with HTTP 400 before any view sees them."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_form_with_too_many_fields_is_refused(client):
    fields = {f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    assert client.post(reverse("admin:login"), fields).status_code == 400


def test_a_form_body_over_the_size_limit_is_refused(client):
    body = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    assert client.post(reverse("admin:login"), {"username": body}).status_code == 400


def test_a_request_with_too_many_files_is_refused(client):
    files = {
        f"file{n}": SimpleUploadedFile(f"statement{n}.txt", b"text")
        for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)
    }
    assert client.post(reverse("admin:login"), files).status_code == 400
