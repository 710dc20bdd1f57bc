"""Timing helpers for the benchmark commands: run a call repeatedly, report
percentiles, print aligned tables. Figures, not pass/fail: targets are read by
people from the printed table (see the README, "Performance")."""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kb.models import Clause
from kb.search import parse_query


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of durations in seconds, in milliseconds."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1] * 1000


@dataclass(frozen=True)
class Timing:
    """Durations of repeated calls, in seconds: wall clock, and the CPU time of
    this process (on a machine shared with other work, the CPU time shows what a
    call costs without the time spent waiting for a core; SQLite runs in-process,
    so it includes the database's work, PostgreSQL's server time it does not)."""

    samples: tuple[float, ...]
    cpu_samples: tuple[float, ...] = ()

    @property
    def p50(self) -> float:
        return percentile(self.samples, 0.50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 0.95)

    @property
    def cpu_p50(self) -> float:
        return percentile(self.cpu_samples, 0.50)

    @property
    def cpu_p95(self) -> float:
        return percentile(self.cpu_samples, 0.95)


def time_calls(call: Callable[[], object], *, repeat: int, warmup: int = 1) -> Timing:
    """Run ``call`` ``warmup`` times untimed (caches warm), then ``repeat`` times."""
    for _ in range(warmup):
        call()
    samples, cpu_samples = [], []
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a collection inside one sample would be noise, not the query's cost
    try:
        for _ in range(repeat):
            started, cpu_started = time.perf_counter(), time.process_time()
            call()
            samples.append(time.perf_counter() - started)
            cpu_samples.append(time.process_time() - cpu_started)
    finally:
        if gc_was_enabled:
            gc.enable()
    return Timing(tuple(samples), tuple(cpu_samples))


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A Markdown table (readable as text, pasteable into the README)."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]

    def line(values):
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    return "\n".join(
        [line(headers), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        + [line(row) for row in cells]
    )


def icontains_clauses(text: str, queryset: QuerySet | None = None) -> QuerySet:
    """What Django admin's search does with ``search_fields = ["heading", "text"]``:
    every word (a phrase as one string, a prefix without its star) must occur in
    the heading or the text, as a case-insensitive substring."""
    queryset = Clause.objects.published() if queryset is None else queryset
    for term in parse_query(text).terms:
        needle = " ".join(term.words)
        queryset = queryset.filter(Q(heading__icontains=needle) | Q(text__icontains=needle))
    return queryset
