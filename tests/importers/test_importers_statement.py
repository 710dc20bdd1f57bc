import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError

from kb.demo import DEMO_STATEMENT
from kb.importers.statement import (
    MAX_STATEMENT_BYTES,
    StatementFormatError,
    StatementImportError,
    derive_title,
    import_statement,
    parse_statement,
    parse_statement_bytes,
)
from kb.models import Announcement, AnnouncementKind, Clause, Party, Status
from tests.factories import make_announcement, make_clause

SEED = DEMO_STATEMENT.read_text(encoding="utf-8")
SEED_URL = "https://openai.com/index/continuing-microsoft-partnership/"
SEED_HEADINGS = [
    "The partnership remains strong and central",
    "Our IP relationship continues unchanged",
    "Our commercial and revenue share relationship remains unchanged",
    "Azure remains the exclusive cloud provider of stateless OpenAI APIs",
    "OpenAI’s first party products, including Frontier, will continue to be hosted on Azure",
    "AGI definition and processes are unchanged",
    "The partnership supports OpenAI's growth",
]
MINIMAL = "Summary.\n# A statement\nSource: https://example.com/a\n**Heading\\.**Body\\.\n"


@pytest.fixture(scope="module")
def seed():
    return parse_statement(SEED, filename="seed.txt")


# Parsing the seed -------------------------------------------------------------------


def test_the_seed_is_one_joint_statement_between_openai_and_microsoft(seed):
    assert seed.statement.title == "Joint Statement from OpenAI and Microsoft"
    assert seed.statement.kind == AnnouncementKind.JOINT_STATEMENT
    assert seed.statement.party_names == ("OpenAI", "Microsoft")
    assert seed.statement.source_url == SEED_URL


def test_the_seed_has_its_seven_clause_headings_in_order(seed):
    assert [clause.heading for clause in seed.statement.clauses] == SEED_HEADINGS


def test_clause_bodies_are_plain_text_without_markdown_escapes(seed):
    clause = seed.statement.clauses[3]
    assert clause.text.startswith("Microsoft is the exclusive cloud provider for stateless APIs")
    assert "enterprise-grade capabilities at scale." in clause.text
    assert "\\" not in "".join(c.heading + c.text for c in seed.statement.clauses)


def test_curly_apostrophes_are_kept_as_written(seed):
    assert "OpenAI’s models and IP" in seed.statement.clauses[3].text


def test_a_heading_without_a_body_is_a_clause_with_empty_text(seed):
    assert seed.statement.clauses[4].text == ""


def test_the_summary_is_the_first_line_and_a_line_repeating_the_body_is_dropped(seed):
    assert seed.statement.summary.startswith("OpenAI and Microsoft issue a joint statement")
    assert "continue to work closely" not in seed.statement.summary


def test_links_become_their_text_and_their_urls_are_listed_in_the_full_text(seed):
    text = seed.statement.text
    assert "new partners as they did today, we want" in text
    assert "as they did today: https://openai.com/index/scaling-ai-for-everyone/" in text
    assert "](" not in text


def test_the_full_text_holds_lead_clauses_and_closing_paragraphs(seed):
    text = seed.statement.text
    assert (
        text.index("Since 2019")
        < text.index("The partnership remains strong")
        < text.index("We remain committed to our partnership")
    )


def test_the_plain_paragraphs_after_the_body_are_five_related_announcements(seed):
    assert [(item.title, item.kind) for item in seed.related] == [
        (
            "OpenAI and Microsoft have signed a non-binding memorandum of understanding for "
            "the next phase of their partnership",
            AnnouncementKind.MOU,
        ),
        (
            "OpenAI and Microsoft extend their multi-year, multi-billion dollar partnership",
            AnnouncementKind.OTHER,
        ),
        (
            "Microsoft and OpenAI have announced an amended partnership agreement",
            AnnouncementKind.AGREEMENT,
        ),
        (
            "Microsoft and OpenAI have signed a new definitive agreement restructuring their "
            "partnership",
            AnnouncementKind.AGREEMENT,
        ),
        (
            "OpenAI and Microsoft announced a partnership to run OpenAI's large-scale "
            "experiments on Azure",
            AnnouncementKind.OTHER,
        ),
    ]


def test_a_related_announcement_keeps_its_whole_paragraph_as_summary(seed):
    assert seed.related[3].summary.endswith("a $250B Azure services commitment from OpenAI.")


def test_related_announcements_name_only_parties_the_statement_names(seed):
    assert {item.party_names for item in seed.related} == {("OpenAI", "Microsoft")}


def test_a_long_title_is_cut_at_a_word():
    title = derive_title("Word " * 60)
    assert len(title) <= 121
    assert title.endswith("Word…")


