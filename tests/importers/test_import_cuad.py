import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kb.dates import DatePrecision, PartialDate
from kb.importers.cuad import (
    CREDIT,
    CuadFormatError,
    heading_from_text,
    parse_answer_date,
    parse_cuad,
    parse_parties,
)
from kb.models import Announcement, AnnouncementKind, Clause, Party, Status, Topic
from tests.factories import make_party
from tests.samples import CuadRow, write_cuad_sample

GRANT = "Licensor hereby grants Licensee a non-exclusive license to use the Software in Canada."
LAW = "This Agreement shall be governed by the laws of the State of New York."
CAP = "Liability of either party shall not exceed the fees paid under this Agreement."
TEXT = (
    "LICENSE AGREEMENT\n\nThis License Agreement is made on May 8, 2014.\n\n"
    f"1. {GRANT}\n\n2. {LAW}\n\n3. {CAP}\n\n4. Notices go to the addresses above.\n"
)


def sample_row(**fields) -> CuadRow:
    fields.setdefault("filename", "ACME_20140508_EX-10.1_License Agreement.pdf")
    fields.setdefault("text", TEXT)
    fields.setdefault(
        "spans", {"License Grant": [GRANT], "Governing Law": [LAW], "Cap on Liability": [CAP]}
    )
    return CuadRow(**fields)


def parse_one(tmp_path, **fields):
    (contract,) = parse_cuad(write_cuad_sample(tmp_path, [sample_row(**fields)]))
    return contract


# --- parsing (no database) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("5/8/2014", PartialDate(dt.date(2014, 5, 8), DatePrecision.DAY)),
        ("07/[]/2000", PartialDate(dt.date(2000, 7, 1), DatePrecision.MONTH)),
        ("[]/[]/2014", PartialDate(dt.date(2014, 1, 1), DatePrecision.YEAR)),
        ("09/14/200[]", PartialDate.unknown()),
        ("04/30/[]", PartialDate.unknown()),
        ("", PartialDate.unknown()),
        ("09/01/2006; 8/31/2007", PartialDate(dt.date(2006, 9, 1), DatePrecision.DAY)),
    ],
    ids=["full", "month", "year", "partial-year", "no-year", "empty", "first-of-two"],
)
def test_an_answer_date_keeps_only_the_precision_the_cell_gives(cell, expected):
    assert parse_answer_date(cell) == expected


@pytest.mark.parametrize("cell", ["5/8/14", "2/30/2014", "May 2014"])
def test_an_unreadable_answer_date_is_refused(cell):
    with pytest.raises(ValueError, match="date"):
        parse_answer_date(cell)


def test_parties_leave_out_the_terms_the_contract_defines():
    spans = [
        "BIRCH FIRST GLOBAL INC.",
        "MA",
        "Marketing Affiliate",
        "Mount Holdings Inc.",
        "Company",
    ]
    answer = (
        'Birch First Global Inc. ("Company"); Mount Holdings Inc. ("Marketing Affiliate", "MA")'
    )
    assert parse_parties(spans, answer) == ("BIRCH FIRST GLOBAL INC.", "Mount Holdings Inc.")


def test_parties_spelt_twice_are_one_party_preferably_not_in_capitals():
    spans = ["E.PIPHANY, INC.", "E.piphany, Inc.", "Ingram", "Ingram Micro"]
    assert parse_parties(spans, "") == ("E.piphany, Inc.", "Ingram Micro")


def test_fragments_and_roles_in_the_parties_column_are_not_parties():
    spans = [
        '(each, a "Party")',
        "collectively, the Borrowers",
        "________",
        "Franchisee",
        "Acme Ltd",
    ]
    assert parse_parties(spans, "") == ("Acme Ltd",)


def test_a_heading_is_the_clause_own_first_words():
    assert heading_from_text(CAP) == "Liability of either party shall not exceed the fees paid …"
    assert heading_from_text("Governed by New York law.") == "Governed by New York law."


def test_a_heading_never_runs_past_its_length():
    assert heading_from_text("x" * 200 + " more") == "x" * 80 + " …"


def test_a_span_at_the_very_start_leaves_an_omission_mark(tmp_path):
    contract = parse_one(tmp_path, text=f"{GRANT}\n\nNotices go to the addresses above.")
    assert contract.remaining_text == "[…]\n\nNotices go to the addresses above."


def test_the_effective_date_is_used_when_the_agreement_date_is_unknown(tmp_path):
    contract = parse_one(tmp_path, agreement_date="", effective_date="[]/[]/2015")
    assert contract.date == PartialDate(dt.date(2015, 1, 1), DatePrecision.YEAR)


