"""How many published records use each topic and party, and which parties a
typed party filter suggests.

Topics and parties have no status of their own: one is public when a published
record uses it (``Topic.objects.public()``, ``Party.objects.public()``).
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count

from kb.models import Announcement, Clause, Party, Status

# The home page and the API's topic and party lists show how many published clauses
# use each topic and how many published announcements name each party. Counting them
# reads every link and its record, a cost that grows with the base, so the counts
# are cached for settings.KB_HOME_COUNTS_SECONDS (5 minutes unless the environment
# says) in each worker: a count may be that old. The names are read on every
# request, through Topic.objects.public() and Party.objects.public(), so a record
# unpublished since the counts were taken never shows its topic or party.
PUBLISHED_COUNTS_CACHE_KEY = "kb:published-counts"
HOME_TOPICS = 50
HOME_PARTIES = 30
PARTY_SUGGESTIONS = 100


def published_counts() -> tuple[dict[int, int], dict[int, int]]:
    """``({topic_id: published clauses}, {party_id: published announcements})`` for
    every topic and party with at least one; at most a cache timeout old."""
    counts = cache.get(PUBLISHED_COUNTS_CACHE_KEY)
    if counts is None:
        counts = (
            _links_per(
                Clause.topics.through.objects.filter(clause__announcement__status=Status.PUBLISHED),
                "topic_id",
            ),
            _links_per(
                Announcement.parties.through.objects.filter(announcement__status=Status.PUBLISHED),
                "party_id",
            ),
        )
        cache.set(PUBLISHED_COUNTS_CACHE_KEY, counts, settings.KB_HOME_COUNTS_SECONDS)
    return counts


def home_counts() -> tuple[dict[int, int], dict[int, int]]:
    """``published_counts()`` cut to the ``HOME_TOPICS`` topics and ``HOME_PARTIES``
    parties with the most (ties broken by id)."""
    topic_counts, party_counts = published_counts()
    return _most(topic_counts, HOME_TOPICS), _most(party_counts, HOME_PARTIES)


def suggested_parties():
    """The ``PARTY_SUGGESTIONS`` public parties named on the most published
    announcements, A–Z: what a typed party filter suggests (a list of every party
    would be a page of its own: 1,142 with CUAD)."""
    _, party_counts = published_counts()
    return (
        Party.objects.public()
        .filter(pk__in=_most(party_counts, PARTY_SUGGESTIONS))
        .only("name", "slug")
        .order_by("name")
    )


def _links_per(links, key: str) -> dict[int, int]:
    """``{id: number of links}`` for every value of ``key`` among ``links``."""
    return dict(links.values(key).annotate(count=Count("*")).values_list(key, "count"))


def _most(counts: dict[int, int], limit: int) -> dict[int, int]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return dict(ranked[:limit])
