"""Public pages. Thin: a queryset with its loading plan, then a template.

Only published records appear. A draft, in-review or retracted announcement (and
so each of its clauses) is a 404 for everyone here, signed in or not: the public
pages never say that an unpublished record exists. Editors read those in the admin.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Q, TextField, Value
from django.db.models.functions import Concat, ExtractYear, Left, Lower
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.functional import cached_property

from kb.citations import clause_citation
from kb.dates import PartialDate
from kb.exports import export_response
from kb.filters import SORT_CHOICES, TYPE_CHOICES, SearchFilter, named_facets
from kb.forms import UNKNOWN_YEAR, AnnouncementFilterForm, InForceForm
from kb.lineage import clause_lineage
from kb.models import Announcement, AnnouncementKind, Clause, ClauseEffect, JoinedKey, Party
from kb.public import (
    home_counts,
    public_parties,
    public_topics,
    published_counts,
    suggested_parties,
)
from kb.search.constants import CORRECTION_BELOW, SNIPPET_SOURCE_CHARS
from kb.search.engine import search as run_search
from kb.search.query import parse_query
from kb.search.results import SearchHits, attach_snippets
from kb.search.schema import ANNOUNCEMENT, CLAUSE

LATEST_ANNOUNCEMENTS = 20
# Lists on topic, party and in-force pages are paged so a page stays readable and fast:
# rendering a clause card costs ~0.6 ms of Python, so 100 cards alone were 60 ms, and
# under the load test's 50 users 50 cards made these the busiest pages after search.
CLAUSES_PER_PAGE = 25
# They count their clauses up to this many, never the whole table (beyond it the
# page says "Page 1 of 200+"): counting the terms in force today reads every clause.
LIST_COUNT_CAP = 10_000


class CountCappedPaginator(Paginator):
    """Counts at most ``LIST_COUNT_CAP`` rows (a LIMITed subquery), so the count
    costs the same at a million clauses as at ten thousand."""

    @cached_property
    def count(self) -> int:
        return min(self.counted, LIST_COUNT_CAP)

    @cached_property
    def counted(self) -> int:
        # Order does not change a count: drop it, or the subquery would sort.
        return self.object_list.order_by()[: LIST_COUNT_CAP + 1].count()

    @property
    def is_capped(self) -> bool:
        return self.counted > LIST_COUNT_CAP


class ClauseCardPaginator(CountCappedPaginator):
    """Pages of clause cards. The list to page is ordered but plain (no loading
    plan): a page's clauses are chosen by id alone, in a subquery, and only those
    are loaded with the cards' plan, in the same statement. Sorted with every
    joined column, the rows of a long list carry their announcements' full texts
    through the sort (and through the skipped rows of a deep page): the last page
    of a 25,000-clause topic cost 128 ms at a million clauses."""

    def _get_page(self, object_list, number, paginator):
        ordering = object_list.query.order_by
        chosen = object_list.values("pk")
        cards = Clause.objects.filter(pk__in=chosen).for_cards().order_by(*ordering)
        return super()._get_page(cards, number, paginator)


class CountedPaginator(Paginator):
    """Pages of a list whose length is known already (from its facet counts), so
    paging it costs no count query."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.known_count = count

    @cached_property
    def count(self) -> int:
        return self.known_count


# Shared URLs: the filter forms submit every field, empty or not, and a party may be
# typed by name. A page answers such a URL with a redirect to its short form (no empty
# parameters, the party's slug), the URL the address bar then shows and staff copy.
# kb.js drops the empty fields before the browser sends them, saving that round trip.


def _parameters(request) -> list[tuple[str, str]]:
    return [(name, value) for name, values in request.GET.lists() for value in values]


def _url(path: str, parameters: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(parameters)}" if parameters else path


def canonical_redirect(request, **replacing: str | None) -> HttpResponseRedirect | None:
    """A redirect to this page's URL without its empty parameters and with
    ``replacing``'s values (None: keep the one given), or None when the URL is that
    already."""
    given = _parameters(request)
    wanted = [
        (name, value if replacing.get(name) is None else replacing[name])
        for name, value in given
        if value != ""
    ]
    return None if wanted == given else HttpResponseRedirect(_url(request.path, wanted))


@dataclass(frozen=True)
class ActiveFilter:
    """A filter in force on a list, shown as a chip that links to the list without it."""

    label: str
    remove_url: str


