"""The loading plans of what the API and the JSON export show: published records only."""

from __future__ import annotations

from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce

from kb.models import Announcement, Clause, Party, Topic


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


def published_clauses():
    return api_clauses(Clause.objects.published())


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


def announcement_with_clauses():
    """Published announcements, each with ``ordered_clauses``: its clauses in order,
    with the clauses' loading plan."""
    return published_announcements().prefetch_related(
        Prefetch(
            "clauses",
            queryset=api_clauses(Clause.objects.all()).in_document_order(),
            to_attr="ordered_clauses",
        )
    )