def test_clauses_follow_the_contract_order_and_leave_the_rest_as_text(tmp_path):
    contract = parse_one(tmp_path)
    assert [clause.text for clause in contract.clauses] == [GRANT, LAW, CAP]
    assert GRANT not in contract.remaining_text
    assert "4. Notices go to the addresses above." in contract.remaining_text


def test_a_span_labelled_with_two_categories_is_one_clause_with_both(tmp_path):
    contract = parse_one(tmp_path, spans={"License Grant": [CAP], "Cap on Liability": [CAP]})
    (clause,) = contract.clauses
    assert clause.categories == ("License Grant", "Cap on Liability")


def test_the_parts_of_a_split_span_are_joined_by_an_ellipsis(tmp_path):
    contract = parse_one(tmp_path, spans={"License Grant": [f"{GRANT}<omitted>{CAP}"]})
    assert contract.clauses[0].text == f"{GRANT} […] {CAP}"
    assert CAP not in contract.remaining_text


# --- importing --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_contract_becomes_a_published_agreement_credited_to_cuad(tmp_path):
    call_command("import_cuad", write_cuad_sample(tmp_path, [sample_row()]), verbosity=0)
    announcement = Announcement.objects.get()
    assert (announcement.title, announcement.kind, announcement.status) == (
        "LICENSE AGREEMENT",
        AnnouncementKind.AGREEMENT,
        Status.PUBLISHED,
    )
    assert announcement.partial_date == PartialDate(dt.date(2014, 5, 8), DatePrecision.DAY)
    assert announcement.credit == CREDIT
    assert [party.name for party in announcement.parties.all()] == ["Acme Widgets, Inc."]


@pytest.mark.django_db
def test_each_labelled_span_becomes_a_clause_with_its_category_as_topic(tmp_path):
    call_command("import_cuad", write_cuad_sample(tmp_path, [sample_row()]), verbosity=0)
    clause = Clause.objects.get(text=LAW)
    assert [topic.name for topic in clause.topics.all()] == ["Governing Law"]
    assert clause.heading != "Governing Law"


@pytest.mark.django_db
def test_topics_carry_the_category_descriptions(tmp_path):
    call_command("import_cuad", write_cuad_sample(tmp_path, [sample_row()]), verbosity=0)
    topic = Topic.objects.get(slug="cap-on-liability")
    assert topic.description == "Does the contract include a cap on liability upon the breach?"


@pytest.mark.django_db
def test_the_clause_page_credits_the_data_set(client, tmp_path):
    call_command("import_cuad", write_cuad_sample(tmp_path, [sample_row()]), verbosity=0)
    response = client.get(reverse("kb:clause", args=[Clause.objects.first().pk]))
    assert CREDIT in response.text


@pytest.mark.django_db
def test_importing_again_changes_nothing(tmp_path, capsys):
    directory = write_cuad_sample(tmp_path, [sample_row()])
    call_command("import_cuad", directory, verbosity=0)
    before = list(Clause.objects.values_list("id", "heading", "updated_at"))
    call_command("import_cuad", directory, verbosity=0)
    assert list(Clause.objects.values_list("id", "heading", "updated_at")) == before
    assert (Announcement.objects.count(), Party.objects.count()) == (1, 1)
    assert "Imported 0 contracts" in capsys.readouterr().out


@pytest.mark.django_db
def test_parties_already_known_are_reused(tmp_path):
    existing = Party.objects.create(name="ACME WIDGETS, INC.", slug="acme-widgets-inc")
    call_command("import_cuad", write_cuad_sample(tmp_path, [sample_row()]), verbosity=0)
    assert list(Announcement.objects.get().parties.all()) == [existing]


@pytest.mark.django_db
def test_limit_imports_only_the_first_contracts(tmp_path):
    rows = [sample_row(filename=f"C{number}_Agreement.pdf") for number in range(3)]
    call_command("import_cuad", write_cuad_sample(tmp_path, rows), limit=2, verbosity=0)
    assert Announcement.objects.count() == 2


@pytest.mark.django_db
def test_a_bad_cell_names_the_file_and_line_and_imports_nothing(tmp_path):
    rows = [
        sample_row(filename="Good_Agreement.pdf"),
        sample_row(filename="Bad_Agreement.pdf", raw_cells={"Parties": "['Acme"}),
    ]
    with pytest.raises(CommandError, match=r"master_clauses.csv:3: column 'Parties'"):
        call_command("import_cuad", write_cuad_sample(tmp_path, rows), verbosity=0)
    assert not Announcement.objects.exists()
    assert not Topic.objects.exists()


@pytest.mark.django_db
def test_a_missing_contract_text_names_the_line(tmp_path):
    directory = write_cuad_sample(tmp_path, [sample_row()])
    next((directory / "full_contract_txt").iterdir()).unlink()
    with pytest.raises(CommandError, match=r"master_clauses.csv:2: no contract text"):
        call_command("import_cuad", directory, verbosity=0)
    assert not Announcement.objects.exists()