def active_filters(request, labels: dict[str, str]) -> list[ActiveFilter]:
    """A chip for each parameter named in ``labels`` (name: what the chip says) that
    the request gives, in that order; removing one goes back to the first page."""
    given = _parameters(request)
    return [
        ActiveFilter(
            label,
            _url(request.path, [(n, v) for n, v in given if n not in (name, "page")]),
        )
        for name, label in labels.items()
        if request.GET.get(name)
    ]


def clear_filters_url(request, names) -> str:
    """This page without any of the filters ``names`` (and from the first page)."""
    names = {*names, "page"}
    return _url(request.path, [(n, v) for n, v in _parameters(request) if n not in names])


def _shown(form, name: str, labels: dict | None = None) -> str:
    """What a chip says a filter is: the record, date or choice the form found, else
    the text given (a value the form refused)."""
    value = getattr(form, "cleaned_data", {}).get(name)
    if value in (None, ""):
        return form.data.get(name, "")
    if isinstance(value, dt.date):
        return format_date(value, "j F Y")
    return str((labels or {}).get(value, value))


def home(request):
    topic_counts, party_counts = home_counts()
    topics = public_topics().filter(pk__in=topic_counts).only("name", "slug")
    parties = public_parties().filter(pk__in=party_counts).only("name", "slug")
    for topic in topics:
        topic.clause_count = topic_counts[topic.pk]
    for party in parties:
        party.announcement_count = party_counts[party.pk]
    context = {
        "announcements": Announcement.objects.published()
        .newest_first()
        .for_list()[:LATEST_ANNOUNCEMENTS],
        "topics": sorted(topics, key=lambda t: (-t.clause_count, t.name)),
        "parties": sorted(parties, key=lambda p: (-p.announcement_count, p.name)),
    }
    return render(request, "kb/home.html", context)


def announcement_detail(request, slug):
    announcement = get_object_or_404(Announcement.objects.published().for_list(), slug=slug)
    clauses = announcement.clauses.for_cards().in_document_order()
    return render(
        request, "kb/announcement.html", {"announcement": announcement, "clauses": clauses}
    )


def clause_detail(request, pk):
    clause = get_object_or_404(Clause.objects.published().for_cards(), pk=pk)
    return render(
        request,
        "kb/clause.html",
        {
            "clause": clause,
            "lineage": clause_lineage(clause),
            "citation": clause_citation(
                clause, request.build_absolute_uri(clause.get_absolute_url())
            ),
        },
    )


def timeline_groups(clauses):
    """Clauses grouped by their announcement's date at its precision, in the order
    given; returns ``[(PartialDate, [clause, ...]), ...]``."""
    return [
        (PartialDate(date, precision), list(group))
        for (date, precision), group in itertools.groupby(
            clauses, key=lambda c: (c.announcement.date, c.announcement.date_precision)
        )
    ]


# A topic's timeline reads as a history, oldest first; newest first on request.
# Either way clauses of undated announcements come last, as everywhere on the site.
TOPIC_ORDERS = {
    "oldest": (
        F("announcement__date").asc(nulls_last=True),
        "announcement__date_precision",
        "announcement_id",
        "position",
    ),
    "newest": (
        F("announcement__date").desc(nulls_last=True),
        "announcement__date_precision",
        JoinedKey("announcement").desc(),
        "position",
    ),
}
TOPIC_SORT_CHOICES = [("oldest", "Oldest first"), ("newest", "Newest first")]


def topic_detail(request, slug):
    topic = get_object_or_404(public_topics(), slug=slug)
    sort = request.GET.get("sort") or "oldest"
    context = {"topic": topic, "sort": sort, "sort_choices": TOPIC_SORT_CHOICES}
    if sort not in TOPIC_ORDERS:
        context["sort_error"] = "Sort by “oldest” or “newest”."
        return render(request, "kb/topic.html", context, status=400)
    clauses = topic.clauses.published().order_by(*TOPIC_ORDERS[sort])
    page = ClauseCardPaginator(clauses, CLAUSES_PER_PAGE).get_page(request.GET.get("page"))
    context.update(page_obj=page, groups=timeline_groups(page.object_list))
    return render(request, "kb/topic.html", context)


