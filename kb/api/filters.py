"""Clauses filtered by the search page's ``ClauseFilter``, through django-filter's
DRF backend.

The FilterSet's ``qs`` is not a QuerySet but the engine's results (``SearchHits``:
ranked ids re-read from the database, with the exact count), so the backend reads
those results through the view's queryset (its loading plan, published clauses
only) instead of filtering it: no index state can show an unpublished clause.
"""

from __future__ import annotations

from django_filters import utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.plumbing import build_parameter_type
from drf_spectacular.utils import OpenApiParameter

from kb.search.constants import MAX_QUERY_LENGTH


class ClauseFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        # Search results come ranked best first; without a query the FilterSet's sort
        # applies. Every match can be paged through.
        return filterset.qs.with_querysets(clause=queryset)


# What Django's slug path converter and SlugField accept.
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
SLUG = {"type": "string", "pattern": SLUG_PATTERN}
PARTIAL_DATE = "a day, month or year: YYYY-MM-DD, YYYY-MM or YYYY"
ISO_PARTIAL_DATE = {
    "type": "string",
    "pattern": r"^[1-9][0-9]{3}(-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$",
}
# What ClauseFilter's own fields accept, stated more exactly than django-filter's
# classes tell drf-spectacular: {parameter: (schema, description)}.
PARAMETERS = {
    "q": (
        {"type": "string", "maxLength": MAX_QUERY_LENGTH},
        'Search query, with the search page\'s syntax (words, "phrases", -excluded, '
        "prefix*, OR). A query with nothing to search for (no letter or digit) is a 400.",
    ),
    "party": (SLUG, "Party slug: clauses binding the party. An unknown slug is a 400."),
    "topic": (SLUG, "Topic slug. An unknown slug is a 400."),
    "date_from": (
        ISO_PARTIAL_DATE,
        f"Announcements dated in or after this period ({PARTIAL_DATE}).",
    ),
    "date_to": (
        ISO_PARTIAL_DATE,
        f"Announcements dated in or before this period ({PARTIAL_DATE}).",
    ),
    "in_force_on": (
        {"type": "string", "format": "date"},
        "Only terms in force on this day (YYYY-MM-DD).",
    ),
}


class ClauseFilterExtension(DjangoFilterExtension):
    target_class = ClauseFilterBackend
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        if field_name not in PARAMETERS:
            return super().resolve_filter_field(
                auto_schema, model, filterset_class, field_name, filter_field
            )
        schema, description = PARAMETERS[field_name]
        return [
            build_parameter_type(
                name=field_name,
                location=OpenApiParameter.QUERY,
                description=description,
                schema=schema,
            )
        ]
