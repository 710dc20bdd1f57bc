"""Search results as CSV or JSON downloads (``?format=csv`` / ``?format=json``).

An export holds every matching clause, in the order of the search: the engine
gives the keys of all matches a chunk at a time, and each chunk's rows are read
from the database (published ones only) and written as they come, so memory stays
flat however many rows. The ``X-Result-Count`` header gives the number of matches
the search found, so a client can tell a complete download. The response streams
for as long as it takes: gunicorn's threaded workers (gunicorn.conf.py) time out
only a worker that stops answering, never a long response.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator

from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify

from kb.api.querysets import published_clauses
from kb.api.serializers import ClauseSerializer, LinkMaker, name_order
from kb.filters import ClauseFilter
from kb.models import Announcement, Clause, Status
from kb.search.results import SearchHits

EXPORT_FORMATS = ("csv", "json")
# A download is named for its search: "kb-clauses-exclusive-license-2026-12-04.csv";
# the query's slug keeps at most this many characters (whole words).
FILE_NAME_QUERY_CHARS = 60
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


def iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


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
    "announcement_id",
]


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


def _names_by(links, key: str, name: str, ids: list[int]) -> dict[int, list[str]]:
    """``{id: [names]}`` from a link table, for the rows whose ``key`` is in ``ids``."""
    names = defaultdict(list)
    for row_id, value in links.objects.filter(**{f"{key}__in": ids}).values_list(key, name):
        names[row_id].append(value)
    return names


def _csv_records(hits: SearchHits) -> Iterator[tuple[dict, list[str], list[str]]]:
    """Each matching clause's values with its topic and party names, a chunk of the
    search's results at a time (published clauses only, in the search's order). Its
    parties are those it names and those of its announcement, as the pages and the
    party filter count them; names in alphabetical order, each once."""
    published = Clause.objects.published()
    for chunk in hits.hit_chunks():
        ids = [hit.key.pk for hit in chunk]
        rows = {values["id"]: values for values in published.filter(pk__in=ids).values(*CSV_FIELDS)}
        topics = _names_by(Clause.topics.through, "clause_id", "topic__name", ids)
        parties = _names_by(Clause.parties.through, "clause_id", "party__name", ids)
        announcement_parties = _names_by(
            Announcement.parties.through,
            "announcement_id",
            "party__name",
            list({values["announcement_id"] for values in rows.values()}),
        )
        for pk in ids:
            if pk in rows:
                names = {*parties[pk], *announcement_parties[rows[pk]["announcement_id"]]}
                yield rows[pk], sorted(topics[pk], key=name_order), sorted(names, key=name_order)


class _Echo:
    """A file-like object whose write() hands back the line csv.writer produced."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(request, hits: SearchHits) -> Iterator[str]:
    writer = csv.writer(_Echo())
    clause_link = LinkMaker(request, "kb:clause")
    announcement_link = LinkMaker(request, "kb:announcement")
    # A byte-order mark so spreadsheet programs read the file as UTF-8.
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    for values, topics, parties in _csv_records(hits):
        yield writer.writerow(csv_row(values, topics, parties, clause_link, announcement_link))


def _json_chunks(request, hits: SearchHits) -> Iterator[str]:
    """The clauses as the API shows them (its serializer), one JSON array."""
    yield "["
    first = True
    serializer = ClauseSerializer(context={"request": request})
    for clause in hits.with_querysets(clause=published_clauses()):
        yield ("\n" if first else ",\n") + json.dumps(
            serializer.to_representation(clause), ensure_ascii=False
        )
        first = False
    yield "\n]\n"


def export_response(request, filterset: ClauseFilter):
    """The export asked for by ``?format=``, or None when no export was asked for.

    ``filterset`` is the search's filter set, valid; every clause it finds is
    exported, in its order. An unknown format is a 400.
    """
    export_format = request.GET.get("format")
    if not export_format:
        return None
    if export_format not in EXPORT_FORMATS:
        return HttpResponseBadRequest(
            f"Unknown export format; use one of: {', '.join(EXPORT_FORMATS)}.",
            content_type="text/plain; charset=utf-8",
        )
    hits = filterset.clause_hits()
    if export_format == "csv":
        response = StreamingHttpResponse(
            _csv_lines(request, hits), content_type="text/csv; charset=utf-8"
        )
    else:
        response = StreamingHttpResponse(
            _json_chunks(request, hits), content_type="application/json"
        )
    name = export_file_name(request.GET.get("q", ""), export_format, timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Result-Count"] = str(len(hits))
    return response


def export_file_name(query: str, export_format: str, day: dt.date) -> str:
    """The download's name: the search's query as a slug (ASCII letters, digits and
    hyphens only, so nothing a header could be broken with) and the day, e.g.
    ``kb-clauses-exclusive-license-2026-12-04.csv``; ``kb-clauses-2026-12-04.csv``
    when the query leaves no such character."""
    words = slugify(query).replace("_", "-").split("-")
    slug = ""
    for word in filter(None, words):
        if len(slug) + len(word) + 1 > FILE_NAME_QUERY_CHARS:
            break
        slug = f"{slug}-{word}" if slug else word
    slug = slug or slugify(query)[:FILE_NAME_QUERY_CHARS].strip("-_")
    return "-".join(filter(None, ["kb-clauses", slug, day.isoformat()])) + f".{export_format}"
