"""Atom feeds: newly published announcements, and the clauses of any search.

Every text reaches the XML through ``XmlSafeWriter``, which drops what XML 1.0
cannot hold, and summaries are plain text (``type="text"``), written once. A feed
answers a conditional GET with 304 when nothing it could show has changed since
(``ConditionalFeed``).
"""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.syndication.views import Feed
from django.db.models import Max
from django.http import HttpResponseBadRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import http_date
from django.utils.xmlutils import SimplerXMLGenerator
from django.views.decorators.http import condition

from kb.filters import ClauseFilter
from kb.models import Announcement, Clause
from kb.search.models import SearchChange
from kb.search.results import SearchHits

FEED_ITEMS = 50
# Who the feeds are by (RFC 4287 wants an atom:author on the feed when an entry has none).
FEED_AUTHOR = "kb"
# What XML 1.0 cannot hold: C0 controls but tab, LF and CR; surrogates; U+FFFE and
# U+FFFF. Django refuses the controls (a 500) and writes the rest (no parser reads it).
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text fit for XML 1.0: the characters it forbids, dropped (a query may carry
    any of them; an editor's paste or older data could)."""
    return XML_FORBIDDEN.sub("", text)


class XmlSafeWriter(SimplerXMLGenerator):
    """Django's feed writer, with every text and attribute value (titles, summaries,
    names, categories, links) made fit for XML 1.0 first."""

    def characters(self, content):
        super().characters(xml_text(content))

    def startElement(self, name, attrs):  # noqa: N802 (the SAX method's name)
        safe = {
            key: xml_text(value) if isinstance(value, str) else value
            for key, value in attrs.items()
        }
        super().startElement(name, safe)


class KbAtomFeed(Atom1Feed):
    """Atom, written through ``XmlSafeWriter``, with plain-text summaries: the texts
    are plain text, and as ``type="html"`` they had to be HTML-escaped before the
    XML escaping (``Licensee&amp;#x27;s`` in the document)."""

    def write(self, outfile, encoding):
        handler = XmlSafeWriter(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


SECOND = dt.timedelta(seconds=1)


def last_change() -> dt.datetime | None:
    """When a record a feed may show last changed, to the second, or None if unknown.

    The search change log (kb/search/models.py) has a row for every change to what
    search, and so a feed, shows: a clause, an announcement (its publication and
    retraction included), a party's or topic's name, a link between them; its newest
    row is read from the index on ``created_at``. The item dates Django would use
    miss a retracted entry or a renamed party. On PostgreSQL a row is dated by the
    start of its transaction: a long import that commits after a reader fetched a
    later change shows up with the next change. An empty log (pruned after a quiet
    week) gives None: no 304 until something changes.
    """
    latest = SearchChange.objects.aggregate(latest=Max("created_at"))["latest"]
    return latest.replace(microsecond=0) if latest is not None else None


def date_to_send(changed: dt.datetime) -> dt.datetime:
    """The Last-Modified to send for a feed last changed at ``changed`` (whole
    seconds). While that second is not over, a change may still come within it and
    carry the same date, which a reader's next If-Modified-Since would match: send
    the second before, so that reader asks once more. (A database clock a little
    ahead of this server's is covered too.)"""
    if timezone.now() < changed + SECOND:
        return changed - SECOND
    return changed


class ConditionalFeed(Feed):
    """A feed by ``FEED_AUTHOR`` that answers ``If-Modified-Since`` with 304 when
    nothing changed since ``last_change()``: Django's ``condition``, judged before
    the feed is built (ConditionalGetMiddleware would build it first, and judge by
    the newest entry's date, which a retraction can move back)."""

    feed_type = KbAtomFeed
    author_name = FEED_AUTHOR

    def __call__(self, request, *args, **kwargs):
        changed = last_change()

        def build(request, *args, **kwargs):
            response = super(ConditionalFeed, self).__call__(request, *args, **kwargs)
            # Django dated the feed by its newest entry: replaced by the date 304s are
            # judged by (none when unknown, so no reader asks with a wrong one).
            del response["Last-Modified"]
            if changed is not None:
                response["Last-Modified"] = http_date(date_to_send(changed).timestamp())
            return response

        conditional = condition(last_modified_func=lambda *args, **kwargs: changed)
        return conditional(build)(request, *args, **kwargs)


class LatestAnnouncementsFeed(ConditionalFeed):
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
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        # None without parties: the entry's author is then the feed's.
        return ", ".join(party.name for party in item.parties.all()) or None

    def item_categories(self, item):
        return [item.get_kind_display()]


class SearchFeed(ConditionalFeed):
    """The newest clauses matching a search: the search page's GET parameters
    through the same ``ClauseFilter``, the feed's object; a bad parameter is a 400,
    before any conditional GET is judged."""

    def __call__(self, request, *args, **kwargs):
        filterset = ClauseFilter(request.GET, queryset=Clause.objects.published(), request=request)
        if not filterset.is_valid():
            messages = "; ".join(
                f"{field}: {' '.join(errors)}" for field, errors in filterset.errors.items()
            )
            return HttpResponseBadRequest(
                f"Invalid search: {messages}", content_type="text/plain; charset=utf-8"
            )
        return super().__call__(request, *args, filterset=filterset, **kwargs)

    def get_object(self, request, *args, filterset: ClauseFilter, **kwargs) -> ClauseFilter:
        """The validated search (``__call__`` passes it): every method below gets it."""
        return filterset

    def title(self, filterset):
        query = xml_text(filterset.data.get("q", "")).strip()
        return f"kb: clauses matching “{query}”" if query else "kb: clauses"

    def subtitle(self, filterset):
        return "The newest published clauses matching a search in the knowledge base."

    def link(self, filterset):
        query = filterset.data.urlencode()
        return reverse("kb:search") + (f"?{query}" if query else "")

    def feed_url(self, filterset):
        return filterset.request.get_full_path()

    def items(self, filterset):
        return SearchHits.of(filterset.newest_published())[:FEED_ITEMS]

    def item_title(self, item):
        return f"{item.heading} ({item.announcement.title})"

    def item_description(self, item):
        return item.text

    def item_pubdate(self, item):
        return item.announcement.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [topic.name for topic in item.topics.all()]
