"""The search filters shared by the search page, the API, exports and feeds.

The engine does the filtering, ranking and counting (``kb.search``): a FilterSet
here validates the parameters and turns them into one ``SearchRequest``, and its
``qs`` is the results as records (``SearchHits``: a sequence with the exact count,
each slice read from the database, published records only), not a QuerySet.
``ClauseFilter`` finds clauses; ``SearchFilter`` finds clauses and announcements.
"""

from __future__ import annotations

from dataclasses import replace

import django_filters
from django import forms
from django.utils.functional import cached_property

from kb.dates import PartialDate
from kb.models import AnnouncementKind, Clause, ClauseEffect, Party, Topic
from kb.search import schema
from kb.search.compiler import Filters
from kb.search.engine import (
    NEWEST,
    OLDEST,
    PUBLISHED,
    RELEVANCE,
    Facets,
    SearchRequest,
    SearchResults,
    search,
)
from kb.search.query import ParsedQuery, QueryError, parse_query
from kb.search.results import SearchHits

SORT_CHOICES = [(RELEVANCE, "Relevance"), (NEWEST, "Newest first"), (OLDEST, "Oldest first")]
TYPE_CHOICES = [(schema.CLAUSE, "Clauses"), (schema.ANNOUNCEMENT, "Announcements")]


class SearchQueryField(forms.CharField):
    """Free text, cleaned into a ParsedQuery; a query that cannot run is a form error,
    and so is one with nothing searchable in it ("***"), rather than every record."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strip", True)
        super().__init__(**kwargs)

    def to_python(self, value) -> ParsedQuery:
        text = super().to_python(value).replace("\x00", "")
        try:
            parsed = parse_query(text)
        except QueryError as error:
            raise forms.ValidationError(str(error), code="invalid_query") from None
        if parsed.is_empty and text.strip():
            raise forms.ValidationError(
                "There is nothing to search for in this query: use letters or digits.",
                code="nothing_to_search",
            )
        return parsed


class PartialDateField(forms.CharField):
    """A day, month or year ("2025-10-28", "2025-10", "2025", "October 2025"); a
    range bound covers the whole period: ``end=True`` reads its last day."""

    def __init__(self, *, end: bool = False, **kwargs):
        self.end = end
        super().__init__(**kwargs)

    def to_python(self, value) -> PartialDate | None:
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > 40:
            raise forms.ValidationError("That is not a date.", code="invalid_date")
        try:
            parsed = PartialDate.parse(text, end=self.end)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid_date") from None
        return parsed if parsed.date else None


class SearchQueryFilter(django_filters.CharFilter):
    field_class = SearchQueryField


class PartialDateFilter(django_filters.CharFilter):
    field_class = PartialDateField


def _engine(queryset, name, value):
    """Every filter is applied by the engine (``search_request``), not to a QuerySet."""
    return queryset


class ClauseFilter(django_filters.FilterSet):
    """Published clauses matching a search and filters, in the order asked for."""

    document_types: tuple[str, ...] = (schema.CLAUSE,)

    q = SearchQueryFilter(label="Search", method=_engine, required=False)
    # Public parties and topics only: one named only by drafts is refused like a slug
    # that does not exist, so a search (or the API, a feed, an export) never tells
    # the two apart (Party.objects.public()).
    party = django_filters.ModelChoiceFilter(
        queryset=Party.objects.public().only("pk", "slug", "name"),
        to_field_name="slug",
        method=_engine,
        label="Party",
    )
    topic = django_filters.ModelChoiceFilter(
        queryset=Topic.objects.public().only("pk", "slug", "name"),
        to_field_name="slug",
        method=_engine,
        label="Topic",
    )
    kind = django_filters.ChoiceFilter(
        choices=AnnouncementKind.choices, label="Kind", method=_engine
    )
    effect = django_filters.ChoiceFilter(
        choices=ClauseEffect.choices, label="Effect", method=_engine
    )
    date_from = PartialDateFilter(label="From", method=_engine)
    date_to = PartialDateFilter(label="To", method=_engine, end=True)
    in_force_on = django_filters.DateFilter(label="In force on", method=_engine)
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, label="Sort", method=_engine, empty_label=None
    )

    class Meta:
        model = Clause
        fields = ["q", "party", "topic", "kind", "effect", "date_from", "date_to", "in_force_on"]

    def search_request(self, *, sort: str | None = None) -> SearchRequest:
        """The validated parameters as one request to the engine."""
        data = self.form.cleaned_data
        query = data.get("q") or ParsedQuery()
        party, topic = data.get("party"), data.get("topic")
        sort = sort or data.get("sort") or RELEVANCE
        if sort == RELEVANCE and query.is_empty:
            sort = NEWEST  # nothing to rank by
        date_from, date_to = data.get("date_from"), data.get("date_to")
        return SearchRequest(
            query=query,
            filters=Filters(
                types=self.chosen_types(),
                party=party.pk if party else None,
                topic=topic.pk if topic else None,
                kind=data.get("kind") or None,
                effect=data.get("effect") or None,
                date_from=date_from.date if date_from else None,
                date_to=date_to.date if date_to else None,
                in_force_on=data.get("in_force_on"),
            ),
            sort=sort,
        )

    def chosen_types(self) -> tuple[str, ...]:
        return self.document_types

    @cached_property
    def results(self) -> SearchResults:
        """The engine's results; the filterset must be valid."""
        if not self.is_valid():
            raise ValueError(f"Invalid search parameters: {self.errors.as_json()}")
        return search(self.search_request())

    @property
    def qs(self) -> SearchHits:
        return SearchHits.of(self.results)

    def newest_published(self) -> SearchResults:
        """The same search, latest published first (feeds)."""
        return search(self.search_request(sort=PUBLISHED))

    def clause_hits(self) -> SearchHits:
        """The clauses this search finds (all of them when it finds announcements
        too): what the exports hold."""
        if self.chosen_types() == (schema.CLAUSE,):
            return self.qs
        request = self.search_request()
        return SearchHits.of(
            search(replace(request, filters=replace(request.filters, types=(schema.CLAUSE,))))
        )


