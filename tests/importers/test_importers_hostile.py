"""Every importer under hostile files: cut mid-record, in the wrong encoding, 50 MB,
with duplicated records, with spreadsheet formulas. Each bad file gives a clear
error naming the file (and line where it has lines), the command exits non-zero,
and the database is left exactly as it was: every kb table holds the rows it held.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sqlite3
from contextlib import closing

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from kb.importers.knowledge_base import export_knowledge_base
from kb.models import Clause, Status
from tests.factories import make_announcement, make_clause, make_party, make_topic
from tests.samples import CuadRow, write_cuad_sample

pytestmark = pytest.mark.django_db

FIFTY_MB = 50 * 1024 * 1024
STATEMENT = (
    "Summary of the statement.\n"
    "# A joint statement\n"
    "Source: https://example.com/statement\n"
    "**Café terms\\.**The parties agree\\.\n"
    "**Second term\\.**Each party keeps its rights\\.\n"
)
CONTRACT = "LICENSE AGREEMENT\n\n1. Licensor grants Licensee a licence to the Software.\n"
FORMULAS = ['=HYPERLINK("http://x")', "+1+2", "-2+3", "@SUM(A1:A9)"]


@pytest.fixture
def existing():
    """What the database holds before each import: a published clause and a draft."""
    party, topic = make_party("Kept party"), make_topic("Kept topic")
    kept = make_announcement("Kept announcement", parties=[party])
    make_clause(kept, "Kept clause", "Kept text.", topics=[topic], parties=[party])
    make_clause(make_announcement("Kept draft", status=Status.DRAFT), "Kept draft clause")


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        tables = [name for name in connection.introspection.table_names(cursor) if "kb_" in name]
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def refused(*args, **options) -> str:
    """Run a command that must refuse its input; return its message, having checked
    that it exits non-zero and that no kb table changed."""
    before = table_counts()
    with pytest.raises(CommandError) as error:
        call_command(*args, verbosity=0, **options)
    assert error.value.returncode != 0
    assert table_counts() == before
    return str(error.value)


def write_large(path, head: bytes, size: int = FIFTY_MB) -> None:
    """A file of ``size`` bytes starting with ``head``; the rest is a sparse hole, so
    it takes no disk space. The refusals asserted are by size, whatever follows."""
    with path.open("wb") as out:
        out.write(head)
        out.truncate(size)


# import_statement ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "where", "message"),
    [
        (STATEMENT.encode()[: STATEMENT.index("Each party")], ":5:", "never closed"),
        (STATEMENT.encode()[: STATEMENT.encode().index(b"\xa9")], ":4:", "not UTF-8"),
        (STATEMENT.encode("latin-1"), ":4:", "not UTF-8"),
        (STATEMENT.encode("utf-16"), ":1:", "not UTF-8"),
    ],
    ids=["cut-mid-clause", "cut-mid-character", "latin-1", "utf-16"],
)
def test_a_bad_statement_file_is_refused_with_its_file_and_line(
    existing, tmp_path, data, where, message
):
    path = tmp_path / "statement.md"
    path.write_bytes(data)
    error = refused("import_statement", str(path))
    assert f"{path}{where}" in error and message in error


def test_a_50_mb_statement_is_refused_by_its_size(existing, tmp_path):
    path = tmp_path / "huge.md"
    write_large(path, STATEMENT.encode())
    error = refused("import_statement", str(path))
    assert f"{path}: the file is larger than" in error


def test_a_statement_repeating_a_related_announcement_is_refused_with_both_lines(
    existing, tmp_path
):
    path = tmp_path / "statement.md"
    related = "Microsoft and OpenAI signed an agreement in 2019.\n"
    path.write_text(STATEMENT + related + related, encoding="utf-8")
    error = refused("import_statement", str(path))
    assert f"{path}:7: this related announcement repeats the one on line 6" in error


# import_cuad ----------------------------------------------------------------------------


def cuad_row(name: str, **fields) -> CuadRow:
    fields.setdefault("spans", {"License Grant": ["Licensor grants Licensee a licence"]})
    fields.setdefault("text", CONTRACT)
    return CuadRow(filename=f"{name}_Agreement.pdf", **fields)


def cuad_directory(tmp_path, rows=None):
    return write_cuad_sample(tmp_path, rows or [cuad_row("First"), cuad_row("Second")])


def test_a_master_file_cut_mid_record_is_refused_with_its_line(existing, tmp_path):
    directory = cuad_directory(tmp_path)
    master = directory / "master_clauses.csv"
    data = master.read_bytes()
    master.write_bytes(data[: data.rindex(b"Licensor grants")])  # inside a quoted cell
    error = refused("import_cuad", str(directory))
    assert f"{master}:3: " in error


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_master_file_in_another_encoding_is_refused_with_its_line(existing, tmp_path, encoding):
    directory = cuad_directory(tmp_path, [cuad_row("First"), cuad_row("Café")])
    master = directory / "master_clauses.csv"
    master.write_bytes(master.read_text(encoding="utf-8").encode(encoding))
    error = refused("import_cuad", str(directory))
    assert re.search(rf"{re.escape(str(master))}:\d+: .*decode", error)


def test_a_contract_text_in_latin_1_is_refused_naming_the_text_file(existing, tmp_path):
    directory = cuad_directory(tmp_path, [cuad_row("First"), cuad_row("Second", text="Café")])
    text = directory / "full_contract_txt" / "Second_Agreement.txt"
    text.write_bytes("Café".encode("latin-1"))
    error = refused("import_cuad", str(directory))
    assert f"{text}: not UTF-8 text" in error


@pytest.mark.parametrize("name", ["master_clauses.csv", "category_descriptions.csv"])
def test_a_50_mb_csv_is_refused_by_its_size(existing, tmp_path, name):
    directory = cuad_directory(tmp_path)
    path = directory / name
    write_large(path, path.read_bytes())
    error = refused("import_cuad", str(directory))
    assert f"{path}: the file is " in error and "the limit is" in error


def test_a_50_mb_contract_text_is_refused_by_its_size(existing, tmp_path):
    directory = cuad_directory(tmp_path)
    text = directory / "full_contract_txt" / "Second_Agreement.txt"
    write_large(text, CONTRACT.encode())
    error = refused("import_cuad", str(directory))
    assert f"{text}: the file is " in error and "the limit is" in error


def test_the_same_contract_twice_is_refused_with_both_lines(existing, tmp_path):
    directory = cuad_directory(tmp_path, [cuad_row("First"), cuad_row("Second")])
    master = directory / "master_clauses.csv"
    lines = master.read_text(encoding="utf-8").splitlines(keepends=True)
    master.write_text("".join([*lines, lines[1]]), encoding="utf-8")
    error = refused("import_cuad", str(directory))
    assert f"{master}:4: contract 'First_Agreement.pdf' repeats line 2" in error


def test_formula_cells_are_stored_as_plain_text(tmp_path):
    spans = {"License Grant": FORMULAS}
    text = CONTRACT + "\n".join(FORMULAS)
    row = cuad_row("Formula", spans=spans, text=text, document_name="=cmd|' /C calc'!A0")
    call_command("import_cuad", str(write_cuad_sample(tmp_path, [row])), verbosity=0)
    assert sorted(Clause.objects.values_list("text", flat=True)) == sorted(FORMULAS)
    assert Clause.objects.first().announcement.title == "=cmd|' /C calc'!A0"


def test_formula_cells_are_neutralised_in_the_search_export(client, tmp_path):
    row = cuad_row("Formula", spans={"License Grant": FORMULAS}, text=CONTRACT)
    row.document_name = "=cmd|' /C calc'!A0"
    call_command("import_cuad", str(write_cuad_sample(tmp_path, [row])), verbosity=0)
    response = client.get(reverse("kb:search"), {"format": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [cell for record in csv.reader(io.StringIO(body)) for cell in record]
    assert {f"'{formula}" for formula in FORMULAS} <= set(cells)
    assert "'=cmd|' /C calc'!A0" in cells
    assert not [cell for cell in cells if cell[:1] in {"=", "+", "-", "@"}]


# import_kb ------------------------------------------------------------------------------


@pytest.fixture
def document(existing):
    """An export of the database as it is (importing it with --replace would succeed)."""
    return export_knowledge_base()


def write_document(path, document) -> bytes:
    data = json.dumps(document, indent=1, ensure_ascii=False).encode()
    path.write_bytes(data)
    return data


def test_a_document_cut_mid_record_is_refused_with_its_line(document, tmp_path):
    path = tmp_path / "kb.json"
    data = write_document(path, document)
    path.write_bytes(data[: data.index(b'"Kept clause"')])
    error = refused("import_kb", str(path), replace=True)
    assert f"{path}:" in error and "not valid JSON" in error


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_document_in_another_encoding_is_refused_with_its_line(document, tmp_path, encoding):
    document["parties"][0]["name"] = "Café party"
    path = tmp_path / "kb.json"
    data = json.dumps(document, indent=1, ensure_ascii=False).encode(encoding)
    path.write_bytes(data)
    # Latin-1 goes wrong at the "é"; UTF-16 at its byte-order mark.
    line = data[: data.find("é".encode(encoding))].count(b"\n") + 1 if encoding == "latin-1" else 1
    error = refused("import_kb", str(path), replace=True)
    assert f"{path}:{line}: the file is not UTF-8 text" in error


def test_a_50_mb_document_is_refused_by_its_size(document, tmp_path):
    path = tmp_path / "kb.json"
    write_large(path, json.dumps(document).encode())
    error = refused("import_kb", str(path), replace=True)
    assert f"{path}: the file is " in error and "more than 32 MB" in error


@pytest.mark.parametrize("what", ["announcements", "parties", "topics"])
def test_the_same_slug_twice_is_refused_naming_it(document, tmp_path, what):
    document[what].append(dict(document[what][0]))
    path = tmp_path / "kb.json"
    write_document(path, document)
    error = refused("import_kb", str(path), replace=True)
    assert f"{path}: " in error
    assert f"has the slug {document[what][0]['slug']!r}" in error


# restore_kb -----------------------------------------------------------------------------


def json_backup(path, *, encoding="utf-8") -> bytes:
    """A JSON backup of the database as restore_kb reads it (gzip of dumpdata)."""
    out = io.StringIO()
    call_command("dumpdata", natural_foreign=True, natural_primary=True, stdout=out)
    data = gzip.compress(out.getvalue().encode(encoding))
    path.write_bytes(data)
    return data


def sqlite_backup(path) -> bytes:
    """A SQLite file with a kb table and enough rows to span many pages."""
    with closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE kb_announcement (id INTEGER PRIMARY KEY, title TEXT)")
        db.executemany("INSERT INTO kb_announcement (title) VALUES (?)", [("x" * 200,)] * 5000)
        db.commit()
    return path.read_bytes()


def test_a_json_backup_cut_short_is_refused(existing, tmp_path):
    path = tmp_path / "kb-20260101T000000000000Z.json.gz"
    data = json_backup(path)
    path.write_bytes(data[: len(data) // 2])
    error = refused("restore_kb", str(path), force=True)
    assert f"{path.name}: not a kb backup" in error


def test_a_sqlite_backup_cut_short_is_refused(existing, tmp_path):
    path = tmp_path / "kb-20260101T000000000000Z.sqlite3"
    data = sqlite_backup(path)
    path.write_bytes(data[: len(data) // 2])
    error = refused("restore_kb", str(path), force=True)
    assert path.name in error


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16"])
def test_a_json_backup_in_another_encoding_is_refused(existing, tmp_path, encoding):
    Clause.objects.update(text="Café")
    path = tmp_path / "kb-20260101T000000000000Z.json.gz"
    json_backup(path, encoding=encoding)
    error = refused("restore_kb", str(path), force=True)
    assert f"{path.name}: not a kb backup" in error


@pytest.mark.parametrize("suffix", [".json.gz", ".sqlite3"])
def test_a_50_mb_file_that_is_not_a_backup_is_refused_unread(existing, tmp_path, suffix):
    path = tmp_path / f"kb-20260101T000000000000Z{suffix}"
    write_large(path, b"")
    error = refused("restore_kb", str(path), force=True)
    assert path.name in error
