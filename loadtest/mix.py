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
    Target(
        "search phrase or prefix",
        1,
        lambda s: (
            [
                _query(reverse("kb:search"), q=f'"{first} {second}"')
                for first, second in zip(SEARCH_WORDS, SEARCH_WORDS[1:], strict=False)
            ]
            + [_query(reverse("kb:search"), q=f"{w[:4]}*") for w in SEARCH_WORDS]
        ),
    ),
    Target(
        "browse",
        1,
        lambda s: [
            reverse("kb:announcements"),
            _query(reverse("kb:announcements"), year="unknown"),
            reverse("kb:topics"),
            reverse("kb:parties"),
        ],
    ),
    Target("in force", 1, lambda s: [reverse("kb:in_force")]),
    Target(
        "in force by party",
        1,
        lambda s: [_query(reverse("kb:in_force"), party=slug) for slug in s.party_slugs],
    ),
    Target("feed", 1, lambda s: [reverse("kb:feed_announcements")]),
    Target(
        "search feed", 1, lambda s: [_query(reverse("kb:feed_search"), q=w) for w in SEARCH_WORDS]
    ),
    Target(
        "search export",
        1,
        lambda s: [_query(reverse("kb:search"), q=w, format="csv") for w in SEARCH_WORDS],
    ),
    Target("api clauses", 2, lambda s: [_query(reverse("api:clauses"), q=w) for w in SEARCH_WORDS]),
    Target("api clause", 1, lambda s: [reverse("api:clause", args=[pk]) for pk in s.clause_ids]),
    Target("api announcements", 1, lambda s: [reverse("api:announcements")]),
    Target(
        "api announcement",
        1,
        lambda s: [reverse("api:announcement", args=[slug]) for slug in s.announcement_slugs],
    ),
    Target("api topics and parties", 1, lambda s: [reverse("api:topics"), reverse("api:parties")]),
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
