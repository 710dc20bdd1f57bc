"""The read-only JSON API: published announcements, clauses, topics and parties.

Plain views returning ``JsonResponse``: six read-only endpoints do not need a
framework, and the shapes stay in one place (the ``*_json`` functions below, which
the JSON export reuses). ``kb/openapi.py`` describes every response, and a test
checks each documented path against a real one.

Lists are paged (``?page=``, ``?page_size=`` up to ``MAX_PAGE_SIZE``) in a stable
order that ends with the primary key. Dates are ISO 8601 (the first day of the
period the date is known to) with a ``*_precision`` field beside each; links are
absolute.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from kb.filters import ClauseFilter
from kb.models import Announcement, Clause, Party, Status, Topic
from kb.openapi import openapi_document
from kb.public import public_parties, public_topics, published_counts

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def error(status: int, detail: str, errors: dict | None = None) -> JsonResponse:
    body = {"detail": detail}
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=status)


class BadRequest(Exception):
    def __init__(self, detail: str, errors: dict | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


def api_view(view):
    """GET/HEAD only; ``BadRequest`` becomes a 400 and ``Http404`` a JSON 404."""

    @require_safe
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadRequest as bad:
            return error(400, bad.detail, bad.errors)
        except Http404:
            return error(404, "Not found.")

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def paginate(request, queryset, serialize) -> JsonResponse:
    page_size = request.GET.get("page_size") or DEFAULT_PAGE_SIZE
    try:
        page_size = int(page_size)
    except ValueError:
        raise BadRequest("page_size must be a whole number.") from None
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BadRequest(f"page_size must be between 1 and {MAX_PAGE_SIZE}.")
    paginator = Paginator(queryset, page_size)
    try:
        page = paginator.page(request.GET.get("page") or 1)
    except PageNotAnInteger:
        raise BadRequest("page must be a whole number.") from None
    except EmptyPage:
        raise Http404 from None

    def page_url(number: int | None) -> str | None:
        if number is None:
            return None
        query = request.GET.copy()
        query["page"] = number
        return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

    return JsonResponse(
        {
            "count": paginator.count,
            "next": page_url(page.next_page_number() if page.has_next() else None),
            "previous": page_url(page.previous_page_number() if page.has_previous() else None),
            "results": [serialize(request, item) for item in page.object_list],
        }
    )


def absolute(request, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(name, kwargs=kwargs))


def party_ref(request, party: Party) -> dict:
    return {
        "slug": party.slug,
        "name": party.name,
        "html_url": request.build_absolute_uri(party.get_absolute_url()),
    }


def topic_ref(request, topic: Topic) -> dict:
    return {
        "slug": topic.slug,
        "name": topic.name,
        "html_url": request.build_absolute_uri(topic.get_absolute_url()),
    }


def iso(day) -> str | None:
    return day.isoformat() if day else None


def announcement_ref(request, announcement: Announcement) -> dict:
    return {
        "slug": announcement.slug,
        "title": announcement.title,
        "date": iso(announcement.date),
        "date_precision": announcement.date_precision,
        "url": absolute(request, "api:announcement", slug=announcement.slug),
        "html_url": request.build_absolute_uri(announcement.get_absolute_url()),
    }


def announcement_json(request, announcement: Announcement) -> dict:
    return {
        **announcement_ref(request, announcement),
        "kind": announcement.kind,
        "parties": [party_ref(request, party) for party in announcement.parties.all()],
        "summary": announcement.summary,
        "source_url": announcement.source_url or None,
        "credit": announcement.credit,
        "published_at": announcement.published_at.isoformat(),
        "clause_count": announcement.clause_count,
    }


def clause_ref(request, clause: Clause) -> dict:
    return {
        "id": clause.pk,
        "heading": clause.heading,
        "url": absolute(request, "api:clause", pk=clause.pk),
        "html_url": request.build_absolute_uri(clause.get_absolute_url()),
    }


def name_order(name: str) -> tuple[str, str]:
    """Names in alphabetical order whatever their case, the same on every database."""
    return name.casefold(), name


def clause_parties(clause: Clause) -> list[Party]:
    """The parties a clause concerns: those it names and those of its announcement
    (as the party filter counts them), each once, by name."""
    parties = {party.pk: party for party in clause.parties.all()}
    parties.update((party.pk, party) for party in clause.announcement.parties.all())
    return sorted(parties.values(), key=lambda party: name_order(party.name))


def clause_json(request, clause: Clause) -> dict:
    """A clause as the API and the JSON export show it. Expects the loading plan of
    ``api_clauses()``."""
    earlier = clause.supersedes
    return {
        **clause_ref(request, clause),
        "announcement": announcement_ref(request, clause.announcement),
        "kind": clause.announcement.kind,
        "position": clause.position,
        "text": clause.text,
        "effect": clause.effect,
        "effective_from": iso(clause.effective_from),
        "effective_from_precision": clause.effective_from_precision,
        "effective_until": iso(clause.effective_until),
        "effective_until_precision": clause.effective_until_precision,
        "supersedes": clause_ref(request, earlier)
        if earlier and earlier.announcement.status == Status.PUBLISHED
        else None,
        "superseded_by": [clause_ref(request, later) for later in clause.published_successors],
        "topics": [topic_ref(request, topic) for topic in clause.topics.all()],
        "parties": [party_ref(request, party) for party in clause_parties(clause)],
    }


def api_clauses(queryset):
    """The loading plan of every clause the API and the exports show: five queries
    however many rows (one for the rows, one each for topics, parties, the
    announcements' parties, successors)."""
    return queryset.select_related("announcement", "supersedes__announcement").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.only("name", "slug")),
        Prefetch("parties", queryset=Party.objects.only("name", "slug")),
        Prefetch("announcement__parties", queryset=Party.objects.only("name", "slug")),
        Prefetch(
            "successors",
            queryset=Clause.objects.published().only("heading", "supersedes_id"),
            to_attr="published_successors",
        ),
    )


