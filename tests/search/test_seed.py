"""The first real record, imported plainly (``import_statement``, no curation), as a
new user would: everything it says is searchable, its related announcements too."""

import pytest
from django.core.management import call_command

from kb.demo import DEMO_STATEMENT
from kb.filters import SearchFilter
from tests.search.support import found

pytestmark = pytest.mark.django_db

RELATED = {
    "definitive": "Microsoft and OpenAI have signed a new definitive agreement",
    "amended": "Microsoft and OpenAI have announced an amended partnership agreement",
}


@pytest.fixture(autouse=True)
def seed():
    call_command("import_statement", str(DEMO_STATEMENT), "--status", "published", stdout=None)


def announcement_texts(query: str) -> list[str]:
    filterset = SearchFilter({"q": query, "type": "announcement"})
    assert filterset.is_valid(), filterset.errors
    return [f"{record.title} {record.summary} {record.text}" for record in filterset.qs]


@pytest.mark.parametrize(
    ("query", "announcement"),
    [
        ("2032", "amended"),
        ("27%", "definitive"),
        ("$135 billion", "definitive"),
        ("stake", "definitive"),
        ("non-exclusive", "amended"),
    ],
)
def test_the_related_announcements_are_found(query, announcement):
    texts = announcement_texts(query)
    assert texts, f"nothing found for {query!r}"
    assert RELATED[announcement] in texts[0]


def test_a_percentage_finds_the_stake_first():
    assert "27% stake" in announcement_texts("27%")[0]


def test_an_exclusion_applies_to_the_clauses_own_words():
    """Every clause of the statement has its summary (which says "IP") as context;
    excluding IP must still find the clauses that do not say it themselves."""
    results = found("unchanged -IP", type="clause")
    assert "clause: AGI definition and processes are unchanged" in results
    assert not [result for result in results if "IP relationship" in result]


def test_a_misspelling_offers_the_word_of_the_record():
    filterset = SearchFilter({"q": "exclusivty"})
    assert filterset.is_valid()
    assert filterset.results.count == 0
    assert filterset.results.suggestion == "exclusive"
