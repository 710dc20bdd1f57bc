"""Relevance runs: the same queries through kb's search and through the BM25 baseline.

A ranker takes a query and a depth and returns document ids, best first. kb's ranker
goes through ``kb.filters.ClauseFilter`` (with ``kb.search`` under it), the code path of
the search page and the API, over the published clauses of the current database; the
commands run it inside ``scratch_database()`` so the site's own data is never touched.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from pathlib import Path

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from kb.filters import ClauseFilter
from kb.importers.cuad import METADATA_CATEGORIES, CuadCategory, CuadContract
from kb.models import Announcement, AnnouncementKind, Clause, Status
from kb.search.constants import MAX_TERMS
from kb_dev.relevance.metrics import mean, ndcg_at_k, precision_at_k, recall_at_k

Ranker = Callable[[str, int], list[str]]
Grades = Mapping[str, Mapping[str, float]]  # query id -> document id -> grade

# ACORD grades 1 to 5 stars as scores 0 to 4 (0: judged irrelevant).
ACORD_STARS = (3, 4, 5)
ACORD_DEPTH = 10
CATEGORY_DEPTH = 100
# The search page refuses longer queries.
QUERY_MAX_WORDS = MAX_TERMS


def acord_metrics(ranked: list[str], grades: Mapping[str, float]) -> dict[str, float]:
    """The ACORD authors' metrics: NDCG@5 and @10 with the score as gain, and
    precision@5 counting clauses of at least 3, 4 and 5 stars."""
    metrics = {"ndcg@5": ndcg_at_k(ranked, grades, 5), "ndcg@10": ndcg_at_k(ranked, grades, 10)}
    for stars in ACORD_STARS:
        metrics[f"p@5 {stars}*"] = precision_at_k(ranked, grades, 5, min_grade=stars - 1)
    return metrics


def category_metrics(ranked: list[str], grades: Mapping[str, float]) -> dict[str, float]:
    return {
        "p@10": precision_at_k(ranked, grades, 10),
        "recall@100": recall_at_k(ranked, grades, 100),
        "ndcg@10": ndcg_at_k(ranked, grades, 10),
    }


def evaluate(
    ranker: Ranker,
    queries: Mapping[str, str],
    grades: Grades,
    *,
    metrics: Callable[[list[str], Mapping[str, float]], dict[str, float]],
    depth: int,
) -> dict[str, dict[str, float]]:
    """Metrics per query id, in the order of ``queries``."""
    return {
        query: metrics(ranker(text, depth), grades.get(query, {}))
        for query, text in queries.items()
    }


def average(per_query: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    names = next(iter(per_query.values()), {}).keys()
    return {name: mean([values[name] for values in per_query.values()]) for name in names}


def kb_search_ranker(document_by_clause: Mapping[int, str]) -> Ranker:
    """kb's own search as a ranker: the filter set of the search page, sorted by
    relevance, over the published clauses; a query the page refuses ranks nothing."""

    def rank(query: str, depth: int) -> list[str]:
        filterset = ClauseFilter({"q": query, "sort": "relevance"})
        if not filterset.is_valid():
            return []
        hits = filterset.results.hits(0, depth)
        return [document_by_clause[hit.key.pk] for hit in hits if hit.key.pk in document_by_clause]

    return rank


@contextmanager
def scratch_database():
    """Point the default connection at a new, empty, migrated database for the block,
    and drop it afterwards: a SQLite file in a temporary directory when the site runs on
    SQLite, a database of a fresh name on the same server for PostgreSQL. The site's own
    database is never written to."""
    connection = connections[DEFAULT_DB_ALIAS]
    test_settings = connection.settings_dict.setdefault("TEST", {})
    saved_test_name = test_settings.get("NAME")
    with tempfile.TemporaryDirectory(prefix="kb-relevance-") as directory:
        test_settings["NAME"] = (
            str(Path(directory) / "scratch.sqlite3")
            if connection.vendor == "sqlite"
            else f"kb_relevance_{os.getpid()}_{secrets.token_hex(4)}"
        )
        site_database = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False
        )
        try:
            yield
        finally:
            connection.creation.destroy_test_db(site_database, verbosity=0)
            test_settings["NAME"] = saved_test_name


def load_clauses_without_labels(
    contracts: Iterable[CuadContract],
) -> tuple[dict[int, str], dict[str, set[str]]]:
    """Write the CUAD clauses for the category evaluation with nothing but their heading
    and text: no topics, no parties, announcements without title or text, so the labels
    cannot leak into the ranking whatever the search indexes. Returns clause id ->
    document id ("slug#position") and document id -> its categories."""
    document_by_clause: dict[int, str] = {}
    labels: dict[str, set[str]] = {}
    now = timezone.now()
    with transaction.atomic():
        for contract in contracts:
            announcement = Announcement.objects.create(
                title="",
                slug=contract.slug,
                kind=AnnouncementKind.AGREEMENT,
                status=Status.PUBLISHED,
                published_at=now,
            )
            clauses = Clause.objects.bulk_create(
                Clause(
                    announcement=announcement,
                    position=position,
                    heading=clause.heading,
                    text=clause.text,
                )
                for position, clause in enumerate(contract.clauses, start=1)
            )
            for row, clause in zip(clauses, contract.clauses, strict=True):
                document = f"{contract.slug}#{row.position}"
                document_by_clause[row.pk] = document
                labels[document] = set(clause.categories)
    return document_by_clause, labels


def query_from_description(description: str) -> str:
    """The description's words, each once, without English stopwords, at most
    ``QUERY_MAX_WORDS``: "Does a party have the right to audit the books ...?" ->
    "party right audit books ...". Mechanical, so nothing is fitted to the labels."""
    from bm25s.stopwords import STOPWORDS_EN_PLUS  # the dev extra's

    words = [
        word for word in re.findall(r"\w+", description.lower()) if word not in STOPWORDS_EN_PLUS
    ]
    return " ".join(list(dict.fromkeys(words))[:QUERY_MAX_WORDS])


def category_queries(categories: Iterable[CuadCategory]) -> dict[str, str]:
    """One query per clause category, written from its description."""
    return {
        category.name: query_from_description(category.description)
        for category in categories
        if category.description and category.name not in METADATA_CATEGORIES
    }


def category_grades(labels: Mapping[str, set[str]], categories: Iterable[str]) -> Grades:
    return {
        category: {document: 1 for document, cats in labels.items() if category in cats}
        for category in categories
    }
