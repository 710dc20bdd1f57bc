"""Small files in the shape of the external data sets, written by the tests themselves
(the real data sets are never copied into the project)."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from pathlib import Path

# category_descriptions.csv spells names as here; master_clauses.csv capitalises them
# differently ("Cap On Liability") and spells one answer column "- Answer".
CUAD_CATEGORIES = [
    ("Document Name", "The name of the contract", "Contract Name"),
    ("Parties", "The two or more parties who signed the contract", "Entity or individual names"),
    ("Agreement Date", "The date of the contract", "Date (mm/dd/yyyy)"),
    ("Effective Date", "The date when the contract is effective ", "Date (mm/dd/yyyy)"),
    ("Governing Law", "Which state/country's law governs the interpretation of the contract?", ""),
    (
        "License Grant",
        "Does the contract contain a license granted by one party to its counterparty?",
        "",
    ),
    ("Cap on Liability", "Does the contract include a cap on liability upon the breach?", ""),
]
MASTER_SPELLING = {"Cap on Liability": "Cap On Liability"}
ANSWER_SPELLING = {"Governing Law": "Governing Law- Answer"}


@dataclass
class CuadRow:
    filename: str
    text: str
    document_name: str = "LICENSE AGREEMENT"
    parties: list[str] = field(default_factory=lambda: ["Acme Widgets, Inc.", "Licensor"])
    parties_answer: str = 'Acme Widgets, Inc. ("Licensor")'
    agreement_date: str = "5/8/2014"
    effective_date: str = ""
    spans: dict[str, list[str]] = field(default_factory=dict)
    raw_cells: dict[str, str] = field(default_factory=dict)


def _master_header() -> list[str]:
    header = ["Filename"]
    for name, _, _ in CUAD_CATEGORIES:
        column = MASTER_SPELLING.get(name, name)
        header += [column, ANSWER_SPELLING.get(name, f"{column}-Answer")]
    return header


def write_cuad_sample(directory: Path, rows: list[CuadRow]) -> Path:
    """A CUAD-shaped directory holding ``rows``; returns the directory."""
    (directory / "full_contract_txt").mkdir(parents=True, exist_ok=True)
    with (directory / "category_descriptions.csv").open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(
            ["Category (incl. context and answer)", "Description", "Answer Format", "Group"]
        )
        for name, description, answer_format in CUAD_CATEGORIES:
            writer.writerow(
                [
                    f"Category: {name}",
                    f"Description: {description}",
                    f"Answer Format: {answer_format}",
                    "Group: -",
                ]
            )
    header = _master_header()
    with (directory / "master_clauses.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        for row in rows:
            cells = {
                "Filename": row.filename,
                "Document Name": repr([row.document_name]),
                "Document Name-Answer": row.document_name,
                "Parties": repr(row.parties),
                "Parties-Answer": row.parties_answer,
                "Agreement Date": "[]",
                "Agreement Date-Answer": row.agreement_date,
                "Effective Date": "[]",
                "Effective Date-Answer": row.effective_date,
            }
            for name, spans in row.spans.items():
                cells[MASTER_SPELLING.get(name, name)] = repr(spans)
            cells.update(row.raw_cells)
            writer.writerow([cells.get(column, "[]") for column in header])
            text_name = row.filename.rsplit(".", 1)[0] + ".txt"
            (directory / "full_contract_txt" / text_name).write_text(row.text, encoding="utf-8")
    return directory


def write_acord_sample(
    directory: Path,
    *,
    corpus: dict[str, str],
    queries: dict[str, str],
    qrels: dict[str, list[tuple[str, str, int]]],
) -> Path:
    """A BEIR-shaped directory (corpus.jsonl, queries.jsonl, qrels/NAME.tsv)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "corpus.jsonl").open("w", encoding="utf-8") as f:
        for doc_id, text in corpus.items():
            f.write(json.dumps({"_id": doc_id, "text": text}) + "\n")
    with (directory / "queries.jsonl").open("w", encoding="utf-8") as f:
        for query_id, text in queries.items():
            f.write(json.dumps({"_id": query_id, "text": text, "metadata": {}}) + "\n")
    (directory / "qrels").mkdir(exist_ok=True)
    for split, judgements in qrels.items():
        with (directory / "qrels" / f"{split}.tsv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, delimiter="\t")
            writer.writerow(["query-id", "corpus-id", "score"])
            writer.writerows(judgements)
    return directory
