"""The one table printer of the development tools."""

from __future__ import annotations

import re
from collections.abc import Sequence

_NUMBER = re.compile(r"[-+]?[\d,]*\.?\d+( ?[%x])?")


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table with padded columns, readable as text and pasteable into the
    docs. A column whose cells are all numbers (or empty) is right-aligned."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]
    numeric = [
        any(row[i] for row in cells)
        and all(not row[i] or _NUMBER.fullmatch(row[i]) for row in cells)
        for i in range(len(headers))
    ]

    def line(values):
        padded = (
            value.rjust(width) if right else value.ljust(width)
            for value, width, right in zip(values, widths, numeric, strict=True)
        )
        return "| " + " | ".join(padded) + " |"

    rule = (
        "|"
        + "|".join(
            "-" * (width + 1) + (":" if right else "-")
            for width, right in zip(widths, numeric, strict=True)
        )
        + "|"
    )
    return "\n".join([line([str(h) for h in headers]), rule, *(line(row) for row in cells)])
