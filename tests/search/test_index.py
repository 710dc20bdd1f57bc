"""The index on disk: built from the database, updated, checked and repaired, and
several indexes (one per application server) following one database."""

import datetime as dt
import json
import os
import time

import pytest
import tantivy
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kb.models import Clause, Status
from kb.search import schema
from kb.search.changes import ChangeLog
from kb.search.documents import Key
from kb.search.index import SearchIndex, search_index
from kb.search.models import SearchChange
from tests.factories import index_now, make_announcement, make_clause, make_party
from tests.search.support import clauses, headings

pytestmark = pytest.mark.django_db


def indexed_keys(index: SearchIndex) -> set[Key]:
    searcher = index.searcher()
    hits = searcher.search(tantivy.Query.all_query(), max(searcher.num_docs, 1)).hits
    uids = searcher.fast_field_values(schema.UID, [address for _, address in hits])
    return {Key.from_uid(uid) for uid in uids}


def published_keys() -> set[Key]:
    return {Key("clause", pk) for pk in Clause.objects.published().values_list("pk", flat=True)}


def test_a_missing_index_is_built_at_the_first_search(settings):
    make_clause(heading="Escrow", text="escrow")
    assert not search_index().exists()
    assert headings("escrow") == ["Escrow"]
    assert search_index().exists()


def test_the_update_command_builds_then_applies_changes(capsys):
    make_clause(heading="Escrow", text="escrow")
    call_command("search_index", "update")
    assert "Built the search index" in capsys.readouterr().out
    make_clause(heading="Arbitration", text="arbitration")
    call_command("search_index", "update")
    assert "Applied" in capsys.readouterr().out
    call_command("search_index", "update")
    assert "up to date" in capsys.readouterr().out


def test_two_indexes_of_one_database_converge_after_writes_through_either(tmp_path):
    """Two application servers, each with its index, on one database: each applies
    the changes the other's requests wrote, from the shared change log."""
    first, second = SearchIndex(tmp_path / "one"), SearchIndex(tmp_path / "two")
    make_clause(heading="Escrow", text="escrow")
    first.update()
    second.update()
    # Written "through" the first server: it searches at once; the second follows.
    party = make_party("Contoso")
    make_clause(make_announcement(parties=[party]), "Arbitration", "arbitration")
    first.update()
    # ... and through the second.
    Clause.objects.filter(heading="Escrow").delete()
    party.name = "Fabrikam"
    party.save()
    second.update()
    first.update()
    assert indexed_keys(first) == indexed_keys(second)
    assert {key for key in indexed_keys(first) if key.type == "clause"} == published_keys()
    for index in (first, second):
        assert index.check().differences == 0


def test_check_finds_a_damaged_index_and_repair_mends_it(capsys):
    kept = make_clause(heading="Escrow", text="escrow")
    lost = make_clause(heading="Arbitration", text="arbitration")
    index_now()
    index = search_index()
    # Damage the index behind the change log's back: lose one document, add one of
    # a record that does not exist, and change what another holds.
    damaged = tantivy.Index.open(str(index.directory))
    schema.register_analyzers(damaged)
    writer = damaged.writer(heap_size=15_000_000, num_threads=1)
    writer.delete_documents_by_query(
        tantivy.Query.term_query(schema.schema(), schema.UID, Key("clause", lost.pk).uid)
    )
    ghost = tantivy.Document()
    ghost.add_unsigned(schema.UID, Key("clause", 999_999).uid)
    ghost.add_text(schema.TEXT, "ghost escrow")
    writer.add_document(ghost)
    writer.delete_documents_by_query(
        tantivy.Query.term_query(schema.schema(), schema.UID, Key("clause", kept.pk).uid)
    )
    stale = tantivy.Document()
    stale.add_unsigned(schema.UID, Key("clause", kept.pk).uid)
    stale.add_text(schema.TEXT, "stale words")
    writer.add_document(stale)
    writer.commit()
    writer.wait_merging_threads()

    with pytest.raises(CommandError, match="differs from the database in 3 documents"):
        call_command("search_index", "check")
    out = capsys.readouterr().out
    assert f"1 missing from the index: clause {lost.pk}" in out
    assert "1 in the index but not published: clause 999999" in out
    assert f"1 outdated in the index: clause {kept.pk}" in out

    with pytest.raises(CommandError):
        call_command("search_index", "check", "--repair")
    call_command("search_index", "check")
    assert "The index matches the database." in capsys.readouterr().out
    assert headings("arbitration") == ["Arbitration"]
    assert headings("ghost") == []


def test_an_index_whose_files_are_gone_is_rebuilt_by_rebuild(capsys):
    make_clause(heading="Escrow", text="escrow")
    index_now()
    index = search_index()
    for path in index.directory.iterdir():
        if path.name != "state.json":
            path.unlink()
    call_command("search_index", "rebuild")
    assert "Built the search index" in capsys.readouterr().out
    assert headings("escrow") == ["Escrow"]


