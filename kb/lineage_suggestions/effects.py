"""Which effect a new clause has on an earlier one it continues: the rules.

Written from how agreements and announcements word their changes, not fitted to
any data: an amendment says what it deletes ("is hereby deleted", "no longer"),
what it puts in place of the old words ("replaces", "amended and restated",
"in lieu of"), or restates the term with other figures (another year, amount,
duration, or exclusivity); a confirmation says the terms "remain unchanged",
"continue" or are "ratified and confirmed".

The rules, first match wins (a phrase counts only where the new clause says it and
the earlier one does not, with the word before it: words carried over from the
earlier wording change nothing):

0. The same words: **reaffirms**.
1. The new clause says it removes the term (``REMOVAL_PHRASES``): **removes**,
   stored as ``ClauseEffect.REMOVED`` (the lineage ends there).
2. It says it replaces the earlier wording (``REPLACEMENT_PHRASES``): **replaces**,
   stored as ``ClauseEffect.AMENDED`` (the new wording is the term from now on;
   the model has no separate "replaced", and "removed" would end the lineage).
3. Both clauses state an attribute and the values differ: exclusivity, years,
   durations, amounts, or scope (limited against unlimited): **amends**.
4. It says it changes the term (``CHANGE_PHRASES``: "extends", "increases"): **amends**.
5. Otherwise **reaffirms** (``ClauseEffect.REAFFIRMED``): the terms agree, and the
   reason says so in the clause's own words when it has them
   (``REAFFIRMATION_PHRASES``).

An attribute only one clause states is not a difference: silence is not a change.
A phrase right after a negation ("shall not be removed", "does not change") does
not count.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from kb.models import ClauseEffect

REMOVAL_PHRASES = (
    "removes", "removed", "remove", "deletes", "deleted", "delete", "eliminates",
    "eliminated", "no longer", "ceases to", "cease to", "shall cease", "struck",
    "rescinds", "rescinded", "revokes", "revoked", "repealed", "discontinues",
    "discontinued", "is of no further force", "shall be of no further force",
)  # fmt: skip
REPLACEMENT_PHRASES = (
    "replaces", "replaced", "replace", "supersedes", "superseded", "in lieu of",
    "in its entirety", "amended and restated", "restated", "substitutes", "substituted",
    "instead of", "amended to read", "hereby amended",
)  # fmt: skip
CHANGE_PHRASES = (
    "amends", "amended", "modifies", "modified", "extends", "extended", "extending",
    "increases", "increased", "increasing", "reduces", "reduced", "reducing",
    "decreases", "decreased", "expands", "expanded", "narrows", "narrowed",
    "restricts", "restricted", "revises", "revised", "changes", "changed", "simplifies",
    "introduces", "adds", "added",
)  # fmt: skip
REAFFIRMATION_PHRASES = (
    "remains unchanged", "remain unchanged", "continues unchanged", "unchanged",
    "remains the same", "remain the same", "in full force and effect", "reaffirms",
    "reaffirmed", "ratified and confirmed", "ratifies", "confirms", "continues to",
    "continue to", "continues", "remains", "remain", "maintains", "does not change",
    "no change",
)  # fmt: skip
# A phrase this few words after one of these is negated ("will not be removed").
NEGATIONS = ("not", "never", "no", "nothing", "without", "neither", "nor")
NEGATION_REACH = 3

NON_EXCLUSIVE_PHRASES = ("non exclusive", "nonexclusive", "not exclusive")
EXCLUSIVE_PHRASES = ("exclusive", "exclusivity", "exclusively", "sole and exclusive")
LIMITING_PHRASES = ("only", "solely", "limited to", "except", "excluding", "other than")
UNLIMITED_PHRASES = ("all", "any", "every", "worldwide", "entire", "unlimited")

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "twenty": 20, "thirty": 30, "sixty": 60, "ninety": 90,
}  # fmt: skip
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_DURATION = re.compile(
    r"\b(?P<count>\d+|" + "|".join(_NUMBER_WORDS) + r")(?:\s*\(\d+\))?[\s-]*"
    r"(?P<unit>year|month|week|day)s?\b",
    re.IGNORECASE,
)
_SCALE = {"thousand": 1e3, "k": 1e3, "million": 1e6, "m": 1e6, "billion": 1e9, "b": 1e9}
_AMOUNT = re.compile(
    r"(?P<currency>[$€£¥])\s?(?P<number>\d[\d,]*(?:\.\d+)?)\s*"
    r"(?P<scale>thousand|million|billion|[kmb]\b)?"
    r"|(?P<percent>\d+(?:\.\d+)?)\s*(?:%|percent\b|per cent\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Proposal:
    effect: str  # a ClauseEffect value
    verb: str  # "reaffirms", "amends", "replaces" or "removes"
    because: str  # a short phrase for the editor


def propose_effect(new: str, earlier: str) -> Proposal:
    """The effect the clause worded ``new`` (heading and text) most likely has on
    the earlier clause worded ``earlier``."""
    current, old = _reading(new), _reading(earlier)
    if current.words == old.words:
        return Proposal(ClauseEffect.REAFFIRMED, "reaffirms", "same wording")

    def said(phrases):
        # What the new clause says that the earlier one did not: a "deleted" carried
        # over from the earlier wording (with the word before it: "is hereby
        # extended" is new beside "unless extended") is not this clause deleting.
        for phrase, context in _said_all(current.words, phrases):
            if _pattern(context).search(old.words) is None:
                return phrase
        return None

    if phrase := said(REMOVAL_PHRASES):
        return Proposal(ClauseEffect.REMOVED, "removes", f"says it {_third_person(phrase)}")
    if phrase := said(REPLACEMENT_PHRASES):
        return Proposal(ClauseEffect.AMENDED, "replaces", f"says “{phrase}”")
    if changes := differences(new, earlier):
        return Proposal(ClauseEffect.AMENDED, "amends", "; ".join(changes))
    if phrase := said(CHANGE_PHRASES):
        return Proposal(ClauseEffect.AMENDED, "amends", f"says “{phrase}”")
    if phrase := _said(current.words, REAFFIRMATION_PHRASES):
        return Proposal(ClauseEffect.REAFFIRMED, "reaffirms", f"says “{phrase}”")
    return Proposal(ClauseEffect.REAFFIRMED, "reaffirms", "no change found in the terms")


def differences(new: str, earlier: str) -> list[str]:
    """What the two wordings state differently, each as "what changed (old → new)"."""
    old, current = _reading(earlier), _reading(new)
    changes = []
    for name in ("exclusivity", "dates", "term", "amounts", "scope"):
        before, after = getattr(old, name), getattr(current, name)
        if before and after and before != after:
            changes.append(f"{name} changed ({_shown(before)} → {_shown(after)})")
    return changes


@dataclass(frozen=True)
class _Reading:
    """What the rules read in one wording."""

    words: str  # lower-case words, each between single spaces
    exclusivity: str | None
    dates: frozenset[str]
    term: frozenset[str]
    amounts: frozenset[str]
    scope: str | None


@functools.lru_cache(maxsize=256)
def _reading(text: str) -> _Reading:
    """Read once per wording: ranking compares one clause with many."""
    words = " " + " ".join(word.lower() for word in _WORD.findall(text)) + " "
    if _has(words, NON_EXCLUSIVE_PHRASES):
        exclusivity = "non-exclusive"
    else:
        exclusivity = "exclusive" if _has(words, EXCLUSIVE_PHRASES) else None
    if _has(words, LIMITING_PHRASES):
        scope = "limited"
    else:
        scope = "unlimited" if _has(words, UNLIMITED_PHRASES) else None
    return _Reading(
        words=words,
        exclusivity=exclusivity,
        dates=_years(text),
        term=_durations(text),
        amounts=_amounts(text),
        scope=scope,
    )


@functools.cache
def _pattern(phrase: str) -> re.Pattern:
    return re.compile(" " + re.escape(phrase) + " ")


def _said(words: str, phrases: tuple[str, ...]) -> str | None:
    """The first of ``phrases`` (in their order) that ``words`` contain, not negated."""
    return next((phrase for phrase, _ in _said_all(words, phrases)), None)


def _said_all(words: str, phrases: tuple[str, ...]):
    """Each of ``phrases`` (in their order) that ``words`` contain, not negated, with
    the word before it."""
    for phrase in phrases:
        for match in _pattern(phrase).finditer(words):
            before = words[max(0, match.start() - 80) : match.start()].split()
            if not any(word in NEGATIONS for word in before[-NEGATION_REACH:]):
                yield phrase, " ".join([*before[-1:], phrase])


def _has(words: str, phrases: tuple[str, ...]) -> bool:
    return any(_pattern(phrase).search(words) for phrase in phrases)


def _years(text: str) -> frozenset[str]:
    return frozenset(_YEAR.findall(text))


def _durations(text: str) -> frozenset[str]:
    found = set()
    for match in _DURATION.finditer(text):
        count = match["count"].lower()
        number = int(count) if count.isdigit() else _NUMBER_WORDS[count]
        unit = match["unit"].lower()
        found.add(f"{number} {unit}{'s' if number != 1 else ''}")
    return frozenset(found)


def _amounts(text: str) -> frozenset[str]:
    found = set()
    for match in _AMOUNT.finditer(text):
        if match["percent"]:
            found.add(f"{float(match['percent']):g}%")
            continue
        value = float(match["number"].replace(",", ""))
        value *= _SCALE.get((match["scale"] or "").lower(), 1)
        found.add(f"{match['currency']}{_readable(value)}")
    return frozenset(found)


def _readable(value: float) -> str:
    for name, scale in (("billion", 1e9), ("million", 1e6)):
        if value >= scale:
            return f"{value / scale:g} {name}"
    return f"{value:,.2f}".removesuffix(".00")


def _shown(value) -> str:
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    return value


def _third_person(phrase: str) -> str:
    """ "removed" -> "removes the term"; phrases already in the third person stay."""
    if phrase in ("no longer", "ceases to", "cease to", "shall cease"):
        return "no longer applies"
    return "removes the term"
