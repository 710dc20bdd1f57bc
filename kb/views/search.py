"""The search page and its facets."""

from __future__ import annotations

from dataclasses import replace

from django.core.paginator import Paginator
from django.db.models import TextField, Value
from django.db.models.functions import Concat, Left
from django.shortcuts import render
from django.urls import reverse

from kb.exports import export_response
from kb.filters import SORT_CHOICES, TYPE_CHOICES, SearchFilter, named_facets
from kb.models import Announcement, AnnouncementKind, Clause, ClauseEffect
from kb.search.constants import CORRECTION_BELOW, SNIPPET_SOURCE_CHARS
from kb.search.engine import search as run_search
from kb.search.query import parse_query
from kb.search.results import SearchHits, attach_snippets
from kb.search.schema import ANNOUNCEMENT, CLAUSE
from kb.views.filter_urls import active_filters, canonical_redirect, clear_filters_url, shown

SEARCH_PAGE_SIZE = 20
MAX_SEARCH_PAGE_SIZE = 100
# A search with more matches than this counts its facets in a second request (unless
# counted before): counting them costs time in proportion to the matches.
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
                name: f"{label}: {shown(form, name, choice_labels)}"
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
