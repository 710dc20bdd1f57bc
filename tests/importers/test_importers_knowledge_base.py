import copy
import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kb.dates import DatePrecision
from kb.importers.knowledge_base import (
    KnowledgeBaseFormatError,
    export_knowledge_base,
    import_knowledge_base,
    read_document,
)
from kb.models import Announcement, Clause, ClauseEffect, Party, Status, Topic
from tests.factories import make_announcement, make_clause, make_party, make_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def knowledge_base():
    """The demo, plus records with every kind of value the demo lacks."""
    call_command("load_demo", stdout=None)
    publisher = get_user_model().objects.create_user("publisher")
    party = make_party("Example Corp", short_name="Example", aliases="Ex\nExample Inc.")
    topic = make_topic("Safety", description="Safety commitments.")
    earlier = make_announcement(
        "Earlier terms",
        date=dt.date(2025, 10, 1),
        date_precision=DatePrecision.MONTH,
        parties=[party],
        published_by=publisher,
        credit="Example credit",
    )
    first = make_clause(
        earlier,
        "A term",
        "Its text.",
        topics=[topic],
        parties=[party],
        effective_from=dt.date(2025, 10, 1),
        effective_from_precision=DatePrecision.MONTH,
    )
    later = make_announcement("Later terms", status=Status.DRAFT, date=dt.date(2026, 1, 2))
    make_clause(later, "The term, amended", supersedes=first, effect=ClauseEffect.AMENDED)
    return export_knowledge_base()


def _flush():
    """Empty the knowledge base and the user accounts, as on a fresh database. (The
    flush command cannot run inside a test's transaction on PostgreSQL.)"""
    Clause.objects.update(supersedes=None)
    for model in (Clause, Announcement, Topic, Party, get_user_model()):
        model.objects.all().delete()


def test_an_export_restores_everything_on_an_empty_database(knowledge_base):
    _flush()
    get_user_model().objects.create_user("publisher")
    import_knowledge_base(document=knowledge_base)
    assert export_knowledge_base() == knowledge_base


def test_the_export_is_json_with_a_format_version(knowledge_base, tmp_path):
    path = tmp_path / "kb.json"
    call_command("export_kb", str(path), stdout=None)
    document = read_document(path.read_bytes(), filename=str(path))
    assert (document["format"], document["version"]) == ("kb", 1)
    assert document == json.loads(json.dumps(knowledge_base))


def test_the_commands_round_trip_through_a_file(knowledge_base, tmp_path):
    path = tmp_path / "kb.json"
    call_command("export_kb", str(path), stdout=None)
    _flush()
    get_user_model().objects.create_user("publisher")
    call_command("import_kb", str(path), stdout=None)
    assert export_knowledge_base() == knowledge_base


def test_a_missing_user_leaves_who_published_unknown(knowledge_base):
    _flush()
    import_knowledge_base(document=knowledge_base)
    assert Announcement.objects.get(slug="earlier-terms").published_by is None


def test_importing_into_a_non_empty_database_is_refused(knowledge_base):
    with pytest.raises(KnowledgeBaseFormatError, match="not empty"):
        import_knowledge_base(document=knowledge_base)


def test_replace_deletes_what_was_there_first(knowledge_base):
    make_party("Only here")
    import_knowledge_base(document=knowledge_base, replace=True)
    assert not Party.objects.filter(name="Only here").exists()
    assert Clause.objects.count() == sum(len(a["clauses"]) for a in knowledge_base["announcements"])


def _broken(document, change):
    document = copy.deepcopy(document)
    change(document)
    return document


