"""Search results as CSV or JSON downloads (``?format=csv`` / ``?format=json``).

Exports stream: rows are read ``EXPORT_CHUNK_SIZE`` at a time with
``.iterator(chunk_size=...)`` (which also prefetches per chunk) and written as they
come, so memory stays flat however many rows. At most ``EXPORT_MAX_ROWS`` rows are
written (counting first would cost a second pass); the ``X-Export-Row-Limit``
header states the cap.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.db.models import Prefetch
from django.http import HttpResponseBadRequest, StreamingHttpResponse

from kb.api import api_clauses, clause_json, iso
from kb.models import Clause, Party, Topic

EXPORT_FORMATS = ("csv", "json")
EXPORT_MAX_ROWS = 100_000
EXPORT_CHUNK_SIZE = 2_000
# A spreadsheet runs a cell that starts with one of these as a formula
# (OWASP "CSV injection"); tab and carriage return can hide such a start.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

CSV_COLUMNS = [
    "id",
    "url",
    "heading",
    "text",
    "effect",
    "position",
    "announcement",
    "announcement_url",
    "announcement_date",
    "announcement_date_precision",
    "kind",
    "effective_from",
    "effective_from_precision",
    "effective_until",
    "effective_until_precision",
    "supersedes_id",
    "topics",
    "parties",
]


def neutralise_formula(value):
    """Prefix a text cell a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_row(request, clause: Clause) -> list:
    """One clause as a CSV row. Read from the clause rather than from ``clause_json()``:
    a row needs two of the five links that builds, and links cost most of an export."""
    announcement, earlier = clause.announcement, clause.supersedes
    row = {
        "id": clause.pk,
        "url": request.build_absolute_uri(clause.get_absolute_url()),
        "heading": clause.heading,
        "text": clause.text,
        "effect": clause.effect,
        "position": clause.position,
        "announcement": announcement.title,
        "announcement_url": request.build_absolute_uri(announcement.get_absolute_url()),
        "announcement_date": iso(announcement.date),
        "announcement_date_precision": announcement.date_precision,
        "kind": announcement.kind,
        "effective_from": iso(clause.effective_from),
        "effective_from_precision": clause.effective_from_precision,
        "effective_until": iso(clause.effective_until),
        "effective_until_precision": clause.effective_until_precision,
        "supersedes_id": earlier.pk if earlier and earlier.announcement.is_published else None,
        "topics": "; ".join(topic.name for topic in clause.topics.all()),
        "parties": "; ".join(party.name for party in clause.parties.all()),
    }
    return [neutralise_formula(row[column]) for column in CSV_COLUMNS]


class _Echo:
    """A file-like object whose write() hands back the line csv.writer produced."""

    def write(self, value: str) -> str:
        return value


def _clauses(rows) -> Iterator[Clause]:
    yield from rows[:EXPORT_MAX_ROWS].iterator(chunk_size=EXPORT_CHUNK_SIZE)


def _csv_clauses(queryset):
    """What a CSV row reads: ``api_clauses()`` without the successors it leaves out."""
    return queryset.select_related("announcement", "supersedes__announcement").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.only("name")),
        Prefetch("parties", queryset=Party.objects.only("name")),
    )


def _csv_lines(request, queryset) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # A byte-order mark so spreadsheet programs read the file as UTF-8.
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    for clause in _clauses(_csv_clauses(queryset)):
        yield writer.writerow(csv_row(request, clause))


def _json_chunks(request, queryset) -> Iterator[str]:
    yield "["
    for index, clause in enumerate(_clauses(api_clauses(queryset))):
        record = clause_json(request, clause)
        yield ("," if index else "") + "\n" + json.dumps(record, ensure_ascii=False)
    yield "\n]\n"


def export_response(request, queryset):
    """The export asked for by ``?format=``, or None when no export was asked for.

    ``queryset`` is the search page's result set (published clauses through
    ``ClauseFilter``), in the order to export. An unknown format is a 400.
    """
    export_format = request.GET.get("format")
    if not export_format:
        return None
    if export_format not in EXPORT_FORMATS:
        return HttpResponseBadRequest(
            f"Unknown export format; use one of: {', '.join(EXPORT_FORMATS)}.",
            content_type="text/plain; charset=utf-8",
        )
    if export_format == "csv":
        response = StreamingHttpResponse(
            _csv_lines(request, queryset), content_type="text/csv; charset=utf-8"
        )
    else:
        response = StreamingHttpResponse(
            _json_chunks(request, queryset), content_type="application/json"
        )
    response["Content-Disposition"] = f'attachment; filename="kb-clauses.{export_format}"'
    response["X-Export-Row-Limit"] = str(EXPORT_MAX_ROWS)
    return response
