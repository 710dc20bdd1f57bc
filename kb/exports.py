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
from collections import defaultdict
from collections.abc import Iterator
from itertools import batched

from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.urls import reverse

from kb.api import api_clauses, clause_json, iso
from kb.models import Clause, Status

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


# What a CSV row reads, as plain values: building model instances (clause,
# announcement, superseded clause, topics, parties) cost most of an export.
CSV_FIELDS = [
    "id",
    "heading",
    "text",
    "effect",
    "position",
    "announcement__title",
    "announcement__slug",
    "announcement__date",
    "announcement__date_precision",
    "announcement__kind",
    "effective_from",
    "effective_from_precision",
    "effective_until",
    "effective_until_precision",
    "supersedes_id",
    "supersedes__announcement__status",
]


class LinkMaker:
    """Absolute links to one kind of page, for every row of an export: ``reverse()``
    runs once, with a placeholder, instead of once a row (a third of the CPU of a
    1,000-row export). ``link(value)`` equals ``build_absolute_uri(reverse(...))``."""

    PLACEHOLDER = "987654321"  # valid for both int and slug converters

    def __init__(self, request, route: str):
        path = reverse(route, args=[self.PLACEHOLDER])
        self.before, self.after = request.build_absolute_uri(path).rsplit(self.PLACEHOLDER, 1)

    def __call__(self, value) -> str:
        return f"{self.before}{value}{self.after}"


def csv_row(
    values: dict, topics: list[str], parties: list[str], clause_link, announcement_link
) -> list:
    """One clause as a CSV row, from its ``CSV_FIELDS``, its topic and party names and
    the ``LinkMaker`` of each page."""
    earlier_is_public = values["supersedes__announcement__status"] == Status.PUBLISHED
    row = {
        "id": values["id"],
        "url": clause_link(values["id"]),
        "heading": values["heading"],
        "text": values["text"],
        "effect": values["effect"],
        "position": values["position"],
        "announcement": values["announcement__title"],
        "announcement_url": announcement_link(values["announcement__slug"]),
        "announcement_date": iso(values["announcement__date"]),
        "announcement_date_precision": values["announcement__date_precision"],
        "kind": values["announcement__kind"],
        "effective_from": iso(values["effective_from"]),
        "effective_from_precision": values["effective_from_precision"],
        "effective_until": iso(values["effective_until"]),
        "effective_until_precision": values["effective_until_precision"],
        "supersedes_id": values["supersedes_id"] if earlier_is_public else None,
        "topics": "; ".join(topics),
        "parties": "; ".join(parties),
    }
    return [neutralise_formula(row[column]) for column in CSV_COLUMNS]


def _names_by_clause(links, name: str, clause_ids: list[int]) -> dict[int, list[str]]:
    """``{clause id: [names]}`` (alphabetical, as every page lists them) from a link table."""
    names = defaultdict(list)
    rows = links.objects.filter(clause_id__in=clause_ids).values_list("clause_id", name)
    for clause_id, value in rows.order_by(name):
        names[clause_id].append(value)
    return names


def _csv_records(queryset) -> Iterator[tuple[dict, list[str], list[str]]]:
    """Each clause's values with its topic and party names, the names read once per
    chunk of ``EXPORT_CHUNK_SIZE`` rows."""
    rows = queryset[:EXPORT_MAX_ROWS].values(*CSV_FIELDS).iterator(chunk_size=EXPORT_CHUNK_SIZE)
    for chunk in batched(rows, EXPORT_CHUNK_SIZE):
        ids = [values["id"] for values in chunk]
        topics = _names_by_clause(Clause.topics.through, "topic__name", ids)
        parties = _names_by_clause(Clause.parties.through, "party__name", ids)
        for values in chunk:
            yield values, topics[values["id"]], parties[values["id"]]


class _Echo:
    """A file-like object whose write() hands back the line csv.writer produced."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(request, queryset) -> Iterator[str]:
    writer = csv.writer(_Echo())
    clause_link = LinkMaker(request, "kb:clause")
    announcement_link = LinkMaker(request, "kb:announcement")
    # A byte-order mark so spreadsheet programs read the file as UTF-8.
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    for values, topics, parties in _csv_records(queryset):
        yield writer.writerow(csv_row(values, topics, parties, clause_link, announcement_link))


def _json_chunks(request, queryset) -> Iterator[str]:
    yield "["
    rows = api_clauses(queryset)[:EXPORT_MAX_ROWS]
    for index, clause in enumerate(rows.iterator(chunk_size=EXPORT_CHUNK_SIZE)):
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
