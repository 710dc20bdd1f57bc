"""Public pages. Thin: a queryset with its loading plan, then a template."""

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property

from kb.filters import SORT_CHOICES, ClauseFilter, clause_facets
from kb.models import (
    Announcement,
    AnnouncementKind,
    Clause,
    ClauseEffect,
    Party,
    Status,
    Topic,
)
from kb.search import attach_snippets
from kb.search.constants import RESULT_COUNT_CAP

LATEST_ANNOUNCEMENTS = 20


def home(request):
    published_clauses = Q(clauses__announcement__status=Status.PUBLISHED)
    context = {
        "announcements": Announcement.objects.published()
        .newest_first()
        .for_list()[:LATEST_ANNOUNCEMENTS],
        "topics": Topic.objects.annotate(clause_count=Count("clauses", filter=published_clauses))
        .filter(clause_count__gt=0)
        .order_by("-clause_count", "name"),
        "parties": Party.objects.annotate(
            announcement_count=Count(
                "announcements", filter=Q(announcements__status=Status.PUBLISHED)
            )
        )
        .filter(announcement_count__gt=0)
        .order_by("-announcement_count", "name"),
    }
    return render(request, "kb/home.html", context)


def announcement_detail(request, slug):
    announcement = get_object_or_404(Announcement.objects.published().for_list(), slug=slug)
    clauses = announcement.clauses.for_list().in_document_order()
    return render(
        request, "kb/announcement.html", {"announcement": announcement, "clauses": clauses}
    )


def clause_detail(request, pk):
    clause = get_object_or_404(Clause.objects.published().for_list(), pk=pk)
    return render(request, "kb/clause.html", {"clause": clause})


def topic_detail(request, slug):
    topic = get_object_or_404(Topic, slug=slug)
    clauses = topic.clauses.published().for_list().newest_first()
    return render(request, "kb/topic.html", {"topic": topic, "clauses": clauses})


def party_detail(request, slug):
    party = get_object_or_404(Party, slug=slug)
    announcements = party.announcements.published().newest_first().for_list()
    clauses = party.clauses.published().for_list().newest_first()
    return render(
        request,
        "kb/party.html",
        {"party": party, "announcements": announcements, "clauses": clauses},
    )


SEARCH_PAGE_SIZE = 20
MAX_SEARCH_PAGE_SIZE = 100


class CappedPaginator(Paginator):
    """A paginator told how many rows there are, counted up to one past
    ``RESULT_COUNT_CAP`` (never the whole table); beyond the cap the page says "N+"."""

    def __init__(self, object_list, per_page, *, counted: int):
        super().__init__(object_list, per_page)
        self.counted = counted

    @cached_property
    def count(self) -> int:
        return min(self.counted, RESULT_COUNT_CAP)

    @property
    def is_capped(self) -> bool:
        return self.counted > RESULT_COUNT_CAP


def _search_page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", SEARCH_PAGE_SIZE))
    except ValueError:
        return SEARCH_PAGE_SIZE
    return min(max(size, 1), MAX_SEARCH_PAGE_SIZE)


def _feed_url(request) -> str | None:
    # The Atom feed of the same search, once the feeds exist.
    try:
        url = reverse("kb:feed_search")
    except NoReverseMatch:
        return None
    return f"{url}?{request.GET.urlencode()}" if request.GET else url


def _first_closest_match(rows, filterset) -> int | None:
    if not filterset.closest_matches:
        return None
    all_words = set(filterset.all_words_ids)
    return next((clause.pk for clause in rows if clause.pk not in all_words), None)


def search(request):
    filterset = ClauseFilter(request.GET)
    context = {
        "filter": filterset,
        "query": request.GET.get("q", ""),
        # The selects are written out in the template: cheaper than form widgets.
        "kind_choices": AnnouncementKind.choices,
        "effect_choices": ClauseEffect.choices,
        "sort_choices": SORT_CHOICES,
    }
    if not filterset.is_valid():
        return render(request, "kb/search.html", context, status=400)
    clauses = filterset.qs
    newest_ids = filterset.newest_ids()
    paginator = CappedPaginator(
        clauses.for_list(), _search_page_size(request), counted=len(newest_ids)
    )
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    attach_snippets(rows, filterset.parsed_query or "")
    context.update(
        page=page,
        clauses=rows,
        facets=clause_facets(newest_ids[: RESULT_COUNT_CAP + 1]),
        closest_matches=filterset.closest_matches,
        all_words_count=len(filterset.all_words_ids),
        # The first hit of this page without every word: the label goes above it.
        closest_start=_first_closest_match(rows, filterset),
        feed_url=_feed_url(request),
    )
    return render(request, "kb/search.html", context)
