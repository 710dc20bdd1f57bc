"""The clause filters shared by the search page, the API, exports and feeds.

``ClauseFilter`` always works on published clauses. The free-text ``q`` runs
after the other filters, because the engine bounds its ranked candidates by them
(see ``kb.search``), and ``sort`` runs last.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db import connection
from django.db.models import CharField, Count, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Left

from kb.dates import DatePrecision, PartialDate
from kb.models import Announcement, AnnouncementKind, Clause, ClauseEffect, Party, Topic
from kb.search import ParsedQuery, QueryError, bounded_search, id_list_sql, parse_query
from kb.search.constants import (
    CLOSEST_MATCHES_BELOW,
    RANKED_CANDIDATES,
    RELAXED_RANKED_CANDIDATES,
)

RELEVANCE, NEWEST, OLDEST = "relevance", "newest", "oldest"
SORT_CHOICES = [(RELEVANCE, "Relevance"), (NEWEST, "Newest first"), (OLDEST, "Oldest first")]
# How many parties and topics each facet lists (the most frequent first).
FACET_LIMIT = 10


class SearchQueryField(forms.CharField):
    """Free text, cleaned into a ParsedQuery; a query that cannot run is a form error."""

    def __init__(self, **kwargs):
        kwargs.setdefault("strip", True)
        super().__init__(**kwargs)

    def to_python(self, value) -> ParsedQuery:
        text = super().to_python(value).replace("\x00", "")
        try:
            return parse_query(text)
        except QueryError as error:
            raise forms.ValidationError(str(error), code="invalid_query") from None


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


class ClauseFilter(django_filters.FilterSet):
    q = SearchQueryFilter(label="Search", method="filter_search", required=False)
    party = django_filters.ModelChoiceFilter(
        queryset=Party.objects.only("pk", "slug", "name"),
        to_field_name="slug",
        method="filter_party",
        label="Party",
    )
    topic = django_filters.ModelChoiceFilter(
        queryset=Topic.objects.only("pk", "slug", "name"),
        to_field_name="slug",
        method="filter_topic",
        label="Topic",
    )
    kind = django_filters.ChoiceFilter(
        field_name="announcement__kind", choices=AnnouncementKind.choices, label="Kind"
    )
    effect = django_filters.ChoiceFilter(choices=ClauseEffect.choices, label="Effect")
    date_from = PartialDateFilter(label="From", method="filter_date_from")
    date_to = PartialDateFilter(label="To", method="filter_date_to", end=True)
    in_force_on = django_filters.DateFilter(label="In force on", method="filter_in_force_on")
    sort = django_filters.ChoiceFilter(
        choices=SORT_CHOICES, label="Sort", method="filter_sort", empty_label=None
    )

    class Meta:
        model = Clause
        fields = ["q", "party", "topic", "kind", "effect", "date_from", "date_to", "in_force_on"]

    def __init__(self, data=None, queryset=None, **kwargs):
        queryset = Clause.objects.all() if queryset is None else queryset
        super().__init__(data, queryset.published(), **kwargs)
        # Set by filter_search: the query as run; whether closest matches ("most
        # of the words") follow the clauses with every word, because these were
        # fewer than CLOSEST_MATCHES_BELOW; the ids of those with every word; the
        # ids of the newest matches (at most RANKED_CANDIDATES + 1, all-words ones
        # first; None when there was no query).
        self.parsed_query: ParsedQuery | None = None
        self.closest_matches = False
        self.all_words_ids: list[int] = []
        self.candidate_ids: list[int] | None = None

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        data = self.form.cleaned_data
        for name, value in data.items():
            if name not in ("q", "sort"):
                queryset = self.filters[name].filter(queryset, value)
        queryset = self.filters["q"].filter(queryset, data.get("q"))
        return self.filter_sort(queryset, "sort", data.get("sort") or RELEVANCE)

    def filter_search(self, queryset, name, value: ParsedQuery):
        if value.is_empty:
            return queryset
        self.parsed_query = value
        # A topic or a party leaves a few percent of the clauses at most.
        selective = bool(self.form.cleaned_data.get("topic") or self.form.cleaned_data.get("party"))
        matches, self.candidate_ids = bounded_search(queryset, value, selective=selective)
        relaxed = value.relaxed()
        if relaxed is None or len(self.candidate_ids) >= CLOSEST_MATCHES_BELOW:
            return matches
        closest, closest_ids = bounded_search(
            queryset,
            relaxed,
            candidates=RELAXED_RANKED_CANDIDATES,
            first_ids=self.candidate_ids,
            selective=selective,
        )
        if len(closest_ids) > len(self.candidate_ids):
            self.all_words_ids = self.candidate_ids
            self.parsed_query, self.closest_matches = relaxed, True
            matches, self.candidate_ids = closest, closest_ids
        return matches

    def newest_ids(self) -> list[int]:
        """The ids of the newest matching clauses, at most RANKED_CANDIDATES + 1 of
        them: how many there are (up to the cap) and what facets count. Without a
        query, the first clauses in the order asked for (the order's index makes
        that cheap, where "highest ids" would sort the whole table)."""
        if self.candidate_ids is None:
            self.candidate_ids = list(self.qs.values_list("pk", flat=True)[: RANKED_CANDIDATES + 1])
        return self.candidate_ids

    # Party and topic: "IN (ids read once from the link table's index)", not an
    # EXISTS per clause, so the planner can start from the few clauses they leave.

    def filter_party(self, queryset, name, party: Party):
        # A clause concerns a party it binds or a party of its announcement.
        return queryset.filter(
            Q(pk__in=Clause.parties.through.objects.filter(party=party).values("clause_id"))
            | Q(
                announcement_id__in=Announcement.parties.through.objects.filter(party=party).values(
                    "announcement_id"
                )
            )
        )

    def filter_topic(self, queryset, name, topic: Topic):
        return queryset.filter(
            pk__in=Clause.topics.through.objects.filter(topic=topic).values("clause_id")
        )

    def filter_date_from(self, queryset, name, start: PartialDate):
        # An announcement dated to a month or a year is stored as the period's first
        # day; it overlaps the range when its period ends on or after the start.
        day = start.date
        return (
            queryset.filter(
                announcement__date__gte=day.replace(month=1, day=1),
            )
            .exclude(announcement__date__lt=day, announcement__date_precision=DatePrecision.DAY)
            .exclude(
                announcement__date__lt=day.replace(day=1),
                announcement__date_precision=DatePrecision.MONTH,
            )
        )

    def filter_date_to(self, queryset, name, end: PartialDate):
        return queryset.filter(announcement__date__lte=end.date)

    def filter_in_force_on(self, queryset, name, day):
        return queryset.in_force_on(day)

    def filter_sort(self, queryset, name, sort: str):
        if sort == RELEVANCE and self.parsed_query is not None:
            return queryset  # search_clauses orders best first, ties newest first
        if sort == OLDEST:
            return queryset.order_by(
                F("announcement__date").asc(nulls_last=True), "announcement_id", "position"
            )
        return queryset.newest_first()


def clause_facets(clause_ids: list[int], *, limit: int = FACET_LIMIT) -> dict:
    """Counts of the given clauses per announcement kind, year, party and topic, in
    three queries (none for no clauses). Parties count a clause once whether it
    binds the party or its announcement lists it, as the party filter does.

    The ids are those the search already found (``ClauseFilter.newest_ids``), so
    no facet query runs the full-text search again."""
    facets: dict = {"kinds": [], "years": [], "parties": [], "topics": []}
    if not clause_ids:
        return facets
    ids_sql, ids_params = id_list_sql(clause_ids)
    ids = RawSQL(ids_sql, ids_params)  # noqa: S611 - our own SQL; the ids are one bound value
    kinds: dict[str, int] = {}
    years: dict[str, int] = {}
    rows = (
        Clause.objects.filter(pk__in=ids)
        .values_list("announcement__kind", Left(Cast("announcement__date", CharField()), 4))
        .annotate(count=Count("pk"))
        .order_by()
    )
    for kind, year, count in rows:
        kinds[kind] = kinds.get(kind, 0) + count
        if year is not None:
            years[year] = years.get(year, 0) + count
    labels = dict(AnnouncementKind.choices)
    facets["kinds"] = sorted(
        ((kind, labels.get(kind, kind), count) for kind, count in kinds.items()),
        key=lambda item: (-item[2], item[1]),
    )
    facets["years"] = sorted(((int(year), count) for year, count in years.items()), reverse=True)
    facets["topics"] = list(
        Clause.topics.through.objects.filter(clause_id__in=ids)
        .values_list("topic__slug", "topic__name")
        .annotate(count=Count("clause_id"))
        .order_by("-count", "topic__name")[:limit]
    )
    facets["parties"] = _party_counts(ids_sql, ids_params, limit)
    return facets


def _party_counts(ids_sql: str, ids_params: list, limit: int) -> list[tuple[str, str, int]]:
    # One statement: the distinct (party, clause) pairs from both links, counted.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT p.slug, p.name, COUNT(*) AS clause_count FROM (
                SELECT cp.party_id, cp.clause_id FROM kb_clause_parties cp
                WHERE cp.clause_id IN ({ids_sql})
                UNION
                SELECT ap.party_id, c.id FROM kb_announcement_parties ap
                JOIN kb_clause c ON c.announcement_id = ap.announcement_id
                WHERE c.id IN ({ids_sql})
            ) pairs JOIN kb_party p ON p.id = pairs.party_id
            GROUP BY p.slug, p.name ORDER BY clause_count DESC, p.name LIMIT %s
            """,  # noqa: S608 - only our own subquery SQL is interpolated; values are bound
            [*ids_params, *ids_params, limit],
        )
        return cursor.fetchall()