# Malformed input --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", 1, "empty"),
        ("\n  \n", 1, "empty"),
        ("Summary.\nNo title here\\.\n", None, "no title"),
        ("# One\n# Two\nbody\\.\n", 2, "second title"),
        ("# Title\nSource: https://example.com\n**Never closed\\.\n", 3, "never closed"),
        ("# Title\nSource: not a url\nbody\\.\n", 2, "URL"),
        ("# Title\nSource: [x](javascript:alert(1))\nbody\\.\n", 2, "URL"),
        ("# Title\nbody with a \x00 NUL\\.\n", 2, "NUL"),
        ("# Title\nbell \x07 here\\.\n", 2, "control character"),
        ("# Title\nform \x0c feed\\.\n", 2, r"U\+000C"),
        ("# \nbody\\.\n", 1, "has no title"),
        ("# Title\nSource: https://example.com\n", 1, "no text"),
        ("# Title\n****body\\.\n", 2, "heading is empty"),
        ("# Title\n**" + "x" * 501 + "**body\\.\n", 2, "limit is 500"),
        ("# Title\nsome **bold never closed\\.\n", 2, "never closed"),
    ],
    ids=[
        "empty",
        "blank",
        "no-title",
        "two-titles",
        "unclosed-heading",
        "source-not-url",
        "source-javascript",
        "nul",
        "control-character",
        "form-feed",
        "empty-title",
        "no-body",
        "empty-heading",
        "heading-too-long",
        "unclosed-inline-bold",
    ],
)
def test_malformed_input_names_the_file_and_line(text, line, message):
    with pytest.raises(StatementFormatError, match=message) as error:
        parse_statement(text, filename="bad.md")
    assert error.value.line == line
    assert str(error.value).startswith(f"bad.md:{line}:" if line else "bad.md:")


def test_a_file_that_is_not_utf8_names_the_line_of_the_bad_byte():
    with pytest.raises(StatementFormatError, match="not UTF-8") as error:
        parse_statement_bytes(b"# Title\nok\\.\nbad \xff byte\n", filename="latin.txt")
    assert error.value.line == 3


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(StatementFormatError, match="at most"):
        parse_statement_bytes(b"x" * (MAX_STATEMENT_BYTES + 1), filename="big.txt")


def test_a_utf8_byte_order_mark_is_accepted():
    parsed = parse_statement_bytes(b"\xef\xbb\xbf" + MINIMAL.encode(), filename="bom.txt")
    assert parsed.statement.summary == "Summary."


# Importing --------------------------------------------------------------------------


def _table_sizes():
    return (Announcement.objects.count(), Clause.objects.count(), Party.objects.count())


@pytest.mark.django_db
def test_importing_the_seed_creates_the_statement_its_clauses_and_five_related(seed):
    result = import_statement(parsed=seed, status=Status.DRAFT)
    assert list(result.statement.clauses.values_list("heading", flat=True)) == SEED_HEADINGS
    assert len(result.related) == 5
    assert _table_sizes() == (6, 7, 2)
    assert result.counts["announcements created"] == 6


@pytest.mark.django_db
def test_importing_twice_updates_in_place_with_the_same_counts(seed):
    first = import_statement(parsed=seed, status=Status.DRAFT)
    sizes = _table_sizes()
    second = import_statement(parsed=seed, status=Status.DRAFT)
    assert _table_sizes() == sizes
    assert second.statement.pk == first.statement.pk
    assert [a.pk for a in second.related] == [a.pk for a in first.related]
    assert second.counts["announcements unchanged"] == 6
    assert second.counts["clauses unchanged"] == 7


@pytest.mark.django_db
def test_a_changed_clause_is_updated_at_its_position():
    import_statement(parsed=parse_statement(MINIMAL), status=Status.DRAFT)
    clause = Clause.objects.get()
    result = import_statement(
        parsed=parse_statement(MINIMAL.replace("Body", "New body")), status=Status.DRAFT
    )
    clause.refresh_from_db()
    assert (clause.position, clause.text) == (1, "New body.")
    assert result.counts["clauses updated"] == 1


@pytest.mark.django_db
def test_reimporting_keeps_an_existing_announcements_status_and_kind():
    parsed = parse_statement(MINIMAL)
    statement = import_statement(parsed=parsed, status=Status.PUBLISHED).statement
    Announcement.objects.filter(pk=statement.pk).update(kind=AnnouncementKind.PRESS_RELEASE)
    import_statement(parsed=parsed, status=Status.DRAFT)
    statement.refresh_from_db()
    assert (statement.status, statement.kind) == (Status.PUBLISHED, AnnouncementKind.PRESS_RELEASE)
    assert statement.published_at is not None


@pytest.mark.django_db
def test_a_related_announcement_renamed_by_an_editor_is_found_by_its_summary(seed):
    first = import_statement(parsed=seed, status=Status.DRAFT)
    Announcement.objects.filter(pk=first.related[0].pk).update(title="MOU (editor's title)")
    second = import_statement(parsed=seed, status=Status.DRAFT)
    assert second.related[0].pk == first.related[0].pk
    assert Announcement.objects.count() == 6


