"""The query syntax, parsed into a small tree that each backend compiles.

Syntax: words are ANDed; ``"exact phrase"``; ``a OR b``; ``-word`` and ``-"phrase"``
exclude; ``licen*`` is a prefix. Anything else is plain words: punctuation splits a
word into a phrase of its parts (``non-exclusive``, ``OpenAI's``), and characters
that are neither letters nor digits are dropped. A number, a percentage or an
amount (``27%``, ``$135``, ``2,000``) matches its digits and ranks higher where it
is written as typed. Unquoted English
stopwords ("cap on liability at fees paid") are left out, unless the query has
nothing else; inside quotes every word counts. An unquoted word or hyphenated word
(or a run of them) that the thesaurus knows (``thesaurus.py``: general legal English,
"indemnify" | "hold harmless") is searched as it OR its equivalents; quoted phrases,
exclusions, prefixes and a user's own ``OR`` are left as typed. The tree holds only
letters and digits, so no user text can reach a backend as syntax.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from kb.search.constants import (
    MAX_EXPANSIONS,
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    MIN_PREFIX_LENGTH,
    TYPED_TERM_WEIGHT,
)
from kb.search.schema import NUMBER_PATTERN
from kb.search.stopwords import STOPWORDS
from kb.search.thesaurus import EQUIVALENTS, LONGEST

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\uff07": "'"})
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u201e": '"', "\uff02": '"'})
# A token: an optionally negated quoted phrase (closing quote optional), or a run of
# anything but spaces and quotes.
_TOKEN = re.compile(r'(?P<neg>-?)"(?P<phrase>[^"]*)"?|(?P<word>[^\s"]+)')
# Letters and digits, as the index's analyzers see words.
_WORD_PART = re.compile(r"[^\W_]+")
_NUMBER = re.compile(NUMBER_PATTERN)
# Punctuation around a number that is not part of it ("27%," or "(2032)").
_AROUND_NUMBER = ".,;:!?()[]{}'\""


class QueryError(ValueError):
    """A query that cannot be run; the message is fit to show the user."""


@dataclass(frozen=True)
class Term:
    """One word, or a phrase of several words in order; ``prefix`` on one word only;
    ``as_written``: a number as typed ("27%", "$135", "1.5"), when it differs from its
    words; ``expansion`` when the thesaurus added it (not compared: typed or added, a
    term is the same term)."""

    words: tuple[str, ...]
    prefix: bool = False
    expansion: bool = field(default=False, compare=False)
    as_written: str | None = None

    @property
    def is_phrase(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True)
class ParsedQuery:
    """``groups`` are ANDed (ORed when ``any_group``); the terms inside a group are
    ORed; ``excluded`` terms must not match."""

    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    any_group: bool = False
    text: str = field(default="", compare=False)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def terms(self) -> list[Term]:
        return [term for group in self.groups for term in group]

    def weighted_terms(self) -> list[tuple[Term, int]]:
        """``terms`` with their weight in the rank (see ``weighted``)."""
        return [pair for group in self.groups for pair in weighted(group)]

    @property
    def expansions(self) -> list[Term]:
        """The terms the thesaurus added ("also searched")."""
        return [term for term in self.terms if term.expansion]

    def relaxed(self) -> ParsedQuery | None:
        """Any of the groups ("closest matches"), or None when that would not differ.
        The syntax keeps its meaning: a quoted phrase still matches only as that
        phrase, excluded words stay excluded, and a word's equivalents stay with it."""
        if len(self.groups) < 2 or self.any_group:
            return None
        return replace(self, any_group=True)


def weighted(group: tuple[Term, ...]) -> list[tuple[Term, int]]:
    """A group's terms with their weight in the rank: ``TYPED_TERM_WEIGHT`` for the
    typed term of a group the thesaurus added equivalents to, 1 otherwise."""
    expanded = any(term.expansion for term in group)
    return [(term, TYPED_TERM_WEIGHT if expanded and not term.expansion else 1) for term in group]


