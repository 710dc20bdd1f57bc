"""Ranking metrics over one query: a ranked list of document ids and graded judgements.

Documents without a judgement count as irrelevant (grade 0), as in BEIR/trec_eval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence


def dcg_at_k(gains: Sequence[float], k: int) -> float:
    """Discounted cumulative gain: gain at rank i (from 1) divided by log2(i + 1)."""
    return sum(gain / math.log2(rank + 1) for rank, gain in enumerate(gains[:k], start=1))


def ndcg_at_k(ranked: Sequence[str], grades: Mapping[str, float], k: int) -> float:
    """DCG of the ranking over DCG of the ideal ranking of every judged document, with
    the grade itself as the gain; 0 when no document is relevant."""
    ideal = dcg_at_k(sorted((grade for grade in grades.values() if grade > 0), reverse=True), k)
    if ideal == 0:
        return 0.0
    return dcg_at_k([grades.get(doc, 0) for doc in ranked], k) / ideal


def precision_at_k(
    ranked: Sequence[str], grades: Mapping[str, float], k: int, *, min_grade: float = 1
) -> float:
    """Share of the first k places (not of the results, if fewer) holding a document
    graded at least ``min_grade``."""
    return sum(1 for doc in ranked[:k] if grades.get(doc, 0) >= min_grade) / k


def recall_at_k(
    ranked: Sequence[str], grades: Mapping[str, float], k: int, *, min_grade: float = 1
) -> float:
    """Share of the documents graded at least ``min_grade`` found in the first k places."""
    relevant = {doc for doc, grade in grades.items() if grade >= min_grade}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0