def party_detail(request, slug):
    party = get_object_or_404(public_parties(), slug=slug)
    # The latest announcements only: a busy party names hundreds, and the clauses
    # below (paged) and a search for the party reach every one of them.
    announcements = party.announcements.published().newest_first()
    latest = list(announcements[: LATEST_ANNOUNCEMENTS + 1])
    more = len(latest) > LATEST_ANNOUNCEMENTS
    clauses = binding(Clause.objects.published(), party).newest_first()
    page = ClauseCardPaginator(clauses, CLAUSES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "kb/party.html",
        {
            "party": party,
            "announcements": latest[:LATEST_ANNOUNCEMENTS],
            "announcement_count": announcements.count() if more else len(latest),
            "page_obj": page,
        },
    )


# Browsing: every published announcement, party and topic, a page at a time.
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
                "kind": f"Kind: {_shown(form, 'kind', kind_labels)}",
                "party": f"Party: {_shown(form, 'party')}",
                "year": _shown(form, "year", {UNKNOWN_YEAR: "Date unknown"}),
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
    page = CountedPaginator(
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
    page = Paginator(names.order_by(Lower("name"), "pk"), NAMES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    for record in page.object_list:
        setattr(record, attribute, counts.get(record.pk, 0))
    return page


def party_list(request):
    _, announcement_counts = published_counts()
    parties = public_parties().only("name", "slug")
    page = _names_page(request, parties, announcement_counts, "announcement_count")
    return render(request, "kb/parties.html", {"page_obj": page})


def topic_list(request):
    clause_counts, _ = published_counts()
    topics = public_topics().only("name", "slug", "description")
    page = _names_page(request, topics, clause_counts, "clause_count")
    return render(request, "kb/topics.html", {"page_obj": page})


def binding(clauses, party: Party):
    """Clauses that bind ``party``: named on the clause or on its announcement.
    Two uncorrelated id lists, read once each from the link tables' party index,
    rather than two EXISTS probes for every clause (2-3x cheaper at 100,000)."""
    return clauses.filter(
        Q(pk__in=Clause.parties.through.objects.filter(party=party).values("clause_id"))
        | Q(
            announcement_id__in=Announcement.parties.through.objects.filter(party=party).values(
                "announcement_id"
            )
        )
    )


def in_force(request):
    form = InForceForm(request.GET or None)
    valid = not request.GET or form.is_valid()
    party = form.cleaned_data.get("party") if request.GET and valid else None
    if redirect := canonical_redirect(request, party=party.slug if party else None):
        return redirect
    context = {
        "form": form,
        "suggested_parties": suggested_parties(),
        "active_filters": active_filters(
            request,
            {
                "on": f"Date: {_shown(form, 'on')}",
                "party": f"Party: {_shown(form, 'party')}",
                "topic": f"Topic: {_shown(form, 'topic')}",
            },
        ),
        "clear_url": reverse("kb:in_force"),
    }
    if not valid:
        return render(request, "kb/in_force.html", context, status=400)
    data = form.cleaned_data if request.GET else {"on": timezone.localdate()}
    clauses = Clause.objects.published().in_force_on(data["on"])
    if party:
        clauses = binding(clauses, party)
    if data.get("topic"):
        clauses = clauses.filter(
            Exists(
                Clause.topics.through.objects.filter(clause_id=OuterRef("pk"), topic=data["topic"])
            )
        )
    clauses = clauses.newest_first()
    page = ClauseCardPaginator(clauses, CLAUSES_PER_PAGE).get_page(request.GET.get("page"))
    context.update(on=data["on"], page_obj=page)
    return render(request, "kb/in_force.html", context)


SEARCH_PAGE_SIZE = 20
MAX_SEARCH_PAGE_SIZE = 100
# A search with more matches than this counts its facets in a second request
# (unless counted before): at a million matches they cost about 60 ms.
FACETS_INLINE_UP_TO = 100_000


def _search_page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", SEARCH_PAGE_SIZE))
    except ValueError:
        return SEARCH_PAGE_SIZE
    return min(max(size, 1), MAX_SEARCH_PAGE_SIZE)


def _feed_url(request) -> str:
    """The Atom feed of the same search (without the page and export parameters)."""
    query = request.GET.copy()
    for name in ("page", "per_page", "format", "type"):
        query.pop(name, None)
    url = reverse("kb:feed_search")
    return f"{url}?{query.urlencode()}" if query else url


def _first_closest_match(rows):
    """The first hit of the page that lacks some word: the label goes above it."""
    return next((row for row in rows if not row.search_every_word), None)


# The search page's filters, each shown above the results as a chip that removes it.
SEARCH_FILTER_LABELS = {
    "type": "Show",
    "kind": "Kind",
    "effect": "Effect",
    "party": "Party",
    "topic": "Topic",
    "date_from": "From",
    "date_to": "To",
    "in_force_on": "In force on",
}


def search(request):
    # Exports and feeds keep the URL they were given: a script may send empty parameters.
    if "format" not in request.GET and (redirect := canonical_redirect(request)):
        return redirect
    filterset = SearchFilter(request.GET)
    valid = filterset.is_valid()
    choice_labels = dict(TYPE_CHOICES + AnnouncementKind.choices + ClauseEffect.choices)
    form = filterset.form
    context = {
        "filter": filterset,
        "query": request.GET.get("q", ""),
        # An <input type="date"> may only hold a real date: never echo what was refused.
        "in_force_on": form.cleaned_data.get("in_force_on"),
        "active_filters": active_filters(
            request,
            {
                name: f"{label}: {_shown(form, name, choice_labels)}"
                for name, label in SEARCH_FILTER_LABELS.items()
            },
        ),
        "clear_url": clear_filters_url(request, SEARCH_FILTER_LABELS),
        # The selects are written out in the template: cheaper than form widgets.
        "kind_choices": AnnouncementKind.choices,
        "effect_choices": ClauseEffect.choices,
        "sort_choices": SORT_CHOICES,
        "type_choices": TYPE_CHOICES,
    }
    if not valid:
        return render(request, "kb/search.html", context, status=400)
    export = export_response(request, filterset)
    if export is not None:
        return export
    results = filterset.results
    corrected_from = None
    if not results.count and results.suggestion:
        # Nothing matched as typed: show what the likely spelling finds.
        corrected_from = filterset.form.cleaned_data["q"].text
        corrected = replace(filterset.search_request(), query=parse_query(results.suggestion))
        results = run_search(corrected)
    hits = SearchHits.of(
        results,
        clause=Clause.objects.published()
        .for_list()
        .defer("text")
        .annotate(snippet_source=Left("text", SNIPPET_SOURCE_CHARS)),
        announcement=Announcement.objects.published()
        .for_list()
        .defer("text")
        .annotate(
            snippet_source=Left(
                Concat("summary", Value("\n"), "text", output_field=TextField()),
                SNIPPET_SOURCE_CHARS,
            )
        ),
    )
    page = Paginator(hits, _search_page_size(request)).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    attach_snippets(rows, results)
    # Facets count every match: for a broad search that is most of its time, so
    # they come from a second request (search_facets) unless already counted.
    counted = results.cached_facets()
    if counted is None and results.count <= FACETS_INLINE_UP_TO:
        counted = results.facets
    facets = named_facets(counted) if counted is not None else None
    type_counts = facets["types"] if facets else {}
    context.update(
        page=page,
        hits=rows,
        facets=facets,
        facets_url=None if facets else reverse("kb:search_facets") + "?" + request.GET.urlencode(),
        count_noun=_count_noun(filterset, type_counts),
        corrected_from=corrected_from,
        suggestion=results.suggestion if results.count < CORRECTION_BELOW else None,
        closest_matches=results.closest_matches,
        # What the thesaurus added to the words typed ("also searched").
        also_searched=[" ".join(term.words) for term in results.parsed.expansions],
        all_words_count=results.all_words_count if results.closest_matches else 0,
        closest_start=_first_closest_match(rows),
        clause_count=type_counts.get(CLAUSE, 0) if facets else None,
        feed_url=_feed_url(request),
    )
    return render(request, "kb/search.html", context)


def search_facets(request):
    """The facets of a search (``search``'s parameters), counted over every match:
    a fragment the search page loads after its results (``?fragment=1``), or a page
    of their own (without JavaScript)."""
    filterset = SearchFilter(request.GET)
    if not filterset.is_valid():
        return render(request, "kb/search.html", {"filter": filterset}, status=400)
    context = {"facets": named_facets(filterset.results.facets), "type_choices": TYPE_CHOICES}
    if request.GET.get("fragment"):
        return render(request, "kb/includes/facets.html", context)
    context["query"] = request.GET.get("q", "")
    return render(request, "kb/search_facets.html", context)


def _count_noun(filterset, type_counts: dict[str, int]) -> str:
    """What the results are: "clauses", "announcements", or "results" for both (or
    when the counts by type are not known yet)."""
    types = set(filterset.chosen_types())
    if len(types) > 1 and type_counts:
        types = {name for name, count in type_counts.items() if count} or {CLAUSE}
    if types == {CLAUSE}:
        return "clauses"
    return "announcements" if types == {ANNOUNCEMENT} else "results"
