"""What the public may see besides published announcements and their clauses.

Topics and parties have no status of their own: one is public when a published
record uses it, so a name entered only for a draft (an unannounced partner) never
appears on a public page, in the API or in a form's choices.
"""

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef

from kb.models import Announcement, Clause, Party, Status, Topic


def public_topics():
    """Topics of at least one published clause; any other topic is not public."""
    return Topic.objects.filter(
        Exists(
            Clause.topics.through.objects.filter(
                topic_id=OuterRef("pk"), clause__announcement__status=Status.PUBLISHED
            )
        )
    )


def public_parties():
    """Parties named on a published announcement or clause; any other is not public
    (a party entered only for a draft must not leak)."""
    return Party.objects.filter(
        Exists(
            Announcement.parties.through.objects.filter(
                party_id=OuterRef("pk"), announcement__status=Status.PUBLISHED
            )
        )
        | Exists(
            Clause.parties.through.objects.filter(
                party_id=OuterRef("pk"), clause__announcement__status=Status.PUBLISHED
            )
        )
    )


# The home page lists topics and the parties named most often, with counts. Counting
# published clauses per topic reads every clause-topic link and its clause (170 ms at
# 100,000 clauses, ten times that at a million), so the counts are cached for
# settings.KB_HOME_COUNTS_SECONDS (5 minutes unless the environment says); the names
# are read on every request, through public_topics()/public_parties(), so a record
# unpublished since the counts were taken never shows its topic or party here.
HOME_COUNTS_CACHE_KEY = "kb:home-counts"
HOME_TOPICS = 50
HOME_PARTIES = 30


def home_counts() -> tuple[dict[int, int], dict[int, int]]:
    """Published clauses per topic and published announcements per party, for the
    ``HOME_TOPICS`` topics and ``HOME_PARTIES`` parties with the most, as
    ``({topic_id: count}, {party_id: count})``; at most a cache timeout old."""
    counts = cache.get(HOME_COUNTS_CACHE_KEY)
    if counts is None:
        counts = (
            _most_linked(
                Clause.topics.through.objects.filter(clause__announcement__status=Status.PUBLISHED),
                "topic_id",
                HOME_TOPICS,
            ),
            _most_linked(
                Announcement.parties.through.objects.filter(announcement__status=Status.PUBLISHED),
                "party_id",
                HOME_PARTIES,
            ),
        )
        cache.set(HOME_COUNTS_CACHE_KEY, counts, settings.KB_HOME_COUNTS_SECONDS)
    return counts


def _most_linked(links, key: str, limit: int) -> dict[int, int]:
    """``{id: number of links}`` for the ``limit`` ids of ``key`` with the most."""
    rows = (
        links.values(key)
        .annotate(count=Count("*"))
        .order_by("-count", key)
        .values_list(key, "count")[:limit]
    )
    return dict(rows)
