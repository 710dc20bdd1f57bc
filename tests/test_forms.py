"""The public pages' forms (kb/forms.py): the typed party filter and the year filter."""

import pytest

from kb.forms import AnnouncementFilterForm, InForceForm
from kb.models import Status
from tests.factories import make_announcement, make_clause, make_party

pytestmark = pytest.mark.django_db


def party_typed(text: str):
    form = InForceForm({"party": text})
    return form.cleaned_data["party"] if form.is_valid() else form.errors["party"]


@pytest.fixture
def parties():
    acme = make_party("Acme Robotics", slug="acme")
    foods = make_party("Acme Foods")
    newegg = make_party("Newegg Inc.")
    make_announcement(parties=[acme, foods, newegg])
    return acme, foods, newegg


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("acme", 0),
        ("acme-foods", 1),
        ("Acme Foods", 1),
        ("ACME FOODS", 1),
        ("  Newegg Inc.  ", 2),
        ("newegg", 2),
        ("robot", 0),
    ],
    ids=["slug", "other-slug", "name", "name-any-case", "name-padded", "part", "other-part"],
)
def test_a_party_is_found_by_slug_name_or_a_part_of_its_name_matching_one(parties, typed, found):
    assert party_typed(typed) == parties[found]


def test_a_slug_wins_over_a_name_equal_to_it(parties):
    make_announcement(parties=[make_party("acme", slug="acme-the-name")])
    assert party_typed("acme") == parties[0]


def test_a_part_matching_several_parties_is_an_error_that_lists_them(parties):
    form = InForceForm({"party": "Acme "})
    assert not form.is_valid()
    assert form.errors["party"] == ["“Acme” matches 2 parties: type more of the name, or pick one."]
    assert [party.name for party in form.fields["party"].matches] == ["Acme Foods", "Acme Robotics"]


def test_a_party_not_named_by_any_published_record_is_an_error(parties):
    secret = make_party("Secret partner")
    make_clause(make_announcement(status=Status.DRAFT), parties=[secret])
    assert party_typed("Secret partner") == [
        "No published record names a party called “Secret partner”."
    ]


@pytest.mark.parametrize(
    ("year", "cleaned"),
    [("", None), ("2019", 2019), ("unknown", "unknown")],
    ids=["empty", "year", "unknown"],
)
def test_the_year_filter_takes_a_year_or_unknown(db, year, cleaned):
    form = AnnouncementFilterForm({"year": year})
    assert form.is_valid()
    assert form.cleaned_data["year"] == cleaned


@pytest.mark.parametrize("year", ["19", "soon", "0000", "2019-01"])
def test_the_year_filter_refuses_anything_else(db, year):
    assert not AnnouncementFilterForm({"year": year}).is_valid()


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("2024-06-01", "2024-06-01"),
        ("notadate", None),
        ("2024-13-45", None),
        ("2024-6-1", "2024-06-01"),
    ],
    ids=["valid", "words", "impossible", "unpadded"],
)
def test_the_date_input_echoes_only_a_real_iso_date(db, typed, shown):
    form = InForceForm({"on": typed})
    form.is_valid()
    html = str(form["on"])
    assert (f'value="{shown}"' in html) if shown else ("value=" not in html)
