"""The citation line of a clause page (kb/citations.py)."""

import datetime as dt
import re

import pytest

from kb.citations import clause_citation, full_heading
from kb.dates import DatePrecision
from tests.factories import make_announcement, make_clause, make_party

pytestmark = pytest.mark.django_db

PERMALINK = "http://kb.example/clauses/1/"
CUAD_TEXT = (
    "This agreement shall begin upon the date of its execution by MA and acceptance in "
    "writing by Company. It shall remain in effect until the end of the current calendar year."
)


def cite(clause) -> str:
    return clause_citation(clause, PERMALINK)


def test_a_citation_names_the_parties_title_clause_date_source_and_permalink():
    announcement = make_announcement(
        "Joint Statement",
        date=dt.date(2025, 10, 1),
        date_precision=DatePrecision.MONTH,
        parties=[make_party("Microsoft"), make_party("OpenAI")],
        source_url="https://example.com/statement",
    )
    clause = make_clause(announcement, "Azure remains the exclusive cloud provider", position=4)
    assert cite(clause) == (
        "Microsoft and OpenAI. “Joint Statement”, clause 4: "
        "“Azure remains the exclusive cloud provider”. October 2025. "
        "https://example.com/statement. http://kb.example/clauses/1/"
    )


@pytest.mark.parametrize(
    ("party", "heading"),
    [
        ("Newegg Inc.", "Sponsorship fees"),
        ("Newegg Inc", "The partnership remains strong and central."),
        ("Newegg Inc.", "Is the partnership strong?"),
    ],
    ids=["party-ends-with-a-stop", "heading-ends-with-a-stop", "heading-is-a-question"],
)
def test_a_citation_never_doubles_a_full_stop(party, heading):
    clause = make_clause(
        make_announcement("SPONSORSHIP AGREEMENT", parties=[make_party(party)]), heading
    )
    citation = cite(clause)
    assert not re.search(r"[.?!][”\"]?\.", citation.replace(PERMALINK, ""))
    assert citation.startswith(f"{party.rstrip('.')}. “SPONSORSHIP AGREEMENT”")


def test_a_heading_cut_from_the_clause_text_is_quoted_in_full():
    """CUAD's importer heads a clause with its first words and "…"."""
    clause = make_clause(
        heading="This agreement shall begin upon the date of its execution …", text=CUAD_TEXT
    )
    assert full_heading(clause) == (
        "This agreement shall begin upon the date of its execution by MA and acceptance in "
        "writing by Company."
    )
    assert "…" not in cite(clause)
    assert "by Company.” Date unknown." in cite(clause)


@pytest.mark.parametrize(
    ("heading", "text"),
    [
        ("Licence fees …", "Royalties are due quarterly."),
        ("Exclusive cloud provider", CUAD_TEXT),
    ],
    ids=["not-the-start-of-its-text", "not-cut"],
)
def test_any_other_heading_is_quoted_as_it_is(heading, text):
    assert full_heading(make_clause(heading=heading, text=text)) == heading


def test_a_cut_heading_of_a_text_without_a_full_stop_quotes_the_whole_text():
    text = "Licensee shall not sublicense the Software to any third party without consent"
    clause = make_clause(heading="Licensee shall not sublicense …", text=text)
    assert full_heading(clause) == text
