"""Change-list filters.

Each filters by "pk IN (ids from the link table)" instead of a join, so filtering
never multiplies rows (no DISTINCT).
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import build_q_object_from_lookup_parameters
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import ValidationError
from django.db.models import Max, Min, Q

from kb.models import Announcement, Clause, Party, Topic


class _LinkedFilter(admin.SimpleListFilter):
    """Filter by the slug of a related party or topic; ``links`` maps each model
    this filter serves to its through table and the through table's path back.

    The sidebar shows a typed input with the names as suggestions (a datalist),
    not a link per party: there are hundreds. The parameter stays the slug
    (``?party=microsoft``); a name typed in full (any case) finds its slug too.

    The ids are read once from the link table's (party or topic, owner) index, as
    ``kb.views.binding`` does, rather than probed with an EXISTS per listed row: the
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
    title = "year"
    parameter_name = "year"
    UNKNOWN = "unknown"

    def lookups(self, request, model_admin):
        # One MIN/MAX query instead of SELECT DISTINCT over every row.
        span = Announcement.objects.aggregate(first=Min("date"), last=Max("date"))
        years = []
        if span["first"] and span["last"]:
            years = [
                (str(year), str(year))
                for year in range(span["last"].year, span["first"].year - 1, -1)
            ]
        return [*years, (self.UNKNOWN, "Unknown")]

    def queryset(self, request, queryset):
        prefix = "" if queryset.model is Announcement else "announcement__"
        if self.value() == self.UNKNOWN:
            return queryset.filter(**{f"{prefix}date__isnull": True})
        if self.value() and self.value().isdigit():
            return queryset.filter(**{f"{prefix}date__year": int(self.value())})
        return queryset
