"""Pages of every list: ``?page=`` from 1, ``?page_size=`` up to ``MAX_PAGE_SIZE``.

A page or page size that is not a whole number in range is a 400 naming the
parameter (``page=0`` and ``page=abc`` alike); a page past the last is a 404. The
count is exact: for a search, the engine's count of every match.
"""

from __future__ import annotations

from django import forms
from django.core.paginator import InvalidPage
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.utils.urls import replace_query_param

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class PageForm(forms.Form):
    page = forms.IntegerField(min_value=1, required=False)
    page_size = forms.IntegerField(min_value=1, max_value=MAX_PAGE_SIZE, required=False)


class KbPagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def paginate_queryset(self, queryset, request, view=None):
        form = PageForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(
                {field: list(messages) for field, messages in form.errors.items()}
            )
        self.request = request
        page_size = form.cleaned_data["page_size"] or self.page_size
        paginator = self.django_paginator_class(queryset, page_size)
        try:
            self.page = paginator.page(form.cleaned_data["page"] or 1)
        except InvalidPage:
            raise NotFound from None
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.page_query_param,
                "required": False,
                "in": "query",
                "description": "Page number, from 1.",
                "schema": {"type": "integer", "minimum": 1},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page (default {self.page_size}, "
                f"at most {self.max_page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    def get_paginated_response_schema(self, schema):
        link = {"type": ["string", "null"], "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "next", "previous", "results"],
            "properties": {
                "count": {"type": "integer", "minimum": 0},
                "next": {**link, "description": "The next page, or null on the last."},
                "previous": {**link, "description": "The previous page, or null on the first."},
                "results": schema,
            },
        }

    def get_previous_link(self):
        # The first page's link names its page (``page=1``), like every other page's.
        if not self.page.has_previous():
            return None
        return replace_query_param(
            self.request.build_absolute_uri(),
            self.page_query_param,
            self.page.previous_page_number(),
        )
