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

from django.http import HttpResponseBadRequest, StreamingHttpResponse

from kb.api import api_clauses, clause_json

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


def csv_row(record: dict) -> list:
    announcement = record["announcement"]
    row = {
        "id": record["id"],
        "url": record["html_url"],
        "heading": record["heading"],
        "text": record["text"],
        "effect": record["effect"],
        "position": record["position"],
        "announcement": announcement["title"],
        "announcement_url": announcement["html_url"],
        "announcement_date": announcement["date"],
        "announcement_date_precision": announcement["date_precision"],
        "kind": record["kind"],
        "effective_from": record["effective_from"],
        "effective_from_precision": record["effective_from_precision"],
        "effective_until": record["effective_until"],
        "effective_until_precision": record["effective_until_precision"],
        "supersedes_id": record["supersedes"]["id"] if record["supersedes"] else None,
        "topics": "; ".join(topic["name"] for topic in record["topics"]),
        "parties": "; ".join(party["name"] for party in record["parties"]),
    }
    return [neutralise_formula(row[column]) for column in CSV_COLUMNS]


class _Echo:
    """A file-like object whose write() hands back the line csv.writer produced."""

    def write(self, value: str) -> str:
        return value


def _records(request, queryset) -> Iterator[dict]:
    rows = api_clauses(queryset)[:EXPORT_MAX_ROWS]
    for clause in rows.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield clause_json(request, clause)


def _csv_lines(request, queryset) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # A byte-order mark so spreadsheet programs read the file as UTF-8.
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    for record in _records(request, queryset):
        yield writer.writerow(csv_row(record))


def _json_chunks(request, queryset) -> Iterator[str]:
    yield "["
    for index, record in enumerate(_records(request, queryset)):
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
