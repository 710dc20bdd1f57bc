"""A clause's lineage (the earlier clauses it supersedes and the later ones that
supersede it) and the word-level differences between them.

A lineage is read with one recursive query per direction, bounded by depth so a
loop in the ``supersedes`` links (which only ``Clause.clean()`` refuses) cannot
make it run forever, then one query for the clauses it found.

The public lineage is made of published clauses only, linked directly, as the API
shows them (``supersedes`` and ``superseded_by``): the walk stops at an unpublished
clause, so a draft's links never show on, or change, a public page.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kb.models import Announcement, Clause, Status

# Longer chains than this are cut: no real term is restated a hundred times.
LINEAGE_MAX_DEPTH = 100
# Word diffs are quadratic in the worst case; past this many tokens on either side
# the whole text is shown as replaced.
DIFF_MAX_TOKENS = 20_000

_LINEAGE_SQL = """
WITH RECURSIVE
earlier(id, supersedes_id, depth) AS (
    SELECT id, supersedes_id, 0 FROM {table} WHERE id = %(start)s
    UNION ALL
    SELECT c.id, c.supersedes_id, earlier.depth - 1
    FROM {table} c JOIN earlier ON c.id = earlier.supersedes_id
    JOIN {announcements} a ON a.id = c.announcement_id
    WHERE earlier.depth > -%(max_depth)s AND a.status = %(published)s
),
later(id, supersedes_id, depth) AS (
    SELECT id, supersedes_id, 0 FROM {table} WHERE id = %(start)s
    UNION ALL
    SELECT c.id, c.supersedes_id, later.depth + 1
    FROM {table} c JOIN later ON c.supersedes_id = later.id
    JOIN {announcements} a ON a.id = c.announcement_id
    WHERE later.depth < %(max_depth)s AND a.status = %(published)s
)
SELECT id, supersedes_id, depth FROM earlier
UNION ALL
SELECT id, supersedes_id, depth FROM later WHERE depth > 0
"""


@dataclass(frozen=True)
class LineageStep:
    """One published clause of a lineage and how it differs from the one before it."""

    clause: Clause
    previous: Clause | None
    heading_diff: SafeString | None
    text_diff: SafeString | None


def lineage_links(clause_id: int) -> dict[int, tuple[int | None, int]]:
    """``clause_id`` (published or not) and the published clauses linked to it through
    published clauses, as ``{id: (supersedes_id, depth)}``; depth is negative for
    earlier clauses."""
    sql = _LINEAGE_SQL.format(
        table=connection.ops.quote_name(Clause._meta.db_table),
        announcements=connection.ops.quote_name(Announcement._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            {"start": clause_id, "max_depth": LINEAGE_MAX_DEPTH, "published": Status.PUBLISHED},
        )
        rows = cursor.fetchall()
    links: dict[int, tuple[int | None, int]] = {}
    for clause, supersedes, depth in rows:
        # A loop reaches a clause again at another depth: keep the first (nearest) one.
        if clause not in links or abs(depth) < abs(links[clause][1]):
            links[clause] = (supersedes, depth)
    return links


def clause_lineage(clause: Clause) -> list[LineageStep]:
    """The published clauses of ``clause``'s lineage, oldest to newest, each with
    the word diff against the clause it supersedes (when that is published).

    An unpublished clause ends the chain where it stands. Two queries."""
    links = lineage_links(clause.pk)
    published = {
        c.pk: c
        for c in Clause.objects.published()
        .filter(pk__in=links)
        .select_related("announcement")
        .only(
            "heading",
            "text",
            "position",
            "effect",
            "supersedes_id",
            "announcement__title",
            "announcement__slug",
            "announcement__date",
            "announcement__date_precision",
        )
    }
    if clause.pk not in published:
        published[clause.pk] = clause
    ordered = sorted(
        published.values(),
        key=lambda c: (links[c.pk][1], c.announcement.date is None, c.announcement.date, c.pk),
    )
    steps = []
    for current in ordered:
        previous = published.get(links[current.pk][0])
        steps.append(
            LineageStep(
                clause=current,
                previous=previous,
                heading_diff=word_diff(previous.heading, current.heading) if previous else None,
                text_diff=word_diff(previous.text, current.text) if previous else None,
            )
        )
    return steps


_TOKEN = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> SafeString:
    """``new`` as escaped HTML, with words removed since ``old`` in ``<del>`` and
    words added in ``<ins>``. Whitespace is kept as it is."""
    old_tokens = _TOKEN.findall(old or "")
    new_tokens = _TOKEN.findall(new or "")
    if max(len(old_tokens), len(new_tokens)) > DIFF_MAX_TOKENS:
        opcodes = [("replace", 0, len(old_tokens), 0, len(new_tokens))]
    else:
        matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
        opcodes = matcher.get_opcodes()
    parts: list[str] = []
    for tag, old_start, old_end, new_start, new_end in opcodes:
        removed = "".join(old_tokens[old_start:old_end])
        added = "".join(new_tokens[new_start:new_end])
        if tag == "equal":
            parts.append(escape(added))
        elif tag == "delete":
            parts.append(_marked("del", removed))
        elif tag == "insert":
            parts.append(_marked("ins", added))
        else:
            # The new text's spacing stands; the deleted words sit just before it.
            parts.append(f"<del>{escape(removed.strip())}</del>" if removed.strip() else "")
            parts.append(_marked("ins", added))
    # Every piece of text above went through escape(); only our own tags are raw.
    return mark_safe("".join(parts))  # noqa: S308


def _marked(tag: str, text: str) -> str:
    """``text`` escaped and wrapped in ``<tag>``, its outer whitespace left outside."""
    core = text.strip()
    if not core:
        return escape(text)
    start = text.index(core)
    return f"{escape(text[:start])}<{tag}>{escape(core)}</{tag}>{escape(text[start + len(core) :])}"
