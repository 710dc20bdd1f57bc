"""Word-level differences between two texts, as escaped HTML with ``<del>`` and ``<ins>``.

Used where an editor must see what changed: the lost-update conflict message and the
history pages. Both texts are compared with their line endings made plain (``\\r\\n``
and ``\\r`` count as ``\\n``), so a text that differs only in line endings is no change.
"""

from __future__ import annotations

import difflib
import re

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# A token is a run of white space or a run of anything else: words keep their
# punctuation, and the spaces between them are kept as they were.
_TOKEN = re.compile(r"\s+|\S+")
# Unchanged words shown on either side of a change; longer unchanged stretches are
# cut to "…".
CONTEXT_WORDS = 8
# Above this many tokens (after the common start and end are set aside) the middle
# is shown as removed and added whole: difflib's matching grows with the square of
# the length, and a change that large is not read word by word anyway.
MAX_DIFF_TOKENS = 20_000
ELLIPSIS = "…"


def normalise_newlines(text: str) -> str:
    """``text`` with every line ending as ``\\n`` (browsers send ``\\r\\n``)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def word_diff(old: str, new: str, *, context: int | None = CONTEXT_WORDS) -> SafeString:
    """``old`` turned into ``new``: unchanged text as is, removed words in ``<del>``,
    added words in ``<ins>``, all escaped. With ``context``, unchanged stretches keep
    that many words either side of a change and lose the rest to "…"."""
    before = _TOKEN.findall(normalise_newlines(old))
    after = _TOKEN.findall(normalise_newlines(new))
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end = 0
    while (
        end < min(len(before), len(after)) - start
        and before[len(before) - 1 - end] == after[len(after) - 1 - end]
    ):
        end += 1
    middle_before = before[start : len(before) - end]
    middle_after = after[start : len(after) - end]
    pieces: list[tuple[str, list[str]]] = [("equal", before[:start])]
    if len(middle_before) + len(middle_after) > MAX_DIFF_TOKENS:
        pieces += [("delete", middle_before), ("insert", middle_after)]
    else:
        matcher = difflib.SequenceMatcher(None, middle_before, middle_after, autojunk=False)
        for op, i1, i2, j1, j2 in matcher.get_opcodes():
            if op in ("equal", "delete", "replace"):
                pieces.append(("equal" if op == "equal" else "delete", middle_before[i1:i2]))
            if op in ("insert", "replace"):
                pieces.append(("insert", middle_after[j1:j2]))
    pieces.append(("equal", before[len(before) - end :]))
    pieces = _merged([(op, tokens) for op, tokens in pieces if tokens])
    html = []
    for index, (op, tokens) in enumerate(pieces):
        if op == "delete":
            html.append(format_html("<del>{}</del>", "".join(tokens)))
        elif op == "insert":
            html.append(format_html("<ins>{}</ins>", "".join(tokens)))
        else:
            first, last = index == 0, index == len(pieces) - 1
            html.append(escape(_shortened(tokens, context, first=first, last=last)))
    return mark_safe("".join(html))  # noqa: S308  (every piece is escaped above)


def _merged(pieces: list[tuple[str, list[str]]]) -> list[tuple[str, list[str]]]:
    """Changes separated only by white space as one change: "<del>a b</del><ins>c d</ins>"
    reads better than "<del>a</del><ins>c</ins> <del>b</del><ins>d</ins>"."""
    merged: list[tuple[str, list[str]]] = []
    removed: list[str] = []
    added: list[str] = []

    def flush() -> None:
        if removed:
            merged.append(("delete", removed.copy()))
        if added:
            merged.append(("insert", added.copy()))
        removed.clear()
        added.clear()

    for index, (op, tokens) in enumerate(pieces):
        between_changes = (
            op == "equal"
            and (removed or added)
            and index + 1 < len(pieces)
            and all(token.isspace() for token in tokens)
        )
        if op == "delete" or between_changes:
            removed.extend(tokens)
        if op == "insert" or between_changes:
            added.extend(tokens)
        if op == "equal" and not between_changes:
            flush()
            merged.append((op, tokens))
    flush()
    return merged


def _shortened(tokens: list[str], context: int | None, *, first: bool, last: bool) -> str:
    """An unchanged stretch, keeping ``context`` words next to the changes around it
    (none before the text's start or after its end)."""
    if context is None or (first and last):
        return "".join(tokens)
    words = [i for i, token in enumerate(tokens) if not token.isspace()]
    keep_start = 0 if first else context  # words kept after the change before
    keep_end = 0 if last else context  # words kept before the change after
    if len(words) <= keep_start + keep_end + 1:
        return "".join(tokens)
    head = "".join(tokens[: words[keep_start]]) if keep_start else ""
    tail = "".join(tokens[words[len(words) - keep_end - 1] + 1 :]) if keep_end else ""
    return f"{head}{ELLIPSIS}{tail}"
