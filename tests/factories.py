"""Test data builders: small functions with sensible defaults, no JSON fixtures."""

from __future__ import annotations

import datetime as dt
import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from kb.dates import DatePrecision
from kb.models import Announcement, AnnouncementKind, Clause, ClauseEffect, Party, Status, Topic

_sequence = itertools.count(1)


def make_party(name: str | None = None, **fields) -> Party:
    name = name or f"Party {next(_sequence)}"
    return Party.objects.create(name=name, slug=fields.pop("slug", slugify(name)), **fields)


def make_topic(name: str | None = None, **fields) -> Topic:
    name = name or f"Topic {next(_sequence)}"
    return Topic.objects.create(name=name, slug=fields.pop("slug", slugify(name)), **fields)


def make_announcement(
    title: str | None = None,
    *,
    status: str = Status.PUBLISHED,
    date: dt.date | None = None,
    date_precision: str | None = None,
    parties=(),
    **fields,
) -> Announcement:
    title = title or f"Announcement {next(_sequence)}"
    fields.setdefault("published_at", timezone.now() if status == Status.PUBLISHED else None)
    if date_precision is None:
        date_precision = DatePrecision.DAY if date else DatePrecision.UNKNOWN
    announcement = Announcement.objects.create(
        title=title,
        slug=fields.pop("slug", slugify(title)[:190] or f"a-{next(_sequence)}"),
        kind=fields.pop("kind", AnnouncementKind.JOINT_STATEMENT),
        status=status,
        date=date,
        date_precision=date_precision,
        **fields,
    )
    if parties:
        announcement.parties.set(parties)
    return announcement


def make_clause(
    announcement: Announcement | None = None,
    heading: str | None = None,
    text: str = "",
    *,
    position: int | None = None,
    topics=(),
    parties=(),
    effect: str = ClauseEffect.NEW,
    **fields,
) -> Clause:
    announcement = announcement or make_announcement()
    if position is None:
        position = announcement.clauses.count() + 1
    for name in ("effective_from", "effective_until"):
        if fields.get(name) and f"{name}_precision" not in fields:
            fields[f"{name}_precision"] = DatePrecision.DAY
    clause = Clause.objects.create(
        announcement=announcement,
        heading=heading or f"Clause {next(_sequence)}",
        text=text,
        position=position,
        effect=effect,
        **fields,
    )
    if topics:
        clause.topics.set(topics)
    if parties:
        clause.parties.set(parties)
    return clause


def make_user(username: str | None = None, *, role: str | None = None, **fields):
    """A staff account in one of the editorial groups (Readers, Editors, Publishers)."""
    username = username or f"user{next(_sequence)}"
    fields.setdefault("is_staff", True)
    user = get_user_model().objects.create_user(username, f"{username}@example.com", **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_lineage(count: int, *, first_year: int = 2000, **fields) -> list[Clause]:
    """``count`` clauses on one term, in published announcements a year apart from
    ``first_year``, each superseding the one before (the first is new, the rest amend)."""
    clauses: list[Clause] = []
    for index in range(count):
        clauses.append(
            make_clause(
                make_announcement(date=dt.date(first_year + index, 1, 1)),
                f"Exclusive cloud provider, version {index + 1}",
                f"Azure is the exclusive cloud provider, version {index + 1}.",
                supersedes=clauses[-1] if clauses else None,
                effect=ClauseEffect.AMENDED if clauses else ClauseEffect.NEW,
                **fields,
            )
        )
    return clauses


def index_now() -> None:
    """Bring this test's search index up to date (built on first use otherwise), so
    that what a test measures next is a search, not the index's update."""
    from kb.search.index import search_index

    search_index().update()
