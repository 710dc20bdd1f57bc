"""Forms of the public pages that filter lists in the database (the search page's
filters are FilterSets: kb/filters.py).

Parameters arrive in GET URLs that staff share, so every field is optional, an empty
value is no filter, and a value that cannot be used is a form error (a 400 that says
why), never a 500 and never silently ignored.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.db.models import Q
from django.utils import timezone

from kb.models import Announcement, AnnouncementKind, Party, Topic

# A typed party that matches several names lists at most this many of them.
PARTY_MATCHES_SHOWN = 10
UNKNOWN_YEAR = "unknown"


class ISODateInput(forms.DateInput):
    """``<input type="date">``, whose value must be a real YYYY-MM-DD date: input that
    is not one ("notadate", "2024-13-45") is not echoed back (the field's error says
    what was wrong), so the page stays valid HTML."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")

    def format_value(self, value):
        if isinstance(value, str):
            try:
                return dt.datetime.strptime(value.strip(), "%Y-%m-%d").date().isoformat()  # noqa: DTZ007 (a date, no time)
            except ValueError:
                return None
        return super().format_value(value)


class PublicPartyField(forms.CharField):
    """A public party typed by its slug or its name (any case), or enough of its name
    to match one party only. Several matches are an error that lists them
    (``matches``), so the page can offer each as a link."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.matches: list[Party] = []

    def clean(self, value) -> Party | None:
        text = super().clean(value)
        if not text:
            return None
        parties = Party.objects.public().only("name", "slug")
        exact = list(parties.filter(Q(slug=text) | Q(name__iexact=text)))
        # A slug, then the name as written, then the one name equal up to case.
        by_slug = [party for party in exact if party.slug == text]
        by_name = [party for party in exact if party.name == text]
        if by_slug or by_name or len(exact) == 1:
            return (by_slug or by_name or exact)[0]
        found = exact or list(
            parties.filter(name__icontains=text).order_by("name")[: PARTY_MATCHES_SHOWN + 1]
        )
        if len(found) == 1:
            return found[0]
        if not found:
            raise forms.ValidationError(
                "No published record names a party called “%(text)s”.",
                code="unknown_party",
                params={"text": text},
            )
        self.matches = found[:PARTY_MATCHES_SHOWN]
        more = "more than " if len(found) > PARTY_MATCHES_SHOWN else ""
        raise forms.ValidationError(
            "“%(text)s” matches %(more)s%(count)d parties: type more of the name, or pick one.",
            code="several_parties",
            params={"text": text, "more": more, "count": len(self.matches)},
        )


class InForceForm(forms.Form):
    on = forms.DateField(
        label="In force on",
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=ISODateInput(),
        help_text="YYYY-MM-DD; today if left empty.",
    )
    party = PublicPartyField(label="Party", help_text="Type a name; any party if left empty.")
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.public().only("name", "slug"),
        to_field_name="slug",
        required=False,
        empty_label="Any topic",
    )

    def clean_on(self) -> dt.date:
        return self.cleaned_data["on"] or timezone.localdate()


class AnnouncementFilterForm(forms.Form):
    """The filters of the announcements page: kind, party, year (or "unknown")."""

    kind = forms.ChoiceField(
        choices=[("", "Any kind"), *AnnouncementKind.choices], required=False, label="Kind"
    )
    party = PublicPartyField(label="Party", help_text="Type a name; any party if left empty.")
    year = forms.CharField(required=False, label="Year", max_length=20)

    def clean_year(self) -> int | str | None:
        year = self.cleaned_data["year"].strip()
        if not year:
            return None
        if year == UNKNOWN_YEAR:
            return UNKNOWN_YEAR
        if not re.fullmatch(r"\d{4}", year) or int(year) < 1:
            raise forms.ValidationError(
                "A year is four digits, or “unknown” for announcements without a date.",
                code="invalid_year",
            )
        return int(year)

    def conditions(self) -> dict[str, Q]:
        """Each filter chosen, as a condition on announcements, by field name."""
        data = self.cleaned_data
        conditions = {}
        if data["kind"]:
            conditions["kind"] = Q(kind=data["kind"])
        if data["party"]:
            named = Announcement.parties.through.objects.filter(party=data["party"])
            conditions["party"] = Q(pk__in=named.values("announcement_id"))
        if data["year"] == UNKNOWN_YEAR:
            conditions["year"] = Q(date__isnull=True)
        elif data["year"]:
            conditions["year"] = Q(date__year=data["year"])
        return conditions