def test_a_two_digit_year_is_refused_with_its_line(tmp_path):
    message = r"master_clauses.csv:2: column 'Agreement Date-Answer'.*four"
    with pytest.raises(CuadFormatError, match=message):
        parse_one(tmp_path, agreement_date="5/8/14")


# --- titles, whitespace and parties as the data set has them ----------------------------------


@pytest.mark.parametrize(
    ("cell", "title"),
    [
        ("Cooperation Agreement (", "Cooperation Agreement"),
        ("COLLABORATION AGREEMENT (“A", "COLLABORATION AGREEMENT"),
        (
            "MANUFACTURING, DESIGN AND MARKETING AGREEMENT (t",
            "MANUFACTURING, DESIGN AND MARKETING AGREEMENT",
        ),
        (
            "RESTATED NET INVESTMENT INCOME MAINTENANCE AGREEMENT,",
            "RESTATED NET INVESTMENT INCOME MAINTENANCE AGREEMENT",
        ),
        (
            "CO-BRANDING AGREEMENT                                      (FORM)",
            "CO-BRANDING AGREEMENT (FORM)",
        ),
        ("                           CONTENT LICENSING AGREEMENT", "CONTENT LICENSING AGREEMENT"),
        ("AMENDMENT NO. 3\n\n MANUFACTURING AGREEMENT", "AMENDMENT NO. 3 MANUFACTURING AGREEMENT"),
        ("(", "ACME_20140508_EX-10.1_License Agreement"),
    ],
    ids=[
        "open-bracket",
        "open-quote",
        "cut-word",
        "comma",
        "gap",
        "indent",
        "lines",
        "nothing-left",
    ],
)
def test_a_title_is_one_line_without_what_the_data_set_cut_off(tmp_path, cell, title):
    assert parse_one(tmp_path, document_name=cell).title == title


def test_texts_lose_runs_of_whitespace_and_keep_their_paragraphs(tmp_path):
    schedule = (
        'Licensee shall pay a royalty ("Royalty Schedule"):   Subscribers  \n\n\n\n  (a) 6.25%'
    )
    text = (
        f"LICENSE   AGREEMENT\n\n\n\n    Made    on May 8, 2014.\n\n{schedule}\n\n\n4. Notices.\n"
    )
    contract = parse_one(tmp_path, text=text, spans={"License Grant": [schedule]})
    (clause,) = contract.clauses
    assert clause.text == (
        'Licensee shall pay a royalty ("Royalty Schedule"): Subscribers\n\n(a) 6.25%'
    )
    assert (
        clause.heading == 'Licensee shall pay a royalty ("Royalty Schedule"): Subscribers (a) 6.25%'
    )
    assert contract.remaining_text == (
        "LICENSE AGREEMENT\n\nMade on May 8, 2014.\n\n[…]\n\n4. Notices."
    )


def test_party_names_are_one_line(tmp_path):
    contract = parse_one(tmp_path, parties=["Acme   Widgets,\n  Inc."], parties_answer="")
    assert contract.parties == ("Acme Widgets, Inc.",)


def test_the_names_of_one_party_in_a_contract_are_one_party():
    spans = ["MICROSOFT CORPORATION", "Microsoft", "Acme", "Acme Ltd.", "ACME LIMITED"]
    assert parse_parties(spans, "") == ("Microsoft", "Acme Ltd.")


@pytest.mark.django_db
def test_contracts_naming_one_party_differently_share_it(tmp_path):
    rows = [
        sample_row(filename="A_Agreement.pdf", parties=["MICROSOFT CORPORATION"]),
        sample_row(filename="B_Agreement.pdf", parties=["Microsoft"]),
        sample_row(filename="C_Agreement.pdf", parties=["Microsoft Corp."]),
    ]
    call_command("import_cuad", write_cuad_sample(tmp_path, rows), verbosity=0)
    (microsoft,) = Party.objects.all()
    assert (microsoft.name, microsoft.slug) == ("MICROSOFT CORPORATION", "microsoft-corporation")
    assert microsoft.announcements.count() == 3


@pytest.mark.django_db
def test_a_party_known_by_another_spelling_or_an_alias_is_reused(tmp_path):
    existing = make_party("Acme Widgets", aliases="Acme")
    rows = [
        sample_row(filename="A_Agreement.pdf", parties=["ACME WIDGETS, INC.", "Acme"]),
        sample_row(filename="B_Agreement.pdf", parties=["Acme Widgets Ltd"]),
    ]
    call_command("import_cuad", write_cuad_sample(tmp_path, rows), verbosity=0)
    assert list(Party.objects.all()) == [existing]
    for announcement in Announcement.objects.all():
        assert list(announcement.parties.all()) == [existing]
