"""Equivalent expressions of general legal English, for query expansion.

Where this comes from: the synonyms, word families and doublets of ordinary commercial
contract drafting, as legal dictionaries and drafting guides list them (e.g. "indemnify
and hold harmless", "consequential, incidental, special or indirect damages", "sole
and exclusive remedy", "governed by the laws of"). It is general vocabulary, written
from that knowledge of how contracts say things, not from any benchmark's judgements,
and deliberately small: a word with an ordinary sense besides the legal one ("term",
"party", "agreement") has no entry.

Each line is one set of equivalent expressions, separated by "|"; an expression of
several words is matched, and searched, as a phrase. Forms of one expression that the
engines' stemmers already match alike are listed after it, separated by ",": they are
recognised in a query, never searched twice (a test checks this with the Porter and
Snowball stemmers). The stemmers keep some forms of one family apart ("indemnify",
"indemnification", "indemnity"): those are separate expressions. A query's word (or run
of words) typed unquoted, not excluded, not a prefix, that is a form of an expression
is searched as "it OR the other expressions of its set" (see ``query.py``).
"""

from __future__ import annotations

import re

_SETS = """
indemnify, indemnifies, indemnified | indemnification | indemnity, indemnities | hold harmless
terminate, terminates, terminated, termination | cancel, cancels, cancelled, cancellation
cap | limit, limits, limitation | maximum | exceed, exceeds
non compete | noncompete | compete, competing | competition
assign, assigns, assigned, assignment | transfer, transfers, transferred
warranty, warranties | warrant, warrants, warranted
confidential, confidentiality | non disclosure | nondisclosure
governing law | governed by | choice of law
liability, liabilities | liable
indirect | consequential | incidental
lost profits | loss of profits | lost revenue | loss of revenue
waiver, waivers | waive, waives, waived
carveout, carveouts | carve out | exception, exceptions, except
exclusive remedy | sole remedy | sole and exclusive remedy
personal injury | bodily injury
intellectual property | ip
most favored nation | most favoured nation | most favored customer | mfn
non disparagement | nondisparagement | disparage, disparaging
breach, breaches | violation, violations, violate, violates
notice, notices | notify, notifies | notification
comply, complies | compliance
fraud | fraudulent
infringement, infringe, infringes | misappropriation, misappropriate
auto renew | automatically renew, automatic renewal, automatically renewed | automatically extended
for convenience | without cause
buyer, buyers | purchaser, purchasers
seller, sellers | vendor, vendors | supplier, suppliers
audit, audits | inspect, inspection
insurance, insurer, insured | coverage
"""
Expression = tuple[str, ...]


def _words(text: str) -> Expression:
    return tuple(re.findall(r"[^\W_]+", text.lower()))


def parse_sets(text: str) -> list[list[list[Expression]]]:
    """Each set: its expressions, each a list of forms (the first is the one searched)."""
    return [
        [[_words(form) for form in expression.split(",")] for expression in line.split("|")]
        for line in text.strip().splitlines()
    ]


def _equivalents(sets) -> dict[Expression, tuple[Expression, ...]]:
    equivalents: dict[Expression, tuple[Expression, ...]] = {}
    for expressions in sets:
        for index, forms in enumerate(expressions):
            others = tuple(
                other[0] for position, other in enumerate(expressions) if position != index
            )
            for form in forms:
                if form in equivalents:
                    raise ValueError(f"{' '.join(form)!r} is twice in the thesaurus")
                equivalents[form] = others
    return equivalents


SETS = parse_sets(_SETS)
# A form (its words, lower case) -> the other expressions of its set, as searched.
EQUIVALENTS = _equivalents(SETS)
# The longest expression, in words: how far the parser looks ahead.
LONGEST = max(len(expression) for expression in EQUIVALENTS)
