"""Browsing: every published announcement, party and topic, a page at a time."""

from __future__ import annotations

from django.db.models import Count
from django.db.models.functions import ExtractYear, Lower
from django.shortcuts import render
from django.urls import reverse

from kb.forms import UNKNOWN_YEAR, AnnouncementFilterForm
from kb.models import Announcement, AnnouncementKind, Party, Topic
from kb.pagination import CappedPaginator
from kb.public import published_counts, suggested_parties
from kb.views.filter_urls import active_filters, canonical_redirect, shown

ANNOUNCEMENTS_PER_PAGE = 25
NAMES_PER_PAGE = 100
PARTY_FACETS = 10


def announcement_list(request):
    """Published announcements, newest first and undated last, narrowed by kind, party
    and year ("unknown": the undated ones), with how many each choice would show."""
    form = AnnouncementFilterForm(request.GET)
    valid = form.is_valid()
    party = form.cleaned_data.get("party") if valid else None
    if redirect := canonical_redirect(request, party=party.slug if party else None):
        return redirect
    kind_labels = dict(AnnouncementKind.choices)
    context = {
        "form": form,
        "suggested_parties": suggested_parties(),
        "active_filters": active_filters(
            request,
            {
                "kind": f"Kind: {shown(form, 'kind', kind_labels)}",
                "party": f"Party: {shown(form, 'party')}",
                "year": shown(form, "year", {UNKNOWN_YEAR: "Date unknown"}),
            },
        ),
        "clear_url": reverse("kb:announcements"),
    }
    if not valid:
        # The choices without counts, and what was given kept in the form.
        context["kind_facets"] = [(value, label, None) for value, label in AnnouncementKind.choices]
        year = form.cleaned_data.get("year")
        label = "Date unknown" if year == UNKNOWN_YEAR else str(year)
        context["year_facets"] = [(str(year), label, None)] if year else []
        return render(request, "kb/announcements.html", context, status=400)
    kind, year = form.cleaned_data["kind"], form.cleaned_data["year"]
    conditions = form.conditions()

    def narrowed(*leaving_out: str):
        """The announcements the filters leave, but for those named: each facet counts
        what choosing one of its values would show, the other filters kept."""
        kept = [condition for name, condition in conditions.items() if name not in leaving_out]
        return Announcement.objects.published().filter(*kept)

    kinds = dict(narrowed("kind").order_by().values_list("kind").annotate(count=Count("*")))
    years = dict(
        narrowed("year")
        .order_by()
        .annotate(year=ExtractYear("date"))
        .values_list("year")
        .annotate(count=Count("*"))
    )
    parties = (
        Announcement.parties.through.objects.filter(announcement__in=narrowed("party"))
        .values_list("party__slug", "party__name")
        .annotate(count=Count("*"))
        .order_by("-count", "party__name")[:PARTY_FACETS]
    )
    # The kind facet counted every announcement the other filters leave, by kind.
    total = kinds.get(kind, 0) if kind else sum(kinds.values())
    page = CappedPaginator(
        narrowed().newest_first().for_list(), ANNOUNCEMENTS_PER_PAGE, count=total
    ).get_page(request.GET.get("page"))
    context.update(
        page_obj=page,
        kind_facets=[
            (value, label, kinds.get(value, 0))
            for value, label in AnnouncementKind.choices
            if kinds.get(value) or value == kind
        ],
        year_facets=_year_facets(years, chosen=year),
        party_facets=list(parties),
    )
    return render(request, "kb/announcements.html", context)


def _year_facets(counts: dict[int | None, int], *, chosen) -> list[tuple[str, str, int]]:
    """``(value, label, count)`` for each year, newest first, then "Date unknown" (the
    undated announcements sort last everywhere); the chosen one even when empty."""
    years = {year for year in counts if year is not None}
    if isinstance(chosen, int):
        years.add(chosen)
    facets = [(str(year), str(year), counts.get(year, 0)) for year in sorted(years, reverse=True)]
    if None in counts or chosen == UNKNOWN_YEAR:
        facets.append((UNKNOWN_YEAR, "Date unknown", counts.get(None, 0)))
    return facets


def _names_page(request, names, counts: dict[int, int], attribute: str):
    """A page of parties or topics A–Z, each given ``attribute``: its count."""
    page = CappedPaginator(names.order_by(Lower("name"), "pk"), NAMES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for record in page.object_list:
        setattr(record, attribute, counts.get(record.pk, 0))
    return page


def party_list(request):
    _, announcement_counts = published_counts()
    parties = Party.objects.public().only("name", "slug")
    page = _names_page(request, parties, announcement_counts, "announcement_count")
    return render(request, "kb/parties.html", {"page_obj": page})


def topic_list(request):
    clause_counts, _ = published_counts()
    topics = Topic.objects.public().only("name", "slug", "description")
    page = _names_page(request, topics, clause_counts, "clause_count")
    return render(request, "kb/topics.html", {"page_obj": page})
