"""ACORD (The Atticus Project, CC BY 4.0): clause-retrieval queries with expert grades.

``parse_acord()`` reads the BEIR layout (``corpus.jsonl``, ``queries.jsonl``,
``qrels/NAME.tsv``) into plain dataclasses; ``import_acord_corpus()`` writes the corpus as
the published clauses of one announcement, so kb's own search can be run over it.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from kb.importers.cuad import heading_from_text
from kb.models import Announcement, AnnouncementKind, Clause, Status

CREDIT = "ACORD, The Atticus Project, CC BY 4.0"


class AcordFormatError(ValueError):
    """Bad input, with a message naming the file and line."""


@dataclass(frozen=True)
class AcordSplit:
    corpus: dict[str, str]
    queries: dict[str, str]  # the queries judged in the split only
    grades: dict[str, dict[str, int]]  # query id -> corpus id -> score 0..4


def _read_jsonl(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise AcordFormatError(f"{path}: no such file")
    records: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        for line, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                records[str(record["_id"])] = str(record["text"])
            except (ValueError, KeyError, TypeError) as error:
                raise AcordFormatError(
                    f"{path}, line {line}: expected a JSON object with _id and text ({error})"
                ) from None
    return records


def available_splits(directory: Path | str) -> list[str]:
    return sorted(path.stem for path in (Path(directory) / "qrels").glob("*.tsv"))


def parse_acord(directory: Path | str, split: str) -> AcordSplit:
    directory = Path(directory)
    qrels = directory / "qrels" / f"{split}.tsv"
    if not qrels.is_file():
        splits = ", ".join(available_splits(directory)) or "none"
        raise AcordFormatError(f"{qrels}: no such file (splits here: {splits})")
    corpus = _read_jsonl(directory / "corpus.jsonl")
    all_queries = _read_jsonl(directory / "queries.jsonl")
    grades: dict[str, dict[str, int]] = {}
    with qrels.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle, delimiter="\t")
        for cells in reader:
            line = reader.line_num
            if line == 1 and cells[:1] == ["query-id"]:
                continue
            if not cells:
                continue
            if len(cells) != 3:
                raise AcordFormatError(f"{qrels}, line {line}: expected query-id, corpus-id, score")
            query, doc, score = cells
            if query not in all_queries:
                raise AcordFormatError(f"{qrels}, line {line}: unknown query {query!r}")
            if doc not in corpus:
                raise AcordFormatError(f"{qrels}, line {line}: unknown corpus id {doc!r}")
            try:
                grades.setdefault(query, {})[doc] = int(score)
            except ValueError:
                raise AcordFormatError(
                    f"{qrels}, line {line}: the score must be a whole number, not {score!r}"
                ) from None
    return AcordSplit(
        corpus=corpus, queries={query: all_queries[query] for query in grades}, grades=grades
    )


def import_acord_corpus(*, corpus: dict[str, str]) -> dict[int, str]:
    """Write the corpus as the published clauses of one announcement (headings from
    their own first words, as every imported clause); returns clause id -> corpus id."""
    with transaction.atomic():
        announcement = Announcement.objects.create(
            title="ACORD clause corpus",
            slug="acord-clause-corpus",
            kind=AnnouncementKind.OTHER,
            status=Status.PUBLISHED,
            published_at=timezone.now(),
            credit=CREDIT,
        )
        ids = list(corpus)
        clauses = Clause.objects.bulk_create(
            Clause(
                announcement=announcement,
                position=position,
                heading=heading_from_text(corpus[doc]),
                text=corpus[doc],
            )
            for position, doc in enumerate(ids, start=1)
        )
    return {clause.pk: doc for clause, doc in zip(clauses, ids, strict=True)}
