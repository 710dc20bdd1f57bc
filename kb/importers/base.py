"""What every importer shares: one party for one name, whitespace made plain, and
one error for input it cannot read (``FormatError``).

``PartyLookup`` is the only way an importer (statement, CUAD, knowledge base, demo)
finds or makes a party, so "MICROSOFT CORPORATION", "Microsoft Corp." and
"Microsoft" are one party with one slug whichever importer meets which spelling
first. Names are compared by ``party_key()``: case, accents, punctuation, a leading
"The" and corporate suffixes (Inc., Corp., Corporation, Ltd., LLC, L.P., GmbH, S.A.,
plc, ...) do not count. A party's aliases (one per line) count as its names.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.text import slugify

from kb.models import Party

PARTY_SLUG_MAX_CHARS = 200
# Names shorter than this are not looked for in running text ("AI", "IT" are words).
MIN_NAME_IN_TEXT_CHARS = 3

# Corporate forms, as the words party_key() leaves of them ("L.P." -> "lp",
# "S. A." -> "s a"); removed from the end of a name, as many as there are
# ("Acme Co., Ltd." -> "acme").
CORPORATE_SUFFIXES = frozenset(
    {
        ("inc",),
        ("incorporated",),
        ("corp",),
        ("corporation",),
        ("co",),
        ("company",),
        ("ltd",),
        ("limited",),
        ("llc",),
        ("lp",),
        ("l", "p"),
        ("llp",),
        ("lllp",),
        ("plc",),
        ("gmbh",),
        ("ag",),
        ("sa",),
        ("s", "a"),
        ("sas",),
        ("sarl",),
        ("sa", "rl"),
        ("spa",),
        ("nv",),
        ("n", "v"),
        ("bv",),
        ("b", "v"),
        ("pty",),
        ("pte",),
    }
)
_LONGEST_SUFFIX = max(len(suffix) for suffix in CORPORATE_SUFFIXES)
# Dots and apostrophes join what they separate ("L.P.", "E.piphany", "McDonald's").
_JOINING = re.compile(r"[.'’]")
_WORD = re.compile(r"[^\W_]+")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")


class FormatError(ValueError):
    """Input an importer cannot read, where: ``filename``, ``line`` (from 1; None when
    the problem is the whole file) and ``message``. ``str()`` is what a command
    prints: "file:line: message", or "file: message" without a line."""

    def __init__(self, filename, line: int | None, message: str):
        self.filename = str(filename)
        self.line = line
        self.message = message
        where = f"{self.filename}:{line}" if line is not None else self.filename
        super().__init__(f"{where}: {message}")


def collapse_whitespace(text: str) -> str:
    """One line with single spaces: for titles, headings and names."""
    return " ".join(text.split())


def normalise_text(text: str) -> str:
    """A text's lines without runs of spaces (or tabs) or space at either end, and at
    most one blank line between paragraphs: the paragraph breaks are kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def party_key(name: str) -> str:
    """What two names of one party have in common: "MICROSOFT CORPORATION",
    "Microsoft Corp." and "microsoft" all give "microsoft". Words only, in lower
    case without accents; "&" is "and"; a leading "the" and trailing corporate
    suffixes are dropped (never the last word left)."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(char for char in text if not unicodedata.combining(char)).casefold()
    words = _WORD.findall(_JOINING.sub("", text.replace("&", " and ")))
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    trimmed = True
    while trimmed:
        trimmed = False
        for size in range(min(_LONGEST_SUFFIX, len(words) - 1), 0, -1):
            if tuple(words[-size:]) in CORPORATE_SUFFIXES:
                words = words[:-size]
                trimmed = True
                break
        if trimmed and len(words) > 1 and words[-1] == "and":  # "Smith & Co."
            words = words[:-1]
    return " ".join(words)


def party_slug(name: str) -> str:
    """A slug for a party's name; "/", "&" and "_" separate words."""
    slug = slugify(re.sub(r"[/&_]", " ", name))[:PARTY_SLUG_MAX_CHARS].strip("-")
    return slug or "party"


class PartyLookup:
    """The party each name stands for, within one import (one transaction).

    Every party's name and aliases are read once, on first use (a few columns of a
    table of at most some thousands of rows); where two parties share a key (made
    before this lookup existed), the older one is found. Parties this lookup makes
    are found from then on, saved or not, so one import never makes two for one name.
    """

    def __init__(self) -> None:
        self._by_key: dict[str, Party] | None = None
        self._slugs: set[str] = set()
        self._known: list[Party] = []

    def _parties(self) -> dict[str, Party]:
        if self._by_key is None:
            parties = list(
                Party.objects.order_by("pk").only("name", "short_name", "slug", "aliases")
            )
            by_key: dict[str, Party] = {}
            for party in parties:
                by_key.setdefault(party_key(party.name), party)
            for party in parties:  # aliases after every name: a name wins
                for alias in party.alias_list:
                    by_key.setdefault(party_key(alias), party)
            self._by_key = by_key
            self._slugs = {party.slug for party in parties}
            self._known = parties
        return self._by_key

    def named_in(self, text: str) -> list[Party]:
        """The known parties ``text`` names by name, short name or alias: whole
        words, any case; in the order of their first mention."""
        self._parties()
        by_name: dict[str, Party] = {}
        for party in self._known:
            for name in (party.name, party.short_name, *party.alias_list):
                name = collapse_whitespace(name)
                if len(name) >= MIN_NAME_IN_TEXT_CHARS:
                    by_name.setdefault(name.casefold(), party)
        if not by_name:
            return []
        # Longest first, so "Microsoft Corporation" wins over "Microsoft".
        names = sorted(by_name, key=len, reverse=True)
        pattern = re.compile(
            r"(?<!\w)(?:" + "|".join(re.escape(name) for name in names) + r")(?!\w)",
            re.IGNORECASE,
        )
        found = (
            by_name.get(match[0].casefold()) for match in pattern.finditer(" ".join(text.split()))
        )
        return list(dict.fromkeys(party for party in found if party is not None))

    def find(self, name: str) -> Party | None:
        """The party ``name`` stands for, or None."""
        return self._parties().get(party_key(name))

    def get_or_new(self, name: str) -> tuple[Party, bool]:
        """``(party, False)`` for a known party; ``(party, True)`` for a new one, not
        saved yet (the caller validates and saves it), named ``name`` with whitespace
        collapsed and a slug no other party has."""
        found = self.find(name)
        if found is not None:
            return found, False
        name = collapse_whitespace(name)
        party = Party(name=name, slug=self._free_slug(party_slug(name)))
        self.add(party)
        return party, True

    def add(self, party: Party) -> None:
        """Make ``party`` (new, from elsewhere) what its name stands for from now on."""
        self._parties().setdefault(party_key(party.name), party)
        self._slugs.add(party.slug)

    def _free_slug(self, base: str) -> str:
        slug, number = base, 2
        while slug in self._slugs:
            suffix = f"-{number}"
            slug, number = base[: PARTY_SLUG_MAX_CHARS - len(suffix)] + suffix, number + 1
        return slug
