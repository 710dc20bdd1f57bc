import pytest

from kb_dev.relevance.baseline import Bm25Baseline
from kb_dev.relevance.metrics import mean, ndcg_at_k, precision_at_k, recall_at_k

GRADES = {"a": 3, "b": 2, "c": 0, "d": 1}


def test_ndcg_discounts_gains_by_rank_against_the_ideal_order():
    # DCG@3 = 0/1 + 3/log2(3) + 1/log2(4) = 2.39279; ideal = 3 + 2/log2(3) + 1/2 = 4.76186
    assert ndcg_at_k(["c", "a", "d", "b"], GRADES, 3) == pytest.approx(0.502491, abs=1e-6)


def test_ndcg_of_the_ideal_order_is_one():
    assert ndcg_at_k(["a", "b", "d"], GRADES, 10) == pytest.approx(1.0)


def test_ndcg_counts_unjudged_documents_as_irrelevant():
    # DCG@2 = 0 + 3/log2(3) = 1.89279; ideal@2 = 3 + 2/log2(3) = 4.26186
    assert ndcg_at_k(["x", "a"], GRADES, 2) == pytest.approx(0.444123, abs=1e-6)


def test_ndcg_is_zero_when_nothing_is_relevant():
    assert ndcg_at_k(["a"], {"a": 0}, 5) == 0.0


def test_precision_counts_only_documents_at_the_grade_and_divides_by_k():
    ranked = ["a", "b", "c", "d"]
    assert precision_at_k(ranked, GRADES, 5, min_grade=2) == pytest.approx(2 / 5)
    assert precision_at_k(ranked, GRADES, 5, min_grade=3) == pytest.approx(1 / 5)


def test_recall_is_the_share_of_relevant_documents_found():
    assert recall_at_k(["d", "x", "a"], GRADES, 2) == pytest.approx(1 / 3)


def test_mean_of_nothing_is_zero():
    assert mean([]) == 0.0


def test_bm25_baseline_ranks_the_text_with_the_rarer_query_word_first():
    baseline = Bm25Baseline(
        {
            "law": "This agreement is governed by the laws of New York.",
            "fees": "Fees are payable under this agreement within thirty days.",
            "other": "The agreement may be signed in counterparts.",
        }
    )
    assert baseline.search("agreement governed by New York law", 3)[0] == "law"


def test_bm25_baseline_stems_and_leaves_out_texts_without_a_query_word():
    baseline = Bm25Baseline({"one": "Licenses granted here.", "two": "Payment terms."})
    assert baseline.search("licensing", 5) == ["one"]