def parse_query(text: str | None, *, expand: bool = True) -> ParsedQuery:
    """Parse what a user typed; ``expand`` adds the thesaurus's equivalents. Raises
    QueryError on a query too long to run."""
    text = text or ""
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError(f"The query is too long: at most {MAX_QUERY_LENGTH} characters.")
    normalized = unicodedata.normalize("NFC", text).translate(_APOSTROPHES).translate(_QUOTES)
    # Each term with whether it is an unquoted stopword (left out if anything remains).
    groups: list[list[tuple[Term, bool]]] = []
    # The indexes of the groups holding one plain (unquoted, not a prefix) term.
    plain: set[int] = set()
    excluded: list[tuple[Term, bool]] = []
    join_with_previous = False
    for match in _TOKEN.finditer(normalized):
        if match["word"] == "OR":
            join_with_previous = bool(groups)
            continue
        negated, term = _term(match)
        if term is None:
            continue
        stopword = match["phrase"] is None and _is_stopword(term)
        if negated:
            excluded.append((term, stopword))
            join_with_previous = False
            continue
        if join_with_previous:
            groups[-1].append((term, stopword))
            plain.discard(len(groups) - 1)
        else:
            groups.append([(term, stopword)])
            if match["phrase"] is None and not term.prefix:
                plain.add(len(groups) - 1)
        join_with_previous = False
    if excluded and not groups:
        raise QueryError('Add a word to look for: "-word" only excludes.')
    if expand:
        groups = _expand(groups, plain)
    content = [[term for term, stopword in group if not stopword] for group in groups]
    kept = (
        [group for group in content if group]
        if any(content)
        else [[term for term, _ in group] for group in groups]
    )
    kept_excluded = [term for term, stopword in excluded if not stopword]
    count = sum(1 for group in kept for term in group if not term.expansion) + len(kept_excluded)
    if count > MAX_TERMS:
        raise QueryError(f"The query has too many words: at most {MAX_TERMS}.")
    return ParsedQuery(
        groups=tuple(tuple(dict.fromkeys(group)) for group in kept),
        excluded=tuple(dict.fromkeys(kept_excluded)),
        text=text,
    )


def _expand(groups: list[list[tuple[Term, bool]]], plain: set[int]):
    """Each run of plain groups that spells an expression of the thesaurus (the
    longest first) becomes one group: the expression (a phrase if it has several
    words) OR its equivalents, at most ``MAX_EXPANSIONS`` added in all."""
    expanded: list[list[tuple[Term, bool]]] = []
    added = 0
    index = 0
    while index < len(groups):
        match = None
        if index in plain and added < MAX_EXPANSIONS:
            words: tuple[str, ...] = ()
            for end in range(index, min(index + LONGEST, len(groups))):
                if end not in plain:
                    break
                words += groups[end][0][0].words
                if words in EQUIVALENTS:
                    match = end, words
        if match is None:
            expanded.append(groups[index])
            index += 1
            continue
        end, words = match
        term, stopword = groups[index][0] if end == index else (Term(words), False)
        others = EQUIVALENTS[words][: MAX_EXPANSIONS - added]
        added += len(others)
        expanded.append(
            [(term, stopword), *((Term(other, expansion=True), False) for other in others)]
        )
        index = end + 1
    return expanded


def _is_stopword(term: Term) -> bool:
    return len(term.words) == 1 and not term.prefix and term.words[0] in STOPWORDS


def _term(match: re.Match) -> tuple[bool, Term | None]:
    if match["phrase"] is not None:
        words = tuple(part.lower() for part in _WORD_PART.findall(match["phrase"]))
        return bool(match["neg"]), (Term(words) if words else None)
    raw = match["word"]
    negated = raw.startswith("-") and len(raw) > 1
    if negated:
        raw = raw[1:]
    words = tuple(part.lower() for part in _WORD_PART.findall(raw))
    if not words:
        return False, None
    prefix = raw.endswith("*") and len(words) == 1 and len(words[0]) >= MIN_PREFIX_LENGTH
    return negated, Term(words, prefix=prefix, as_written=_as_written(raw, words))


def _as_written(raw: str, words: tuple[str, ...]) -> str | None:
    """The number ``raw`` spells, when it is one and more than its digits ("27%")."""
    number = raw.strip(_AROUND_NUMBER).lower()
    if not _NUMBER.fullmatch(number) or number == "".join(words):
        return None
    return number
