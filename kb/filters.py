"""FilterSets shared by the search page, the API and exports.

Interim version without full-text search (``q``): the search branch replaces this
module with the full ``ClauseFilter``; field names and meanings are the same.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef

from kb.models import Announcement, AnnouncementKind, Clause, ClauseEffect, Party, Topic

SORTS = [("relevance", "Relevance"), ("newest", "Newest first"), ("oldest", "Oldest first")]


class ClauseFilter(django_filters.FilterSet):
    party = django_filters.ModelChoiceFilter(
        queryset=Party.objects.all(), to_field_name="slug", method="filter_party"
    )
    topic = django_filters.ModelChoiceFilter(
        queryset=Topic.objects.all(), to_field_name="slug", method="filter_topic"
    )
    kind = django_filters.ChoiceFilter(
        field_name="announcement__kind", choices=AnnouncementKind.choices
    )
    effect = django_filters.ChoiceFilter(choices=ClauseEffect.choices)
    date_from = django_filters.DateFilter(
        field_name="announcement__date", lookup_expr="gte", widget=forms.DateInput()
    )
    date_to = django_filters.DateFilter(field_name="announcement__date", lookup_expr="lte")
    in_force_on = django_filters.DateFilter(method="filter_in_force_on")
    sort = django_filters.ChoiceFilter(choices=SORTS, method="filter_sort", empty_label=None)

    class Meta:
        model = Clause
        fields = ["party", "topic", "kind", "effect", "date_from", "date_to", "in_force_on"]

    def filter_party(self, queryset, name, party):
        return queryset.filter(
            Exists(Clause.parties.through.objects.filter(clause_id=OuterRef("pk"), party=party))
            | Exists(
                Announcement.parties.through.objects.filter(
                    announcement_id=OuterRef("announcement_id"), party=party
                )
            )
        )

    def filter_topic(self, queryset, name, topic):
        return queryset.filter(
            Exists(Clause.topics.through.objects.filter(clause_id=OuterRef("pk"), topic=topic))
        )

    def filter_in_force_on(self, queryset, name, day):
        return queryset.in_force_on(day)

    def filter_sort(self, queryset, name, value):
        # Applied in .qs below so that an absent sort still orders the results.
        return queryset

    @property
    def qs(self):
        queryset = super().qs
        if self.form.cleaned_data.get("sort") == "oldest":
            return queryset.order_by(
                F("announcement__date").asc(nulls_last=True), "announcement_id", "position"
            )
        return queryset.order_by(
            F("announcement__date").desc(nulls_last=True), "-announcement_id", "position"
        )
