"""Atom feeds: newly published announcements, and the clauses of any search."""

from __future__ import annotations

import re

from django.contrib.syndication.views import Feed
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from kb.filters import ClauseFilter
from kb.models import Announcement, Clause
from kb.search.results import SearchHits

FEED_ITEMS = 50
# XML 1.0 cannot hold these; Django refuses to write a feed holding one (a 500).
XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xml_text(text: str) -> str:
    """Text fit for the feed: the control characters XML 1.0 forbids, dropped (a
    query may carry any of them; an editor's paste could)."""
    return XML_FORBIDDEN.sub("", text)


class LatestAnnouncementsFeed(Feed):
    feed_type = Atom1Feed
    title = "kb: newly published announcements"
    subtitle = "Announcements as they are published in the knowledge base."

    def link(self):
        return reverse("kb:home")

    def items(self):
        return (
            Announcement.objects.published()
            .for_list()
            .order_by("-published_at", "-id")[:FEED_ITEMS]
        )

    def item_title(self, item):
        return xml_text(item.title)

    def item_description(self, item):
        # Atom says the summary is HTML (type="html"): plain text must be escaped for
        # a feed reader to show it as text, markup included.
        return escape(xml_text(item.summary))

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return ", ".join(party.name for party in item.parties.all()) or None

    def item_categories(self, item):
        return [item.get_kind_display()]


class SearchFeed(Feed):
    """The newest clauses matching a search: the search page's GET parameters
    through the same ``ClauseFilter``; a bad parameter is a 400."""

    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        filterset = ClauseFilter(request.GET, queryset=Clause.objects.published())
        if not filterset.is_valid():
            messages = "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in filterset.errors.items()
            )
            return HttpResponseBadRequest(
                f"Invalid search: {messages}", content_type="text/plain; charset=utf-8"
            )
        request.kb_filterset = filterset
        return super().__call__(request, *args, **kwargs)

    def get_object(self, request, *args, **kwargs):
        return request

    def title(self, request):
        query = xml_text(request.GET.get("q", "")).strip()
        return f"kb: clauses matching “{query}”" if query else "kb: clauses"

    def subtitle(self, request):
        return "The newest published clauses matching a search in the knowledge base."

    def link(self, request):
        query = request.GET.urlencode()
        return reverse("kb:search") + (f"?{query}" if query else "")

    def feed_url(self, request):
        return request.get_full_path()

    def items(self, request):
        return SearchHits.of(request.kb_filterset.newest_published())[:FEED_ITEMS]

    def item_title(self, item):
        return xml_text(f"{item.heading} ({item.announcement.title})")

    def item_description(self, item):
        return escape(xml_text(item.text))  # plain text in an HTML summary, as above

    def item_pubdate(self, item):
        return item.announcement.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [topic.name for topic in item.topics.all()]
