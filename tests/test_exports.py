import csv
import datetime as dt
import io
import json

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kb import exports
from kb.exports import CSV_COLUMNS, export_response, neutralise_formula
from kb.filters import SearchFilter
from kb.search import engine, results
from tests.factories import (
    index_now,
    make_announcement,
    make_clause,
    make_lineage,
    make_party,
    make_topic,
)

pytestmark = pytest.mark.django_db


def export(export_format, params=None):
    """The export of the search page's search for ``params`` (every published clause,
    newest first, without any)."""
    request = RequestFactory().get("/search/", {**(params or {}), "format": export_format})
    filterset = SearchFilter(request.GET)
    assert filterset.is_valid(), filterset.errors
    return export_response(request, filterset)


def body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body(response).removeprefix("\ufeff"))))


@pytest.mark.parametrize(
    "dangerous",
    ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"],
    ids=["equals", "plus", "minus", "at", "tab", "carriage-return"],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(dangerous):
    make_clause(heading=dangerous, text=dangerous, topics=[make_topic(dangerous + " topic")])
    (row,) = csv_rows(export("csv"))
    assert row["heading"] == "'" + dangerous
    assert row["text"] == "'" + dangerous
    assert row["topics"] == "'" + dangerous + " topic"


def test_numbers_and_plain_text_are_left_alone():
    assert neutralise_formula(-3) == -3
    assert neutralise_formula("Azure - exclusive") == "Azure - exclusive"


def test_a_csv_export_has_a_header_and_one_row_per_clause():
    first, second = make_lineage(2, parties=[make_party("Microsoft")])
    response = export("csv")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="kb-clauses-{timezone.localdate().isoformat()}.csv"'
    )
    rows = csv_rows(response)
    assert list(rows[0]) == CSV_COLUMNS
    assert [int(row["id"]) for row in rows] == [second.pk, first.pk]
    assert rows[0]["supersedes_id"] == str(first.pk)
    assert rows[0]["parties"] == "Microsoft"
    assert rows[0]["announcement_date"] == "2001-01-01"


def test_a_json_export_lists_the_clauses_as_the_api_shows_them():
    first, second = make_lineage(2)
    response = export("json")
    assert response.streaming
    records = json.loads(body(response))
    assert [record["id"] for record in records] == [second.pk, first.pk]
    assert records[0]["supersedes"]["id"] == first.pk
    assert records[0]["html_url"] == f"http://testserver/clauses/{second.pk}/"


def test_an_empty_json_export_is_an_empty_list():
    assert json.loads(body(export("json"))) == []


def test_an_export_holds_every_match_and_says_how_many(monkeypatch):
    # Small chunks, so the export runs over several of the engine's chunks and of
    # the database's reads.
    monkeypatch.setattr(engine, "HIT_CHUNK", 2)
    monkeypatch.setattr(results, "READ_CHUNK_SIZE", 3)
    clauses = make_lineage(7)
    newest_first = [clause.pk for clause in reversed(clauses)]
    for export_format in ("csv", "json"):
        response = export(export_format)
        assert response["X-Result-Count"] == "7"
        assert "X-Export-Row-Limit" not in response
        records = csv_rows(response) if export_format == "csv" else json.loads(body(response))
        assert [int(record["id"]) for record in records] == newest_first, export_format


def test_an_exports_count_is_that_of_the_clauses_it_holds():
    make_lineage(3)
    make_clause(heading="Escrow", text="The escrow agent holds the code.")
    response = export("csv", {"q": "azure"})
    assert response["X-Result-Count"] == "3"
    assert len(csv_rows(response)) == 3


def test_an_unknown_export_format_is_a_400():
    response = export("xlsx")
    assert response.status_code == 400
    assert b"csv" in response.content


def test_no_format_means_no_export():
    assert export("") is None


def test_an_export_reads_rows_in_chunks_with_the_same_queries_for_each_chunk(monkeypatch):
    monkeypatch.setattr(results, "READ_CHUNK_SIZE", 10)
    make_lineage(10, topics=[make_topic()])
    index_now()  # measure the export, not the index's first build
    with CaptureQueriesContext(connection) as one_chunk:
        body(export("csv"))
    make_lineage(20, first_year=2050, topics=[make_topic()])
    index_now()
    with CaptureQueriesContext(connection) as three_chunks:
        body(export("csv"))
    # The search index's pending-changes check once, then the same queries for each
    # chunk: its rows, its topics, its parties and its announcements' parties.
    assert len(one_chunk) == 1 + 4
    assert len(three_chunks) == 1 + 3 * 4


@pytest.mark.parametrize(
    ("route", "value"), [("kb:clause", 42), ("kb:announcement", "joint-statement-2025")]
)
def test_an_exports_links_are_those_reverse_gives(rf, route, value):
    request = rf.get("/search/", secure=True)
    link = exports.LinkMaker(request, route)
    assert link(value) == request.build_absolute_uri(reverse(route, args=[value]))


def test_a_clause_without_parties_of_its_own_lists_its_announcements():
    """As an imported CUAD contract's clauses: the parties are the contract's."""
    contract = make_announcement(parties=[make_party("Acme Widgets, Inc."), make_party("Birch")])
    make_clause(contract, "Grant", "Licensor grants Licensee a licence.")
    (row,) = csv_rows(export("csv"))
    assert row["parties"] == "Acme Widgets, Inc.; Birch"
    (record,) = json.loads(body(export("json")))
    assert [party["name"] for party in record["parties"]] == ["Acme Widgets, Inc.", "Birch"]


def test_a_clause_lists_its_own_parties_and_its_announcements_once_each_by_name():
    acme, zeta, beta = make_party("Acme"), make_party("Zeta"), make_party("beta")
    make_clause(make_announcement(parties=[acme, beta]), parties=[zeta, acme])
    (row,) = csv_rows(export("csv"))
    assert row["parties"] == "Acme; beta; Zeta"
    (record,) = json.loads(body(export("json")))
    assert [party["slug"] for party in record["parties"]] == ["acme", "beta", "zeta"]


@pytest.mark.parametrize("export_format", ["csv", "json"])
@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("exclusive license", "kb-clauses-exclusive-license-2026-12-04"),
        ('"Exclusive  License" OR -royalty*', "kb-clauses-exclusive-license-or-royalty-2026-12-04"),
        ("", "kb-clauses-2026-12-04"),
        ("日本 ★", "kb-clauses-2026-12-04"),
        ('x"\r\nSet-Cookie: a=b; \\"', "kb-clauses-x-set-cookie-ab-2026-12-04"),
        ("terminate " * 20, "kb-clauses" + "-terminate" * 6 + "-2026-12-04"),
        ("a" * 100, "kb-clauses-" + "a" * 60 + "-2026-12-04"),
    ],
    ids=["words", "syntax", "none", "no-ascii", "header-injection", "long", "one-long-word"],
)
def test_a_download_is_named_for_its_search_and_day(query, name, export_format):
    assert (
        exports.export_file_name(query, export_format, dt.date(2026, 12, 4))
        == f"{name}.{export_format}"
    )


@pytest.mark.parametrize("export_format", ["csv", "json"])
def test_the_search_pages_download_names_its_query(client, export_format):
    make_clause(heading="Exclusive license", text="An exclusive license.")
    response = client.get(reverse("kb:search"), {"q": "exclusive license", "format": export_format})
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="kb-clauses-exclusive-license-{today}.{export_format}"'
    )