def published_announcements():
    # A correlated count rather than Count("clauses"): a GROUP BY would join and group
    # every published announcement's clauses before the page is cut (100 ms at
    # 100,000 clauses), where the subquery is run for the page's rows only and the
    # paginator's count leaves it out.
    return (
        Announcement.objects.published()
        .for_list()
        .annotate(
            clause_count=Coalesce(
                Subquery(
                    Clause.objects.filter(announcement=OuterRef("pk"))
                    .order_by()
                    .values("announcement")
                    .annotate(count=Count("*"))
                    .values("count")
                ),
                0,
            )
        )
        .order_by("-published_at", "-id")
    )


@api_view
def announcement_list(request):
    return paginate(request, published_announcements(), announcement_json)


@api_view
def announcement_detail(request, slug):
    try:
        announcement = published_announcements().get(slug=slug)
    except Announcement.DoesNotExist:
        raise Http404 from None
    clauses = api_clauses(announcement.clauses.all()).in_document_order()
    return JsonResponse(
        {
            **announcement_json(request, announcement),
            "text": announcement.text,
            "clauses": [clause_json(request, clause) for clause in clauses],
        }
    )


def filtered_clauses(params):
    """Published clauses found by the search page's FilterSet, as records with the
    API's loading plan; a bad filter value raises ``BadRequest`` with the form's
    messages."""
    filterset = ClauseFilter(params)
    if not filterset.is_valid():
        raise BadRequest(
            "Invalid filter.",
            {
                field: [str(message) for message in messages]
                for field, messages in filterset.errors.items()
            },
        )
    return filterset.qs.with_querysets(clause=api_clauses(Clause.objects.published()))


@api_view
def clause_list(request):
    # Search results come ranked best first; without a query the FilterSet's sort
    # applies. The count is exact, and every match can be paged through.
    return paginate(request, filtered_clauses(request.GET), clause_json)


@api_view
def clause_detail(request, pk):
    try:
        clause = api_clauses(Clause.objects.published()).get(pk=pk)
    except Clause.DoesNotExist:
        raise Http404 from None
    return JsonResponse(clause_json(request, clause))


def topic_json(request, topic: Topic, clause_counts: dict[int, int]) -> dict:
    return {
        **topic_ref(request, topic),
        "description": topic.description,
        "clause_count": clause_counts.get(topic.pk, 0),
    }


# The counts come from kb.public.published_counts(): cached, so at most
# KB_HOME_COUNTS_SECONDS old (the OpenAPI document says so), where counting on every
# request made these the slowest pages of the load test.
@api_view
def topic_list(request):
    clause_counts, _ = published_counts()
    return paginate(
        request,
        public_topics().order_by("name", "id"),
        lambda request, topic: topic_json(request, topic, clause_counts),
    )


def party_json(request, party: Party, announcement_counts: dict[int, int]) -> dict:
    return {
        **party_ref(request, party),
        "short_name": party.short_name,
        "website": party.website or None,
        "announcement_count": announcement_counts.get(party.pk, 0),
    }


@api_view
def party_list(request):
    _, announcement_counts = published_counts()
    return paginate(
        request,
        public_parties().order_by("name", "id"),
        lambda request, party: party_json(request, party, announcement_counts),
    )


@api_view
def openapi(request):
    return JsonResponse(
        openapi_document(
            request.build_absolute_uri(reverse("api:root")),
            default_page_size=DEFAULT_PAGE_SIZE,
            max_page_size=MAX_PAGE_SIZE,
        )
    )


@api_view
def root(request):
    return JsonResponse(
        {
            name: absolute(request, f"api:{name}")
            for name in ("announcements", "clauses", "topics", "parties", "openapi")
        }
    )
