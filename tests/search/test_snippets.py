"""Snippets: the passage of a record around the words found, escaped, with <mark>."""

import pytest

from kb.filters import SearchFilter
from kb.search.results import attach_snippets
from tests.factories import make_announcement, make_clause

pytestmark = pytest.mark.django_db


def snippets(query: str) -> list[str]:
    filterset = SearchFilter({"q": query})
    assert filterset.is_valid(), filterset.errors
    records = list(filterset.qs)
    attach_snippets(records, filterset.results)
    return [record.snippet for record in records]


def test_snippets_mark_the_matched_words():
    make_clause(heading="Revenue share", text="A revenue share applies to sales through 2030.")
    assert "<mark>revenue</mark> share" in snippets("revenue")[0]


def test_word_forms_are_marked_as_written():
    make_clause(heading="Ending", text="Either party may terminate; termination takes a month.")
    (snippet,) = snippets("terminated")
    assert "<mark>terminate</mark>" in snippet and "<mark>termination</mark>" in snippet


def test_a_prefix_marks_the_words_it_starts():
    make_clause(heading="Ending", text="The termination clause applies.")
    assert "<mark>termination</mark>" in snippets("terminat*")[0]


@pytest.mark.parametrize(
    "markup",
    ["<script>alert(1)</script>", '<img src=x onerror="alert(1)">'],
    ids=["script", "img-onerror"],
)
def test_snippets_escape_markup_in_the_text(markup):
    make_clause(make_announcement(), "Hostile", f"escrow {markup} escrow")
    (snippet,) = snippets("escrow")
    assert "<mark>escrow</mark>" in snippet
    assert "<script" not in snippet
    assert "<img" not in snippet


def test_marker_characters_in_a_record_cannot_forge_a_highlight():
    make_clause(make_announcement(), "Forged", "escrow \x02<b>\x03 forged")
    (snippet,) = snippets("escrow")
    assert snippet.count("<mark>") == 1
    assert "<b>" not in snippet


def test_an_announcement_hit_shows_its_summary_around_the_words():
    make_announcement(
        "Definitive agreement",
        summary="Microsoft increases its investment to $135 billion (27% stake).",
    )
    (snippet,) = snippets("stake")
    assert "<mark>stake</mark>" in snippet and "135 billion" in snippet


def test_a_long_text_gives_a_short_snippet_around_the_match():
    filler = "lorem ipsum dolor sit amet " * 1_500  # a clause near its 50,000-character limit
    make_clause(heading="Long", text=filler[:5_000] + " the escrow agent " + filler)
    (snippet,) = snippets("escrow")
    assert "<mark>escrow</mark>" in snippet
    assert len(snippet) < 400
    assert snippet.startswith("… ") and snippet.endswith(" …")
