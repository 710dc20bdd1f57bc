"""``manage.py kb_suggest_lineage``: the suggestions for a clause; and kb_dev's
``kb_lineage_measure``: the check against curated links, the benchmark."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kb.demo import load_demo
from tests.factories import make_announcement, make_clause

pytestmark = pytest.mark.django_db

CLOUD = "Azure is the exclusive cloud provider for OpenAI's APIs."


def run(*args, command="kb_suggest_lineage") -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def pair():
    earlier = make_clause(
        make_announcement("Extension", date=dt.date(2023, 1, 1)), "Exclusive cloud", CLOUD
    )
    current = make_clause(
        make_announcement(date=dt.date(2024, 1, 1)),
        "Cloud",
        "Azure is no longer the exclusive cloud provider.",
    )
    return earlier, current


def test_the_command_prints_the_ranked_suggestions(pair):
    earlier, current = pair
    out = run(str(current.pk))
    assert f"1. clause {earlier.pk}: " in out
    assert "Exclusive cloud" in out
    assert "Extension (1 January 2023)" in out
    assert "removes" in out
    assert "says it no longer applies" in out


def test_the_command_prints_json(pair):
    earlier, current = pair
    data = json.loads(run(str(current.pk), "--json"))
    (suggestion,) = data["suggestions"]
    assert suggestion["clause_id"] == earlier.pk
    assert suggestion["effect"] == "removed"
    assert suggestion["announcement"]["title"] == "Extension"
    assert 0 < suggestion["score"] <= 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["987654"], "There is no clause with id 987654.", id="unknown id"),
        pytest.param(["abc"], "'abc' is not a clause id", id="not a number"),
        pytest.param([], "the following arguments are required: clause_id", id="nothing"),
        pytest.param(["1", "--limit", "0"], "--limit must be between 1 and 100", id="limit"),
    ],
)
def test_bad_input_is_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_the_check_against_the_demos_curated_links_reports_recall_and_effects():
    load_demo()
    data = json.loads(run("links", "--json", command="kb_lineage_measure"))
    assert data["links"] == 6
    for name in ("recall_at_1", "recall_at_5", "effect_accuracy"):
        assert 0 <= data[name] <= 1
    missed = [check for check in data["checks"] if check["rank"] is None]
    assert all(check["why_missed"] for check in missed)


def test_the_benchmark_prints_both_rows():
    announcement = make_announcement(date=dt.date(2020, 1, 1))
    for position in range(1, 31):
        make_clause(announcement, f"Clause {position}", CLOUD, position=position)
    out = run("bench", "--repeat", "2", command="kb_lineage_measure")
    assert "one clause" in out
    assert "30-clause statement preview" in out
