import pytest
from django.core.management import CommandError, call_command

from kb.filters import ClauseFilter
from kb.models import Announcement, Clause, Party
from kb.search.index import search_index

pytestmark = pytest.mark.django_db


def test_generated_clauses_are_published_and_searchable():
    call_command("kb_generate", clauses=40, seed=3, verbosity=0)
    assert Clause.objects.published().count() == 40
    found = ClauseFilter({"q": "agreement OR shall OR party"})
    assert found.is_valid(), found.errors
    assert found.results.count
    assert found.qs[:1]


def test_the_command_brings_the_search_index_up_to_date():
    call_command("kb_generate", clauses=20, seed=4, verbosity=0)
    published = Clause.objects.published().count() + Announcement.objects.published().count()
    # As the command left it, without the update a search would make first.
    assert search_index().searcher().num_docs == published


def test_the_same_seed_writes_the_same_texts():
    call_command("kb_generate", clauses=10, seed=5, verbosity=0)
    first = list(Clause.objects.order_by("pk").values_list("text", flat=True))
    Clause.objects.all().delete()
    Announcement.objects.all().delete()
    Party.objects.all().delete()
    call_command("kb_generate", clauses=10, seed=5, verbosity=0)
    assert list(Clause.objects.order_by("pk").values_list("text", flat=True)) == first


def test_running_twice_adds_to_what_is_there():
    call_command("kb_generate", clauses=10, seed=1, verbosity=0)
    call_command("kb_generate", clauses=10, seed=1, verbosity=0)
    assert Clause.objects.count() == 20


def test_generated_lineage_links_keep_date_order():
    call_command("kb_generate", clauses=300, seed=2, verbosity=0)
    for clause in Clause.objects.filter(supersedes__isnull=False).select_related(
        "announcement", "supersedes__announcement"
    ):
        assert clause.supersedes.announcement.date <= clause.announcement.date


def test_a_source_directory_without_text_files_is_refused(tmp_path):
    with pytest.raises(CommandError, match="no .txt files"):
        call_command("kb_generate", clauses=5, source=tmp_path, verbosity=0)


def test_clause_texts_can_come_from_a_directory_of_prose(tmp_path):
    (tmp_path / "contract.txt").write_text("The licensee shall pay royalties quarterly. " * 40)
    call_command("kb_generate", clauses=5, seed=1, source=tmp_path, verbosity=0)
    assert all("royalties" in text for text in Clause.objects.values_list("text", flat=True))