def test_updates_leave_no_segment_files_behind():
    """Every file in the index directory is one tantivy still uses (Paperless-ngx
    issue #13679: files of superseded segments piled up)."""
    announcement = make_announcement()
    index_now()
    index = search_index()
    for number in range(1, 31):
        make_clause(announcement, f"Escrow {number}", "escrow", position=number)
        index_now()
    files = {path.name for path in index.directory.iterdir()}
    managed = set(json.loads((index.directory / ".managed.json").read_text()))
    ours = {
        "state.json", ".managed.json", "meta.json", ".tantivy-meta.lock", ".tantivy-writer.lock"
    }  # fmt: skip
    assert files - managed - ours == set()
    assert len(clauses("escrow")) == 30


@pytest.mark.django_db(transaction=True)  # only committed changes are ever pruned
def test_changes_pruned_before_an_index_applied_them_make_it_rebuild(settings):
    make_clause(heading="Escrow", text="escrow")
    index_now()
    stale = SearchIndex(settings.KB_SEARCH_INDEX_DIR / "other-server")
    stale.update()
    make_clause(heading="Arbitration", text="arbitration")
    index_now()
    SearchChange.objects.update(created_at=timezone.now() - dt.timedelta(days=30))
    assert ChangeLog().prune(older_than=dt.timedelta(days=7)) > 0
    assert not SearchChange.objects.exists()
    report = stale.update()
    assert report.rebuilt
    assert stale.check().differences == 0


def test_a_new_database_identity_builds_a_new_index():
    make_clause(heading="Escrow", text="escrow")
    index_now()
    old_directory = search_index().directory
    ChangeLog().new_identity()
    index = SearchIndex(search_index().root)
    assert index.directory != old_directory
    assert not index.exists()
    index.update()
    assert index.check().differences == 0


def test_the_position_survives_in_the_state_file():
    make_clause(heading="Escrow", text="escrow", announcement=make_announcement())
    index_now()
    state = json.loads((search_index().directory / "state.json").read_text())
    assert state["schema_version"] == schema.SCHEMA_VERSION
    assert state["documents"] == 2
    assert set(state["position"]) == {"horizon", "seen"}


def test_unpublished_records_never_reach_the_index():
    make_clause(make_announcement(status=Status.DRAFT), "Draft", "escrow")
    make_clause(make_announcement(status=Status.IN_REVIEW), "Review", "escrow")
    index_now()
    assert indexed_keys(search_index()) == set()


def test_an_index_whose_files_are_damaged_is_rebuilt_at_the_next_search():
    make_clause(heading="Escrow", text="escrow")
    index_now()
    directory = search_index().directory
    for path in directory.iterdir():
        if path.suffix in {".idx", ".term", ".store", ".pos"}:
            path.write_bytes(b"damaged")
    search_index()._index = None  # as a process that opens the index after the damage
    assert headings("escrow") == ["Escrow"]
    assert search_index().check().differences == 0


@pytest.mark.parametrize(
    ("url", "content_type"),
    [("/search/?q=escrow", "text/html"), ("/api/clauses/?q=escrow", "application/json")],
)
def test_a_search_that_cannot_read_or_build_its_index_is_a_503(
    client, settings, tmp_path, url, content_type
):
    make_clause(heading="Escrow", text="escrow")
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("a file where the index directory should be")
    settings.KB_SEARCH_INDEX_DIR = blocked
    response = client.get(url)
    assert response.status_code == 503
    assert response["Content-Type"].startswith(content_type)
    assert "Search is unavailable" in response.text


def test_a_copied_database_gets_an_identity_and_an_index_of_its_own(capsys):
    make_clause(heading="Escrow", text="escrow")
    index_now()
    before = search_index().directory
    call_command("search_index", "new-identity")
    assert "new identity" in capsys.readouterr().out
    assert headings("escrow") == ["Escrow"]
    assert search_index().directory != before


def test_a_rebuild_deletes_other_versions_and_abandoned_indexes(settings):
    make_clause(heading="Escrow", text="escrow")
    index_now()
    index = search_index()
    root = index.directory.parent
    old_version = root / f"{index.database}-v0"
    abandoned = root / "00000000-0000-0000-0000-000000000000-v1"
    other_in_use = root / "11111111-1111-1111-1111-111111111111-v1"
    for path in (old_version, abandoned, other_in_use):
        path.mkdir()
        (path / "state.json").write_text("{}")
    old = time.time() - 40 * 24 * 3600
    os.utime(abandoned / "state.json", (old, old))
    index.rebuild()
    assert not old_version.exists() and not abandoned.exists()
    assert other_in_use.exists() and index.directory.exists()


def test_while_another_process_builds_the_missing_index_a_search_is_a_503(client):
    import fcntl

    make_clause(heading="Escrow", text="escrow")
    index = search_index()
    index.root.mkdir(parents=True, exist_ok=True)
    with open(index.root / f"{index.database}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as the building process holds it
        response = client.get("/search/", {"q": "escrow"})
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Escrow" in client.get("/search/", {"q": "escrow"}).text
