"""Change-list filters.

Each filters by "pk IN (ids from the link table)" instead of a join, so filtering
never multiplies rows (no DISTINCT).
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import build_q_object_from_lookup_parameters
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.exceptions import BadRequest, ValidationError
from django.db import connection
from django.db.models import Q

from kb.dates import EARLIEST_DATE, LATEST_DATE
from kb.models import Announcement, Clause, Party, Topic


class _LinkedFilter(admin.SimpleListFilter):
    """Filter by the slug of a related party or topic; ``links`` maps each model
    this filter serves to its through table and the through table's path back.

    The sidebar shows a typed input with the names as suggestions (a datalist),
    not a link per party: there are hundreds. The parameter stays the slug
    (``?party=microsoft``); a name typed in full (any case) finds its slug too.

    The ids are read once from the link table's (party or topic, owner) index, as
    ``Clause.objects.concerning()`` does, rather than probed with an EXISTS per listed row: the
    list is in its own order, so a probe per row would walk the whole table when few
    rows match."""

    template = "admin/kb/typed_filter.html"
    related_model: type
    links: dict

    def lookups(self, request, model_admin):
        return self.related_model.objects.order_by("name").values_list("slug", "name")

    def choices(self, changelist):
        # One "choice": what the template needs to draw the form.
        value = self.value() or ""
        shown = next(
            (
                name
                for slug, name in self.lookup_choices
                if value in (slug, name) or value.casefold() == name.casefold()
            ),
            value,
        )
        yield {
            "selected": bool(value),
            "value": value,
            "shown": shown,
            "parameter": self.parameter_name,
            "input_id": f"kb-filter-{self.parameter_name}",
            "options": self.lookup_choices,
            "kept": [
                (name, param)
                for name, param in changelist.params.items()
                if name not in (self.parameter_name, PAGE_VAR)
            ],
            "clear_url": changelist.get_query_string(remove=[self.parameter_name]),
        }

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        through, owner = self.links[queryset.model]
        related = self.related_model._meta.model_name
        chosen = self.related_model.objects.filter(
            Q(slug=self.value()) | Q(name__iexact=self.value())
        ).values("pk")
        matching = through.objects.filter(**{f"{related}__in": chosen}).values(owner)
        return queryset.filter(pk__in=matching)


class PartyFilter(_LinkedFilter):
    title = "party"
    parameter_name = "party"
    related_model = Party
    links = {
        Announcement: (Announcement.parties.through, "announcement"),
        Clause: (Clause.parties.through, "clause"),
    }


class TopicFilter(_LinkedFilter):
    title = "topic"
    parameter_name = "topic"
    related_model = Topic
    links = {
        Announcement: (Clause.topics.through, "clause__announcement"),
        Clause: (Clause.topics.through, "clause"),
    }


class AnnouncementChoicesFilter(admin.ChoicesFieldListFilter):
    """A choice of the clause's announcement (status, kind), same parameters as
    Django's, applied as "announcement_id IN (the announcements with it)". SQLite
    then reads the clauses in the list's order (announcement, position) from
    their unique index and stops at the page; through a join it would read and sort
    every matching clause first."""

    def queryset(self, request, queryset):
        prefix = f"{self.field_path.split('__')[0]}__"
        lookups = {name.removeprefix(prefix): value for name, value in self.used_parameters.items()}
        if not lookups:
            return queryset
        try:
            chosen = Announcement.objects.filter(build_q_object_from_lookup_parameters(lookups))
        except (ValueError, ValidationError) as error:
            raise IncorrectLookupParameters(error) from error
        return queryset.filter(announcement_id__in=chosen.values("pk"))


class YearFilter(admin.SimpleListFilter):
    """The announcement's year: only the years that hold announcements, newest first."""

    title = "year"
    parameter_name = "year"
    UNKNOWN = "unknown"

    def lookups(self, request, model_admin):
        years = [(str(year), str(year)) for year in years_with_announcements()]
        return [*years, (self.UNKNOWN, "Unknown")]

    def queryset(self, request, queryset):
        prefix = "" if queryset.model is Announcement else "announcement__"
        value = self.value()
        if value is None:
            return queryset
        if value == self.UNKNOWN:
            return queryset.filter(**{f"{prefix}date__isnull": True})
        if not (value.isascii() and value.isdigit()) or not (
            EARLIEST_DATE.year <= int(value) <= LATEST_DATE.year
        ):
            raise BadRequest(
                f"The year must be a number from {EARLIEST_DATE.year} to {LATEST_DATE.year}."
            )
        return queryset.filter(**{f"{prefix}date__year": int(value)})


# Each step seeks the latest date before the year of the last one found, in the date
# index: one index probe per year that holds announcements (at most 201 of them, as
# dates lie within kb.dates.EARLIEST_DATE..LATEST_DATE), never a scan of every row.
_YEARS_SQL = {
    "sqlite": """
        WITH RECURSIVE years(day) AS (
            SELECT MAX(date) FROM kb_announcement
            UNION ALL
            SELECT (SELECT MAX(date) FROM kb_announcement WHERE date < date(day, 'start of year'))
            FROM years WHERE day IS NOT NULL
        )
        SELECT CAST(strftime('%Y', day) AS integer) FROM years WHERE day IS NOT NULL
    """,
    "postgresql": """
        WITH RECURSIVE years(day) AS (
            SELECT MAX(date) FROM kb_announcement
            UNION ALL
            SELECT (
                SELECT MAX(date) FROM kb_announcement
                WHERE date < date_trunc('year', day)::date
            )
            FROM years WHERE day IS NOT NULL
        )
        SELECT EXTRACT(YEAR FROM day)::integer FROM years WHERE day IS NOT NULL
    """,
}


def years_with_announcements() -> list[int]:
    """The years of the announcements' dates, newest first, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_YEARS_SQL[connection.vendor])
        return [year for (year,) in cursor.fetchall()]


class BoundedDatesChangeList(ChangeList):
    """Django's change list, answering a date-hierarchy year too large for a date
    (``?date__year=99999999999999999999``) with a 400 like the year filter's;
    Django turns only a ValueError there into its "?e=1" redirect."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError:
            raise BadRequest(
                f"The year must be a number from {EARLIEST_DATE.year} to {LATEST_DATE.year}."
            ) from None