@pytest.mark.django_db
def test_a_slug_taken_by_another_announcement_gets_a_suffix():
    make_announcement("A statement", slug="a-statement", source_url="https://example.com/other")
    statement = import_statement(parsed=parse_statement(MINIMAL), status=Status.DRAFT).statement
    assert statement.slug == "a-statement-2"


@pytest.mark.django_db
def test_importing_drafts_only_refuses_to_change_a_published_announcement():
    import_statement(parsed=parse_statement(MINIMAL), status=Status.PUBLISHED)
    with pytest.raises(StatementImportError, match="published"):
        import_statement(parsed=parse_statement(MINIMAL), status=Status.DRAFT, drafts_only=True)


@pytest.mark.django_db
def test_a_dropped_clause_that_a_later_clause_builds_on_is_not_deleted():
    text = MINIMAL + "**Second\\.**Two\\.\n"
    statement = import_statement(parsed=parse_statement(text), status=Status.DRAFT).statement
    make_clause(supersedes=statement.clauses.get(position=2))
    with pytest.raises(StatementImportError, match="builds on it"):
        import_statement(parsed=parse_statement(MINIMAL), status=Status.DRAFT)
    assert statement.clauses.count() == 2


# The command ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_prints_the_counts(capsys):
    call_command("import_statement", str(DEMO_STATEMENT))
    out = capsys.readouterr().out
    assert "1 joint statement with 7 clauses, 5 related announcements" in out
    assert "6 created" in out


@pytest.mark.django_db
def test_the_command_run_twice_prints_the_same_totals(capsys):
    call_command("import_statement", str(DEMO_STATEMENT), "--status", "published")
    call_command("import_statement", str(DEMO_STATEMENT), "--status", "published")
    out = capsys.readouterr().out.splitlines()
    assert out[0].split(";")[0] == out[1].split(";")[0]
    assert Announcement.objects.published().count() == 6


@pytest.mark.django_db
def test_the_command_on_bad_input_names_file_and_line_and_changes_nothing(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text("# One\n# Two\nbody\\.\n", encoding="utf-8")
    with pytest.raises(CommandError, match=rf"{path}:2: a second title"):
        call_command("import_statement", str(path))
    assert _table_sizes() == (0, 0, 0)


def test_the_command_exits_non_zero_and_names_the_line_on_bad_input(tmp_path, capsys):
    path = tmp_path / "binary.txt"
    path.write_bytes(b"# Title\n\x00\x01\x02")
    command = load_command_class("kb", "import_statement")
    with pytest.raises(SystemExit) as exit_info:
        command.run_from_argv(["manage.py", "import_statement", str(path)])
    assert exit_info.value.code == 1
    assert f"{path}:2: the text contains a NUL byte" in capsys.readouterr().err


def test_the_command_on_a_missing_file_says_so(tmp_path):
    with pytest.raises(CommandError, match="cannot read the file"):
        call_command("import_statement", str(tmp_path / "missing.txt"))


@pytest.mark.django_db
def test_newest_first_lists_show_the_statement_then_the_related_in_its_order(seed):
    import_statement(parsed=seed, status=Status.PUBLISHED)
    titles = list(Announcement.objects.newest_first().values_list("title", flat=True))
    assert titles == [seed.statement.title] + [item.title for item in seed.related]


def test_a_later_preamble_line_not_repeating_the_body_stays_in_the_summary():
    parsed = parse_statement("First.\nSecond, new.\n# Title\n**Heading\\.**Body\\.\n")
    assert parsed.statement.summary == "First.\n\nSecond, new."


def test_a_statement_without_a_source_line_has_no_source_url():
    parsed = parse_statement("# Title\n**Heading\\.**Body\\.\n")
    assert parsed.statement.source_url == ""
    assert parsed.statement.clauses[0].heading == "Heading"


@pytest.mark.django_db
def test_a_statement_without_a_source_is_found_again_by_its_title():
    text = "# Title\n**Heading\\.**Body\\.\n"
    first = import_statement(parsed=parse_statement(text), status=Status.DRAFT)
    second = import_statement(parsed=parse_statement(text), status=Status.DRAFT)
    assert second.statement.pk == first.statement.pk


@pytest.mark.django_db
def test_the_command_refuses_when_two_announcements_share_the_source_url(tmp_path):
    make_announcement("One", source_url="https://example.com/a")
    make_announcement("Two", source_url="https://example.com/a")
    path = tmp_path / "statement.md"
    path.write_text(MINIMAL, encoding="utf-8")
    with pytest.raises(CommandError, match="More than one announcement matches"):
        call_command("import_statement", str(path))
    assert Clause.objects.count() == 0
