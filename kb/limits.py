"""How long each text of a record may be, and which characters it may hold.

The limits fit real records with room to spare (docs/editing/rules.md gives the
figures): an announcement's full text may be a whole contract, a clause is one term
of it. The model validators give the editor and the importers a message naming
the limit; the check constraints (``length_constraint``) hold the line for any
other writer.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

# CUAD's longest contract is 338,211 characters and the importers read at most 4 MB
# of text (kb.importers.cuad.MAX_CONTRACT_TEXT_BYTES); 5,000,000 leaves room for a
# contract ten times longer.
ANNOUNCEMENT_TEXT_MAX_CHARS = 5_000_000
# CUAD's longest labelled clause is 4,245 characters and the longest paragraph of any
# of its contracts 9,575: a clause of more than 50,000 characters is a whole
# document pasted into the wrong field.
CLAUSE_TEXT_MAX_CHARS = 50_000
# A summary, a topic's description, a party's aliases: a few paragraphs or lines.
SUMMARY_MAX_CHARS = 10_000
DESCRIPTION_MAX_CHARS = 10_000
ALIASES_MAX_CHARS = 10_000
# One-line fields keep their CharField max_length (names 200, titles and headings 500).

# C0 controls and DEL. Names, titles and headings are one line: none of them at all.
# Long texts keep tab, line feed and carriage return.
_CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refuse_control(value: str, pattern: re.Pattern) -> None:
    if match := pattern.search(value or ""):
        raise ValidationError(
            "Contains a control character (U+%(code)04X) at character %(position)d: remove it.",
            code="control_character",
            params={"code": ord(match.group()), "position": match.start() + 1},
        )


def validate_single_line(value: str) -> None:
    """Refuse control characters (tab and line breaks included) in a name, title or heading."""
    _refuse_control(value, _CONTROL_IN_LINE)


def validate_text(value: str) -> None:
    """Refuse control characters other than tab and line breaks in a long text."""
    _refuse_control(value, _CONTROL_IN_TEXT)


def text_validators(max_chars: int) -> list:
    return [MaxLengthValidator(max_chars), validate_text]


def length_constraint(constraint_name: str, /, **limits: int) -> models.CheckConstraint:
    """No field of ``limits`` is longer (in characters) than its limit."""
    condition = models.Q()
    for field, limit in limits.items():
        condition &= models.Q(LessThanOrEqual(Length(field), limit))
    described = ", ".join(f"{field} {limit:,}" for field, limit in limits.items())
    return models.CheckConstraint(
        condition=condition,
        name=constraint_name,
        violation_error_message=f"A text is longer than its limit (characters: {described}).",
    )
