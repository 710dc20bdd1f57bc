"""Public pages. Thin: a queryset with its loading plan, then a template."""

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render

from kb.models import Announcement, Clause, Party, Status, Topic

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
