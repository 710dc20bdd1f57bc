"""kb/importers/base.py: one party for one name, whichever importer meets it."""

import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from kb.importers.base import FormatError, PartyLookup, normalise_text, party_key, party_slug
from kb.importers.cuad import CuadFormatError
from kb.importers.statement import StatementFormatError, import_statement, parse_statement
from kb.models import Announcement, Party
from tests.factories import make_party
from tests.samples import CuadRow, write_cuad_sample


@pytest.mark.parametrize(
    ("names", "key"),
    [
        (["Microsoft", "MICROSOFT CORPORATION", "Microsoft Corp.", "microsoft, inc"], "microsoft"),
        (["E.PIPHANY, INC.", "E.piphany, Inc.", "Epiphany Incorporated"], "epiphany"),
        (["Acme Co., Ltd.", "ACME LIMITED", "Acme Company", "The Acme Co"], "acme"),
        (["Kinder Morgan Energy Partners, L.P.", "Kinder Morgan Energy Partners LP"], None),
        (["Siemens AG", "SIEMENS"], "siemens"),
        (["Société Générale S.A.", "Societe Generale SA", "SOCIÉTÉ GÉNÉRALE S. A."], None),
        (["Lazard Frères GmbH", "Lazard Freres"], "lazard freres"),
        (["HSBC Holdings plc", "HSBC HOLDINGS PLC"], "hsbc holdings"),
        (["Procter & Gamble Co.", "Procter and Gamble"], "procter and gamble"),
        (["OpenAI  Global,\nLLC", "OpenAI Global L.L.C."], "openai global"),
    ],
    ids=[
        "corporation",
        "dots",
        "limited",
        "lp",
        "ag",
        "sa-accents",
        "gmbh",
        "plc",
        "ampersand",
        "llc",
    ],
)
def test_names_of_one_party_share_a_key(names, key):
    keys = {party_key(name) for name in names}
    assert len(keys) == 1, keys
    if key is not None:
        assert keys == {key}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Microsoft", "Microsoft Holdings"),
        ("Acme Inc.", "Acme Holdings Inc."),
        ("Company", "Inc."),
        ("Apple", "Pineapple"),
    ],
)
def test_different_parties_keep_different_keys(first, second):
    assert party_key(first) != party_key(second)


def test_a_name_that_is_only_a_suffix_keeps_it():
    assert party_key("The Company") == "company"
    assert party_key("Inc.") == "inc"


def test_a_party_slug_separates_words_at_slashes_and_ampersands():
    assert party_slug("AT&T / Bell Labs_Inc") == "at-t-bell-labs-inc"
    assert party_slug("★") == "party"


def test_a_text_keeps_its_paragraphs_and_loses_runs_of_whitespace():
    text = "  Royalty:   Subscribers\t\tRoyalty \r\n\r\n\r\n\r\n  (a) loss;  \n  (b) gain.\n\n"
    assert normalise_text(text) == "Royalty: Subscribers Royalty\n\n(a) loss;\n(b) gain."


@pytest.mark.django_db
def test_the_lookup_finds_a_party_by_any_spelling_of_its_name_or_an_alias():
    microsoft = make_party("Microsoft Corporation", aliases="MSFT\nMicrosoft Azure")
    lookup = PartyLookup()
    assert lookup.find("MICROSOFT CORP.") == microsoft
    assert lookup.find("msft") == microsoft
    assert lookup.find("Microsoft Azure, Inc.") == microsoft
    assert lookup.find("Amazon") is None


@pytest.mark.django_db
def test_a_name_wins_over_another_partys_alias_and_the_oldest_party_wins_a_tie():
    older = make_party("Acme", slug="acme")
    make_party("ACME INC.", slug="acme-inc")  # made before the lookup existed
    alias_holder = make_party("Widgets", aliases="Acme")
    assert PartyLookup().find("Acme Ltd") == older
    assert PartyLookup().find("Widgets") == alias_holder


