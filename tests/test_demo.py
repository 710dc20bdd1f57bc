import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from kb.dates import DatePrecision
from kb.demo import DEMO_STATEMENT, RELATED, TOPICS
from kb.models import Announcement, Clause, ClauseEffect, Party, Status, Topic

pytestmark = pytest.mark.django_db

IP_LICENCE = "ip-licence"


@pytest.fixture
def demo():
    call_command("load_demo", stdout=None)


def _snapshot():
    return sorted(
        Clause.objects.values_list(
            "announcement__slug", "position", "heading", "effect", "supersedes__heading"
        )
    )


def test_the_demo_publishes_the_statement_and_its_five_related_announcements(demo):
    assert Announcement.objects.published().count() == 6
    statement = Announcement.objects.get(source_url__contains="continuing-microsoft-partnership")
    assert statement.clauses.count() == 7


def test_the_demo_has_the_three_named_parties_and_the_editors_topics(demo):
    assert set(Party.objects.values_list("name", flat=True)) == {"OpenAI", "Microsoft", "Amazon"}
    assert set(Topic.objects.values_list("name", flat=True)) == set(TOPICS)


def test_the_demo_invents_no_dates(demo):
    assert not Announcement.objects.filter(date__isnull=False).exists()
    assert not Clause.objects.filter(effective_from__isnull=False).exists()
    assert set(
        Clause.objects.exclude(effective_until=None).values_list("effective_until", flat=True)
    ) == {dt.date(2032, 12, 31)}


def test_related_clauses_use_the_words_of_their_own_summary(demo):
    for clause in Clause.objects.exclude(announcement__source_url__startswith="https"):
        assert clause.text in clause.announcement.summary


def test_unchanged_clauses_of_the_statement_are_reaffirmed(demo):
    statement = Announcement.objects.get(source_url__contains="continuing-microsoft-partnership")
    effects = dict(statement.clauses.values_list("position", "effect"))
    assert effects[2] == effects[3] == effects[6] == ClauseEffect.REAFFIRMED
    assert effects[4] == ClauseEffect.AMENDED


def test_on_2026_11_25_the_ip_licence_in_force_is_the_amended_non_exclusive_one(demo):
    in_force = Clause.objects.published().in_force_on(dt.date(2026, 11, 25))
    assert list(in_force.filter(topics__slug=IP_LICENCE).values_list("heading", flat=True)) == [
        "Microsoft's license to OpenAI IP is non-exclusive through 2032"
    ]


def test_after_2032_no_ip_licence_clause_is_in_force(demo):
    in_force = Clause.objects.published().in_force_on(dt.date(2033, 1, 1))
    assert not in_force.filter(topics__slug=IP_LICENCE).exists()


def test_the_ip_lineage_runs_from_the_definitive_agreement_to_the_amended_agreement(demo):
    latest = Clause.objects.get(heading__startswith="Microsoft's license to OpenAI IP")
    chain = [latest.heading] + [
        Clause.objects.get(pk=pk).heading for pk in latest.lineage_ancestor_ids()
    ]
    assert chain == [
        "Microsoft's license to OpenAI IP is non-exclusive through 2032",
        "Our IP relationship continues unchanged",
        "IP rights extended through 2032",
    ]
    assert latest.effective_until_precision == DatePrecision.YEAR


def test_the_cloud_lineage_ends_at_the_statements_stateless_api_clause(demo):
    clause = Clause.objects.get(heading__startswith="Azure remains the exclusive cloud provider of")
    assert [Clause.objects.get(pk=pk).heading for pk in clause.lineage_ancestor_ids()] == [
        "Azure remains the exclusive cloud provider for all OpenAI workloads across research, "
        "API, and products",
        "Azure is the primary cloud platform for OpenAI's deep learning and AI research",
    ]


def test_loading_the_demo_twice_changes_nothing(demo):
    before = (_snapshot(), Announcement.history.count(), Clause.history.count())
    call_command("load_demo", stdout=None)
    assert (_snapshot(), Announcement.history.count(), Clause.history.count()) == before


def test_refreshing_the_demo_restores_its_curation_without_duplicates(demo):
    before = _snapshot()
    Clause.objects.filter(effect=ClauseEffect.REAFFIRMED).update(effect=ClauseEffect.NEW)
    call_command("load_demo", "--refresh", stdout=None)
    assert _snapshot() == before
    assert Announcement.objects.count() == 1 + len(RELATED)


def test_the_demo_statement_file_is_the_seed():
    assert DEMO_STATEMENT.read_text(encoding="utf-8").startswith(
        "OpenAI and Microsoft issue a joint statement"
    )


def test_loading_the_demo_curates_and_publishes_a_statement_imported_by_hand_before():
    call_command("import_statement", str(DEMO_STATEMENT), stdout=None)
    call_command("load_demo", stdout=None)
    assert Topic.objects.count() == len(TOPICS)
    assert not Announcement.objects.exclude(status=Status.PUBLISHED).exists()


# The demo editor --------------------------------------------------------------------


def test_the_demo_editor_is_created_with_a_generated_password_printed_once(settings, capsys):
    settings.KB_DEMO_EDITOR_USERNAME = "demo-editor"
    call_command("ensure_demo_editor")
    password = capsys.readouterr().out.split("password: ")[1].split()[0]
    user = get_user_model().objects.get(username="demo-editor")
    assert user.is_staff and user.check_password(password)
    assert user.has_perm("kb.change_clause") and user.has_perm("kb.add_announcement")


def test_running_it_again_leaves_the_password_unchanged(settings, capsys):
    settings.KB_DEMO_EDITOR_USERNAME = "demo-editor"
    call_command("ensure_demo_editor")
    password = get_user_model().objects.get(username="demo-editor").password
    capsys.readouterr()
    call_command("ensure_demo_editor")
    assert "password unchanged" in capsys.readouterr().out
    assert get_user_model().objects.get(username="demo-editor").password == password


def test_the_password_can_come_from_the_environment(settings, monkeypatch, capsys):
    settings.KB_DEMO_EDITOR_USERNAME = "demo-editor"
    monkeypatch.setenv("KB_DEMO_EDITOR_PASSWORD", "a-long-demo-passphrase-42")
    call_command("ensure_demo_editor")
    assert "a-long-demo-passphrase-42" not in capsys.readouterr().out
    user = get_user_model().objects.get(username="demo-editor")
    assert user.check_password("a-long-demo-passphrase-42")


def test_a_weak_password_from_the_environment_is_refused(settings, monkeypatch):
    settings.KB_DEMO_EDITOR_USERNAME = "demo-editor"
    monkeypatch.setenv("KB_DEMO_EDITOR_PASSWORD", "123")
    with pytest.raises(CommandError, match="too weak"):
        call_command("ensure_demo_editor")
    assert not get_user_model().objects.filter(username="demo-editor").exists()


def test_the_demo_editor_joins_the_publishers_group_when_there_is_one(settings):
    settings.KB_DEMO_EDITOR_USERNAME = "demo-editor"
    publishers = Group.objects.get_or_create(name="Publishers")[0]
    call_command("ensure_demo_editor", stdout=None)
    assert list(get_user_model().objects.get(username="demo-editor").groups.all()) == [publishers]
