"""What the simulated staff ask for, and how often: extend REQUEST_MIX as pages land.

Each Target turns a Sample of the load database into concrete paths; the load
test picks a target by weight, then one of its paths at random. A target whose
URL is not routed in this version of kb (NoReverseMatch, or a path that does not
resolve) is left out and named in the report, so the mix can list pages that are
still being built.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.urls import NoReverseMatch, Resolver404, resolve, reverse

# Words the seeded clause texts are made of (loadtest/seed.py), so searches find something.
SEARCH_WORDS = [
    "emissions", "renewable", "supply", "capacity", "storage", "carbon", "water", "grid",
    "procurement", "nuclear", "solar", "wind", "hydrogen", "reporting", "target", "contract",
    "investment", "efficiency", "transmission", "offtake",
]  # fmt: skip


@dataclass(frozen=True)
class Sample:
    """Published records of the load database to aim requests at."""

    announcement_slugs: list[str]
    clause_ids: list[int]
    topic_slugs: list[str]
    party_slugs: list[str]


@dataclass(frozen=True)
class Target:
    name: str
    weight: int
    paths: Callable[[Sample], list[str]]


def _query(path: str, **params) -> str:
    return f"{path}?{urlencode(params)}"


REQUEST_MIX = [
    Target("home", 2, lambda s: [reverse("kb:home")]),
    Target(
        "announcement",
        3,
        lambda s: [reverse("kb:announcement", args=[slug]) for slug in s.announcement_slugs],
    ),
    Target("clause", 3, lambda s: [reverse("kb:clause", args=[pk]) for pk in s.clause_ids]),
    Target("topic", 1, lambda s: [reverse("kb:topic", args=[slug]) for slug in s.topic_slugs]),
    Target("party", 1, lambda s: [reverse("kb:party", args=[slug]) for slug in s.party_slugs]),
    Target("search", 4, lambda s: [_query(reverse("kb:search"), q=w) for w in SEARCH_WORDS]),
    Target(
        "search by topic",
        1,
        lambda s: [
            _query(reverse("kb:search"), q=word, topic=topic)
            for word, topic in zip(SEARCH_WORDS, s.topic_slugs, strict=False)
        ],
    ),
    Target("in force", 1, lambda s: [reverse("kb:in_force")]),
    Target("feed", 1, lambda s: [reverse("kb:feed_announcements")]),
    Target("api clauses", 2, lambda s: [_query("/api/clauses/", q=w) for w in SEARCH_WORDS]),
    Target("api announcements", 1, lambda s: ["/api/announcements/"]),
]


def resolve_mix(sample: Sample) -> tuple[list[dict], list[str]]:
    """The routed targets as {"name", "weight", "paths"}, and the names of those left out."""
    routed, missing = [], []
    for target in REQUEST_MIX:
        try:
            paths = target.paths(sample)
            for path in paths:
                resolve(urlsplit(path).path)
        except (NoReverseMatch, Resolver404):
            missing.append(target.name)
            continue
        if paths:
            routed.append({"name": target.name, "weight": target.weight, "paths": paths})
        else:
            missing.append(target.name)
    return routed, missing