class SearchFilter(ClauseFilter):
    """Published clauses and announcements; ``type`` narrows to one of them. Topic,
    effect and "in force on" describe clauses, so they leave announcements out."""

    document_types = schema.DOCUMENT_TYPES

    type = django_filters.ChoiceFilter(choices=TYPE_CHOICES, label="Type", method=_engine)

    class Meta(ClauseFilter.Meta):
        fields = [*ClauseFilter.Meta.fields, "type"]

    def chosen_types(self) -> tuple[str, ...]:
        chosen = self.form.cleaned_data.get("type")
        return (chosen,) if chosen else self.document_types


def named_facets(facets: Facets) -> dict:
    """The engine's facet counts with what the page shows: kinds with their labels,
    parties and topics with slug and name (public ones only, in the engine's order)."""
    labels = dict(AnnouncementKind.choices)
    parties = {
        pk: (slug, name)
        for pk, slug, name in Party.objects.public()
        .filter(pk__in=[pk for pk, _ in facets.parties])
        .values_list("pk", "slug", "name")
    }
    topics = {
        pk: (slug, name)
        for pk, slug, name in Topic.objects.public()
        .filter(pk__in=[pk for pk, _ in facets.topics])
        .values_list("pk", "slug", "name")
    }
    return {
        "types": facets.types,
        "kinds": [(kind, labels.get(kind, kind), count) for kind, count in facets.kinds],
        "years": facets.years,
        "parties": [(*parties[pk], count) for pk, count in facets.parties if pk in parties],
        "topics": [(*topics[pk], count) for pk, count in facets.topics if pk in topics],
    }