@pytest.mark.django_db
def test_a_new_party_gets_a_free_slug_and_is_found_before_it_is_saved():
    make_party("AcmeWidgets", slug="acmewidgets")
    lookup = PartyLookup()
    party, new = lookup.get_or_new("Acme  / Widgets  Holdings")
    assert new and party.pk is None
    assert (party.name, party.slug) == ("Acme / Widgets Holdings", "acme-widgets-holdings")
    assert lookup.get_or_new("ACME/WIDGETS HOLDINGS, INC.") == (party, False)
    # Another party (another key) whose name slugifies as an existing party's:
    other, new = lookup.get_or_new("Acme+Widgets")
    assert new and other.slug == "acmewidgets-2"
    assert lookup.find("acmewidgets").slug == "acmewidgets"


STATEMENT = (
    "Summary.\n# Joint Statement from OpenAI and Microsoft\nSource: https://example.com/a\n"
    "**Heading\\.**Body\\.\n"
)


@pytest.mark.django_db
def test_every_importer_gives_one_name_the_same_party_and_slug(tmp_path):
    """The statement importer names "Microsoft"; CUAD "MICROSOFT CORPORATION"; the
    demo "Microsoft": one party, with the slug the first of them gave it."""
    import_statement(parsed=parse_statement(STATEMENT))
    microsoft = Party.objects.get(name="Microsoft")
    row = CuadRow(
        filename="MSFT_Agreement.pdf",
        text="LICENSE AGREEMENT between MICROSOFT CORPORATION and Acme.",
        parties=["MICROSOFT CORPORATION", "Acme Widgets, Inc.", "Licensor"],
        parties_answer='MICROSOFT CORPORATION; Acme Widgets, Inc. ("Licensor")',
    )
    call_command("import_cuad", write_cuad_sample(tmp_path, [row]), verbosity=0)
    call_command("load_demo", stdout=None)
    assert Party.objects.filter(slug__startswith="microsoft").get() == microsoft
    assert microsoft.slug == "microsoft"
    contract = Announcement.objects.get(slug="msft-agreement")
    assert microsoft in contract.parties.all()
    assert {party.name for party in Party.objects.all()} == {
        "Microsoft",
        "OpenAI",
        "Amazon",
        "Acme Widgets, Inc.",
    }


# --- one format error -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        (3, "statement.md:3: the title line has no title"),
        (None, "statement.md: the title line has no title"),
    ],
    ids=["with a line", "the whole file"],
)
def test_a_format_error_reads_file_line_and_message(line, shown):
    error = FormatError("statement.md", line, "the title line has no title")
    assert (error.filename, error.line, error.message) == (
        "statement.md",
        line,
        "the title line has no title",
    )
    assert str(error) == shown


def test_the_statement_and_cuad_errors_are_the_shared_format_error():
    assert issubclass(StatementFormatError, FormatError)
    assert issubclass(CuadFormatError, FormatError)


def test_the_statement_command_prints_file_line_and_message_and_exits_non_zero(tmp_path, capsys):
    statement = tmp_path / "statement.md"
    statement.write_text("# One\n# Two\n", encoding="utf-8")
    command = load_command_class("kb", "import_statement")
    with pytest.raises(SystemExit) as exit_info:
        command.run_from_argv(["manage.py", "import_statement", str(statement)])
    assert exit_info.value.code == 1
    assert f"{statement}:2: a second title" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_cuad_command_says_file_line_and_message_and_exits_non_zero(tmp_path):
    row = CuadRow(filename="Bad_Agreement.pdf", text="Text.", raw_cells={"Parties": "['Acme"})
    directory = write_cuad_sample(tmp_path, [row])
    with pytest.raises(CommandError) as error:
        call_command("import_cuad", str(directory), verbosity=0)
    assert error.value.returncode != 0
    assert str(error.value).startswith(f"{directory / 'master_clauses.csv'}:2: column 'Parties'")
    assert not Announcement.objects.exists()
