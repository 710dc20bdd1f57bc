"""The home page, and the page of one announcement, clause, topic or party."""

from __future__ import annotations

from django.db.models import F
from django.shortcuts import get_object_or_404, render

from kb.citations import clause_citation
from kb.lineage import clause_lineage
from kb.models import Announcement, Clause, JoinedKey, Party, Topic
from kb.public import home_counts
from kb.views.cards import clause_card_page, timeline_groups

LATEST_ANNOUNCEMENTS = 20


def home(request):
    topic_counts, party_counts = home_counts()
    topics = Topic.objects.public().filter(pk__in=topic_counts).only("name", "slug")
    parties = Party.objects.public().filter(pk__in=party_counts).only("name", "slug")
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
    topic = get_object_or_404(Topic.objects.public(), slug=slug)
    sort = request.GET.get("sort") or "oldest"
    context = {"topic": topic, "sort": sort, "sort_choices": TOPIC_SORT_CHOICES}
    if sort not in TOPIC_ORDERS:
        context["sort_error"] = "Sort by “oldest” or “newest”."
        return render(request, "kb/topic.html", context, status=400)
    clauses = Clause.objects.published().on_topic(topic).order_by(*TOPIC_ORDERS[sort])
    page = clause_card_page(request, clauses)
    context.update(page_obj=page, groups=timeline_groups(page.object_list))
    return render(request, "kb/topic.html", context)


def party_detail(request, slug):
    party = get_object_or_404(Party.objects.public(), slug=slug)
    # The latest announcements only: a busy party names hundreds, and the clauses
    # below (paged) and a search for the party reach every one of them.
    announcements = party.announcements.published().newest_first()
    latest = list(announcements[: LATEST_ANNOUNCEMENTS + 1])
    more = len(latest) > LATEST_ANNOUNCEMENTS
    clauses = Clause.objects.published().concerning(party).newest_first()
    page = clause_card_page(request, clauses)
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
