import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb.importers.acord import AcordFormatError, import_acord_corpus, parse_acord
from kb.importers.cuad import parse_cuad
from kb.models import Announcement, Clause, Party, Topic
from kb_dev.relevance import runs
from tests.samples import CuadRow, write_acord_sample, write_cuad_sample

ROOT = Path(__file__).resolve().parents[2]
CORPUS = {
    "d1": "This Agreement is governed by the laws of the State of New York.",
    "d2": "Liability shall not exceed the fees paid in the twelve months before the claim.",
    "d3": "Either party may terminate this Agreement on thirty days notice.",
}
QUERIES = {"law": "New York governing law", "cap": "cap on liability at fees paid"}
QRELS = {
    "train": [("law", "d1", 4), ("law", "d3", 0), ("cap", "d2", 3)],
    "valid": [("cap", "d2", 2)],
}


def acord_sample(tmp_path):
    return write_acord_sample(tmp_path / "acord", corpus=CORPUS, queries=QUERIES, qrels=QRELS)


def test_a_split_holds_only_the_queries_judged_in_it(tmp_path):
    data = parse_acord(acord_sample(tmp_path), "valid")
    assert (data.queries, data.grades) == ({"cap": QUERIES["cap"]}, {"cap": {"d2": 2}})


def test_an_unknown_split_names_the_splits_there(tmp_path):
    with pytest.raises(AcordFormatError, match=r"splits here: train, valid"):
        parse_acord(acord_sample(tmp_path), "test")


def test_a_bad_score_names_the_file_and_line(tmp_path):
    directory = write_acord_sample(
        tmp_path, corpus=CORPUS, queries=QUERIES, qrels={"train": [("law", "d1", "four")]}
    )
    with pytest.raises(AcordFormatError, match=r"train.tsv, line 2: the score"):
        parse_acord(directory, "train")


def test_acord_metrics_use_stars_as_score_plus_one():
    metrics = runs.acord_metrics(["a", "b", "c", "d", "e"], {"a": 4, "b": 3, "c": 2, "z": 1})
    assert (metrics["p@5 3*"], metrics["p@5 4*"], metrics["p@5 5*"]) == (0.6, 0.4, 0.2)


def test_a_category_query_keeps_the_description_words_that_carry_meaning():
    description = "Does a party have the right to audit the books, records, or the books?"
    assert runs.query_from_description(description) == "party right audit books records"


def test_a_category_query_is_never_longer_than_the_search_page_accepts():
    description = " ".join(f"word{number}" for number in range(40))
    assert len(runs.query_from_description(description).split()) == runs.QUERY_MAX_WORDS


def test_evaluate_scores_each_query_and_average_takes_the_mean():
    rankings = {"first": ["a", "b"], "second": ["b", "a"]}
    per_query = runs.evaluate(
        lambda query, depth: rankings[query][:depth],
        {"q1": "first", "q2": "second"},
        {"q1": {"a": 1}, "q2": {"a": 1}},
        metrics=runs.category_metrics,
        depth=100,
    )
    assert runs.average(per_query)["p@10"] == pytest.approx(0.1)
    assert per_query["q2"]["recall@100"] == 1.0


@pytest.mark.django_db
def test_the_acord_corpus_becomes_published_clauses(tmp_path):
    document_by_clause = import_acord_corpus(corpus=CORPUS)
    assert sorted(document_by_clause.values()) == ["d1", "d2", "d3"]
    assert Clause.objects.published().count() == 3


@pytest.mark.django_db
def test_the_category_base_gives_search_nothing_but_heading_and_text(tmp_path):
    text = "Licensor grants Licensee a licence. Governed by Delaware law."
    row = CuadRow(
        filename="A_Agreement.pdf",
        text=text,
        spans={"License Grant": ["Licensor grants Licensee a licence."]},
    )
    contracts = list(parse_cuad(write_cuad_sample(tmp_path, [row])))
    document_by_clause, labels = runs.load_clauses_without_labels(contracts)
    assert list(labels.values()) == [{"License Grant"}]
    assert not Topic.objects.exists() and not Party.objects.exists()
    assert list(Announcement.objects.values_list("title", "text")) == [("", "")]


def run_command(tmp_path, *arguments):
    """The command in its own process: its scratch database must not meet the test's."""
    environment = {**os.environ, "KB_VAR_DIR": str(tmp_path / "var")}
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, str(ROOT / "manage.py"), "kb_relevance", *arguments],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_kb_relevance_acord_prints_kb_beside_bm25_and_leaves_the_site_database_alone(tmp_path):
    done = run_command(tmp_path, "acord", str(acord_sample(tmp_path)), "--split", "train", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (
        set(report["kb"])
        == set(report["bm25"])
        == {
            "ndcg@5",
            "ndcg@10",
            "p@5 3*",
            "p@5 4*",
            "p@5 5*",
        }
    )
    assert report["bm25"]["ndcg@10"] > 0
    assert not (tmp_path / "var" / "kb.sqlite3").exists()


def test_kb_relevance_cuad_reports_every_category(tmp_path):
    row = CuadRow(
        filename="A_Agreement.pdf",
        text="Licensor grants Licensee a licence. Governed by Delaware law.",
        spans={"Governing Law": ["Governed by Delaware law."]},
    )
    directory = write_cuad_sample(tmp_path / "cuad", [row])
    done = run_command(tmp_path, "cuad", str(directory), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["per_category"]["Governing Law"]["relevant"] == 1
    assert set(report["per_category"]) == {
        "Effective Date",
        "Governing Law",
        "License Grant",
        "Cap on Liability",
    }


def test_kb_relevance_names_a_missing_split(tmp_path):
    done = run_command(tmp_path, "acord", str(acord_sample(tmp_path)), "--split", "test")
    assert done.returncode != 0
    assert "splits here: train, valid" in done.stderr