def _announcement(document, slug):
    return next(item for item in document["announcements"] if item["slug"] == slug)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: _announcement(d, "earlier-terms")["clauses"][0].update(effect="bogus"),
            "announcement 'earlier-terms', clause 1: effect",
        ),
        (
            lambda d: _announcement(d, "earlier-terms").update(parties=["nobody"]),
            "announcement 'earlier-terms': unknown party 'nobody'",
        ),
        (
            lambda d: _announcement(d, "later-terms")["clauses"][0].update(
                supersedes={"announcement": "earlier-terms", "position": 9}
            ),
            "announcement 'later-terms', clause 1: supersedes clause 9",
        ),
        (
            lambda d: _announcement(d, "earlier-terms").update(date="October 2025"),
            "announcement 'earlier-terms': date 'October 2025' is not a date",
        ),
        (lambda d: d["topics"][0].pop("name"), "topic 'agi': missing 'name'"),
        (
            lambda d: _announcement(d, "earlier-terms").update(published_at=None),
            "announcement 'earlier-terms'",
        ),
        (
            lambda d: _announcement(d, "earlier-terms").update(date="2026-06-01"),
            "announcement 'later-terms', clause 1: A clause cannot supersede a clause of a later",
        ),
        (
            lambda d: _announcement(d, "earlier-terms").update(date="0001-01-01"),
            r"announcement 'earlier-terms'.*0001-01-01 is outside the dates.*1900-01-01",
        ),
        (
            lambda d: _announcement(d, "earlier-terms")["clauses"][0].update(text="x" * 50_001),
            "announcement 'earlier-terms', clause 1.*at most 50000 characters",
        ),
        (
            lambda d: d["topics"][0].update(name="AG\x0cI"),
            r"topic 'agi'.*control character \(U\+000C\)",
        ),
    ],
    ids=[
        "bad-effect",
        "unknown-party",
        "missing-superseded-clause",
        "bad-date",
        "missing-field",
        "published-without-timestamp",
        "lineage-out-of-order",
        "date-out-of-range",
        "clause-too-long",
        "control-character",
    ],
)
def test_an_invalid_record_is_named_and_nothing_is_imported(knowledge_base, change, message):
    _flush()
    with pytest.raises(KnowledgeBaseFormatError, match=message):
        import_knowledge_base(document=_broken(knowledge_base, change))
    assert not Party.objects.exists() and not Topic.objects.exists()
    assert not Announcement.objects.exists()


def test_invalid_json_names_the_line():
    with pytest.raises(KnowledgeBaseFormatError, match=r"kb.json:2:13: not valid JSON"):
        read_document(b'{"format": "kb",\n "version": }', filename="kb.json")


def test_an_unknown_format_version_is_refused():
    with pytest.raises(KnowledgeBaseFormatError, match="version 2"):
        read_document(b'{"format": "kb", "version": 2}', filename="kb.json")


def test_the_import_command_exits_with_the_message_and_changes_nothing(knowledge_base, tmp_path):
    path = tmp_path / "kb.json"
    path.write_text(json.dumps(knowledge_base), encoding="utf-8")
    before = Announcement.objects.count()
    with pytest.raises(CommandError, match=rf"{path}: the knowledge base is not empty"):
        call_command("import_kb", str(path))
    assert Announcement.objects.count() == before


def test_restored_timestamps_are_the_exported_ones(knowledge_base):
    _flush()
    import_knowledge_base(document=knowledge_base)
    restored = Announcement.objects.get(slug="earlier-terms")
    exported = _announcement(knowledge_base, "earlier-terms")
    assert restored.created_at == dt.datetime.fromisoformat(exported["created_at"])
    assert restored.created_at < timezone.now()


def test_each_restored_record_has_one_revision_with_its_relations(knowledge_base):
    _flush()
    import_knowledge_base(document=knowledge_base)
    clause = Clause.objects.get(heading="The term, amended")
    (revision,) = clause.history.all()
    assert revision.history_type == "+"
    assert revision.supersedes_id == clause.supersedes_id
    first = Clause.objects.get(heading="A term")
    assert [row.topic.slug for row in first.history.get().topics.all()] == ["safety"]


def test_parties_of_one_name_in_a_document_become_one_with_the_other_name_as_alias(
    knowledge_base, capsys, tmp_path
):
    """A document made before importers shared one party lookup may hold "Microsoft"
    and "MICROSOFT CORPORATION" (CUAD's spelling): restored, they are one party."""
    duplicate = {"slug": "microsoft-corporation", "name": "MICROSOFT CORPORATION"}
    duplicate |= {"short_name": "", "aliases": "", "website": ""}
    knowledge_base["parties"].append(duplicate)
    knowledge_base["announcements"][0]["parties"].append("microsoft-corporation")
    path = tmp_path / "kb.json"
    path.write_text(json.dumps(knowledge_base), encoding="utf-8")
    _flush()
    call_command("import_kb", str(path))
    assert "(1 more merged into a party of the same name)" in capsys.readouterr().out
    microsoft = Party.objects.get(slug="microsoft")
    assert microsoft.alias_list == ["MICROSOFT CORPORATION"]
    assert not Party.objects.filter(slug="microsoft-corporation").exists()
    first = Announcement.objects.get(slug=knowledge_base["announcements"][0]["slug"])
    assert list(first.parties.filter(slug__startswith="microsoft")) == [microsoft]
    assert microsoft.history.count() == 1
