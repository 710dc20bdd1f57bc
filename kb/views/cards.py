"""Paged lists of clause cards: the topic, party and in-force pages."""

from __future__ import annotations

import itertools

from kb.dates import PartialDate
from kb.models import Clause
from kb.pagination import CappedPaginator

# Lists on topic, party and in-force pages are paged so a page stays readable and
# its rendering time bounded: each card's Python rendering costs the same, so the
# page's cost grows with the cards on it. They count their clauses up to
# CappedPaginator.COUNT_CAP (beyond it the page says "Page 1 of 400+"): counting
# the terms in force today would read every clause.
CLAUSES_PER_PAGE = 25


class ClauseCardPaginator(CappedPaginator):
    """Pages of clause cards. The list to page is ordered but plain (no loading
    plan): a page's clauses are chosen by id alone, in a subquery, and only those
    are loaded with the cards' plan, in the same statement. Sorted with every
    joined column, the rows of a long list would carry their announcements' full
    texts through the sort (and through the skipped rows of a deep page)."""

    def _get_page(self, object_list, number, paginator):
        ordering = object_list.query.order_by
        chosen = object_list.values("pk")
        cards = Clause.objects.filter(pk__in=chosen).for_cards().order_by(*ordering)
        return super()._get_page(cards, number, paginator)


def clause_card_page(request, clauses):
    """The page of ``clauses`` (ordered, without a loading plan) the request asks for."""
    return ClauseCardPaginator(clauses, CLAUSES_PER_PAGE).get_page(request.GET.get("page"))


def timeline_groups(clauses):
    """Clauses grouped by their announcement's date at its precision, in the order
    given; returns ``[(PartialDate, [clause, ...]), ...]``."""
    return [
        (PartialDate(date, precision), list(group))
        for (date, precision), group in itertools.groupby(
            clauses, key=lambda c: (c.announcement.date, c.announcement.date_precision)
        )
    ]
