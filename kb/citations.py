"""The citation line of a clause page: who, what, which clause, when, where.

``Microsoft and OpenAI. “Joint Statement”, clause 4: “Azure remains …”. Date unknown.
https://… http://kb/clauses/12/``: each part ends with one full stop, never two (a
party called "Inc." or a heading ending in "." brings its own), and the clause is
quoted in its own words, never cut.
"""

from __future__ import annotations

import re

from kb.models import Clause

# Ends a sentence: its stop, any closing quote or bracket, then a capital or the end.
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*(?=\s+[\"“(]?[A-Z0-9]|\s*$)")
_ABBREVIATED = ("…", "...")
_STOPS = (".", "!", "?", "…")


def full_heading(clause: Clause) -> str:
    """The heading, or when it is the first words of the clause's own text cut with "…"
    (as CUAD's importer heads its clauses), the whole first sentence of the text."""
    heading = clause.heading.strip()
    if not heading.endswith(_ABBREVIATED):
        return heading
    start = heading.rstrip(".… ").strip()
    text = " ".join(clause.text.split())
    if not start or not text.startswith(start):
        return heading
    end = _SENTENCE_END.search(text, len(start))
    return text[: end.end()] if end else text


def _with_stop(text: str) -> str:
    """``text`` ending with one full stop: its own when it has one."""
    return text if text.rstrip('"”’)').endswith(_STOPS) else f"{text}."


def clause_citation(clause: Clause, permalink: str) -> str:
    """The citation of ``clause`` (its announcement and the announcement's parties
    loaded), ending with ``permalink``."""
    announcement = clause.announcement
    parties = " and ".join(party.name for party in announcement.parties.all())
    parts = [
        _with_stop(parties) if parties else "",
        # A heading that ends a sentence ends the citation's part too: “… unchanged.”
        _with_stop(f"“{announcement.title}”, clause {clause.position}: “{full_heading(clause)}”"),
        _with_stop(str(announcement.partial_date)),
        _with_stop(announcement.source_url) if announcement.source_url else "",
        permalink,
    ]
    return " ".join(part for part in parts if part)
