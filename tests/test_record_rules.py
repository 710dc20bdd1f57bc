"""The rules every record keeps, whoever writes it: dates within a sane range, texts
within their limits, no control characters in names (docs/editing/rules.md)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DataError, IntegrityError, transaction
from django.urls import reverse

from kb.dates import EARLIEST_DATE, LATEST_DATE
from kb.importers.statement import StatementImportError, import_statement, parse_statement
from kb.limits import ANNOUNCEMENT_TEXT_MAX_CHARS, CLAUSE_TEXT_MAX_CHARS
from kb.models import Announcement, Clause, Party, Status, Topic
from tests.admin.admin_forms import change_form_data
from tests.factories import make_announcement, make_clause, make_party, make_topic
from tests.samples import CuadRow, write_cuad_sample

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:kb_announcement_changelist")
CLAUSE_CHANGELIST = reverse("admin:kb_clause_changelist")


def errors_of(instance) -> dict:
    with pytest.raises(ValidationError) as raised:
        instance.full_clean()
    return raised.value.message_dict


# Dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day", [dt.date(1, 1, 1), dt.date(1899, 12, 31), dt.date(2101, 1, 1), dt.date(9999, 12, 31)]
)
def test_an_announcement_date_outside_1900_to_2100_is_refused_with_the_range(day):
    announcement = make_announcement(status=Status.DRAFT)
    announcement.date, announcement.date_precision = day, "day"
    message = " ".join(errors_of(announcement)["date"])
    assert "1900-01-01 to 2100-12-31" in message
    assert f"{day.year:04d}" in message


@pytest.mark.parametrize("name", ["effective_from", "effective_until"])
def test_a_clause_date_outside_the_range_is_refused(name):
    clause = make_clause(make_announcement(status=Status.DRAFT))
    setattr(clause, name, dt.date(9999, 12, 31))
    setattr(clause, f"{name}_precision", "day")
    assert "outside the dates" in " ".join(errors_of(clause)[name])


def test_the_first_and_last_day_of_the_range_are_accepted():
    announcement = make_announcement(date=EARLIEST_DATE, status=Status.DRAFT)
    announcement.full_clean()
    clause = make_clause(announcement, effective_from=EARLIEST_DATE, effective_until=LATEST_DATE)
    clause.full_clean()


@pytest.mark.parametrize(
    ("model", "values"),
    [
        (Announcement, {"date": dt.date(1, 1, 1)}),
        (Clause, {"effective_from": dt.date(1, 1, 1)}),
        (Clause, {"effective_until": dt.date(9999, 12, 31)}),
    ],
    ids=["announcement", "clause-from", "clause-until"],
)
def test_the_database_refuses_a_date_outside_the_range_from_any_writer(model, values):
    make_clause(make_announcement(status=Status.DRAFT))
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.update(**values)


def test_the_admin_refuses_an_absurd_date_with_a_form_error(editor_client):
    announcement = make_announcement("Dated", status=Status.DRAFT)
    url = reverse("admin:kb_announcement_change", args=[announcement.pk])
    data = change_form_data(editor_client.get(url))
    data.update(date="0001-01-01", date_precision="day")
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "outside the dates a record may carry" in response.text
    announcement.refresh_from_db()
    assert announcement.date is None


# The admin's year filter -----------------------------------------------------------


def year_choices(response) -> list[str]:
    spec = next(s for s in response.context["cl"].filter_specs if s.title == "year")
    return [choice["display"] for choice in spec.choices(response.context["cl"])][1:]


@pytest.mark.parametrize("url", [CHANGELIST, CLAUSE_CHANGELIST], ids=["announcements", "clauses"])
def test_the_year_filter_lists_only_the_years_that_hold_records(publisher_client, url):
    for year in (1995, 2020, 2024):
        make_clause(make_announcement(date=dt.date(year, 6, 1)))
    make_clause(make_announcement(date=dt.date(2024, 1, 1)))
    assert year_choices(publisher_client.get(url)) == ["2024", "2020", "1995", "Unknown"]


def test_the_year_filter_lists_only_unknown_when_no_record_has_a_date(publisher_client):
    make_announcement()
    assert year_choices(publisher_client.get(CHANGELIST)) == ["Unknown"]


def test_the_year_filter_reads_the_years_in_one_query(publisher_client, django_assert_num_queries):
    from kb.admin.filters import years_with_announcements

    for year in range(1990, 2020):
        make_announcement(date=dt.date(year, 3, 1))
    with django_assert_num_queries(1):
        assert len(years_with_announcements()) == 30


def test_filtering_by_a_year_lists_its_records(publisher_client):
    make_announcement("Old", date=dt.date(1995, 6, 1))
    make_announcement("New", date=dt.date(2020, 6, 1))
    response = publisher_client.get(CHANGELIST, {"year": "1995"})
    assert [a.title for a in response.context["cl"].result_list] == ["Old"]


@pytest.mark.parametrize("url", [CHANGELIST, CLAUSE_CHANGELIST], ids=["announcements", "clauses"])
@pytest.mark.parametrize(
    "year", ["99999999999999999999", "0", "1899", "2101", "abc", "٢٠٢٠", "-5", "20 20"]
)
def test_an_absurd_year_is_a_400_not_a_500(publisher_client, url, year):
    make_clause(make_announcement(date=dt.date(2020, 6, 1)))
    response = publisher_client.get(url, {"year": year})
    assert response.status_code == 400


@pytest.mark.parametrize("year", ["99999999999999999999", "-99999999999999999999"])
def test_an_absurd_year_in_the_date_hierarchy_is_a_400(publisher_client, year):
    make_announcement(date=dt.date(2020, 6, 1))
    assert publisher_client.get(CHANGELIST, {"date__year": year}).status_code == 400


# Text limits -----------------------------------------------------------------------


def test_a_clause_text_over_its_limit_is_refused_with_the_limit():
    clause = make_clause(make_announcement(status=Status.DRAFT))
    clause.text = "x" * (CLAUSE_TEXT_MAX_CHARS + 1)
    message = " ".join(errors_of(clause)["text"])
    assert f"at most {CLAUSE_TEXT_MAX_CHARS}" in message


def test_a_clause_text_at_its_limit_is_accepted():
    clause = make_clause(make_announcement(status=Status.DRAFT))
    clause.text = "x" * CLAUSE_TEXT_MAX_CHARS
    clause.full_clean()


def test_an_announcement_may_hold_a_whole_contract_but_not_more():
    announcement = make_announcement(status=Status.DRAFT)
    announcement.text = "x" * ANNOUNCEMENT_TEXT_MAX_CHARS
    announcement.full_clean()
    announcement.text += "x"
    assert f"at most {ANNOUNCEMENT_TEXT_MAX_CHARS}" in " ".join(errors_of(announcement)["text"])


@pytest.mark.parametrize(
    ("model", "field", "limit"),
    [
        (Clause, "text", CLAUSE_TEXT_MAX_CHARS),
        (Clause, "heading", 500),
        (Announcement, "title", 500),
        (Announcement, "summary", 10_000),
        (Party, "aliases", 10_000),
        (Topic, "description", 10_000),
    ],
    ids=["clause-text", "heading", "title", "summary", "aliases", "description"],
)
def test_the_database_refuses_a_text_over_its_limit_from_any_writer(model, field, limit):
    make_clause(
        make_announcement(status=Status.DRAFT), parties=[make_party()], topics=[make_topic()]
    )
    # PostgreSQL's varchar refuses an overlong title itself (DataError); SQLite's
    # columns take any length, and the check constraint refuses it (IntegrityError).
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        model.objects.update(**{field: "x" * (limit + 1)})


def test_the_admin_refuses_an_overlong_clause_with_the_limit(editor_client):
    clause = make_clause(make_announcement(status=Status.DRAFT), "Heading")
    url = reverse("admin:kb_clause_change", args=[clause.pk])
    data = change_form_data(editor_client.get(url))
    data["text"] = "x" * (CLAUSE_TEXT_MAX_CHARS + 1)
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "at most 50000 characters" in response.text
    clause.refresh_from_db()
    assert clause.text == ""


# Control characters ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: make_party(), "name"),
        (lambda: make_party(), "short_name"),
        (lambda: make_topic(), "name"),
        (lambda: make_announcement(status=Status.DRAFT), "title"),
        (lambda: make_clause(make_announcement(status=Status.DRAFT)), "heading"),
    ],
    ids=["party", "party-short", "topic", "title", "heading"],
)
@pytest.mark.parametrize("char", ["\x0c", "\x00", "\t", "\n", "\x7f"], ids=repr)
def test_a_control_character_in_a_name_is_refused(make, field, char):
    record = make()
    setattr(record, field, f"Acme{char}Corp")
    message = " ".join(errors_of(record)[field])
    assert f"control character (U+{ord(char):04X}) at character 5" in message


@pytest.mark.parametrize("char", ["\x0c", "\x00", "\x1b"], ids=repr)
def test_a_control_character_in_a_long_text_is_refused(char):
    clause = make_clause(make_announcement(status=Status.DRAFT))
    clause.text = f"First line.{char}"
    assert "control character" in " ".join(errors_of(clause)["text"])


def test_tabs_and_line_breaks_are_kept_in_long_texts():
    clause = make_clause(make_announcement(status=Status.DRAFT))
    clause.text = "First line.\r\n\tIndented second line.\nThird."
    clause.full_clean()


def test_the_admin_refuses_a_party_named_with_a_form_feed(publisher_client):
    response = publisher_client.post(
        reverse("admin:kb_party_add"), {"name": "Acme\x0cCorp", "slug": "acme"}
    )
    assert response.status_code == 200
    assert "control character (U+000C)" in response.text
    assert not Party.objects.exists()


# Importers -------------------------------------------------------------------------


def test_the_statement_import_names_the_line_of_an_overlong_clause():
    text = (
        "Summary.\n# A statement\nSource: https://example.com/a\n**Fine\\.**Body\\.\n"
        f"**Long\\.**{'x' * (CLAUSE_TEXT_MAX_CHARS + 1)}\\.\n"
    )
    with pytest.raises(StatementImportError, match=r"clause 2 'Long' \(line 5\).*at most 50000"):
        import_statement(parsed=parse_statement(text), status=Status.DRAFT)
    assert not Announcement.objects.exists()


def test_the_statement_command_exits_non_zero_naming_the_file_and_line(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(
        "Summary.\n# A statement\n**Long\\.**" + "x" * (CLAUSE_TEXT_MAX_CHARS + 1) + "\\.\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match=rf"{path}: clause 1 'Long' \(line 3\)"):
        call_command("import_statement", str(path))
    assert not Clause.objects.exists()


def test_the_cuad_import_names_the_file_and_line_of_an_overlong_clause(tmp_path):
    span = "The Licensee shall " + "pay " * (CLAUSE_TEXT_MAX_CHARS // 4)
    rows = [
        CuadRow(filename="Good.pdf", text="A contract.", spans={}),
        CuadRow(filename="Long.pdf", text=f"Terms. {span}", spans={"License Grant": [span]}),
    ]
    with pytest.raises(
        CommandError, match=r"master_clauses.csv:3: Long.pdf, clause 1 .*at most 50000"
    ):
        call_command("import_cuad", write_cuad_sample(tmp_path, rows), verbosity=0)
    assert not Announcement.objects.exists()
