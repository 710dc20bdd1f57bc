"""How well kb's search answers real queries, beside a plain BM25 baseline.

    python manage.py kb_relevance acord ../shared/data/acord --split valid [--json]
    python manage.py kb_relevance cuad ../shared/data/cuad [--json]

Each run loads its data into a scratch database (a temporary SQLite file, or a
temporary database on the PostgreSQL server) and drops it at the end: the site's
own data is never touched.
Queries go through the search page's filter set (``kb.filters.ClauseFilter``).
"""

import json

from django.core.management.base import BaseCommand, CommandError

from kb.importers.acord import AcordFormatError, import_acord_corpus, parse_acord
from kb.importers.cuad import CuadFormatError, parse_categories, parse_cuad
from kb_dev.relevance import runs
from kb_dev.tables import format_table


class Command(BaseCommand):
    help = "Measure search relevance on ACORD or on the CUAD categories, beside BM25."

    def add_arguments(self, parser):
        benchmarks = parser.add_subparsers(dest="benchmark", required=True)
        acord = benchmarks.add_parser(
            "acord", help="ACORD: attorney-written queries with graded clauses (BEIR layout)."
        )
        acord.add_argument("directory", help="The ACORD directory (corpus.jsonl, qrels/...).")
        acord.add_argument(
            "--split", required=True, help="The judgements to use: qrels/NAME.tsv in DIR."
        )
        acord.add_argument(
            "--json", dest="as_json", action="store_true", help="Print one JSON object."
        )
        cuad = benchmarks.add_parser(
            "cuad", help="CUAD: one query per clause category, written from its description."
        )
        cuad.add_argument("directory", help="The CUAD directory (master_clauses.csv, ...).")
        cuad.add_argument("--limit", type=int, default=None, help="Use only the first N contracts.")
        cuad.add_argument(
            "--json", dest="as_json", action="store_true", help="Print one JSON object."
        )

    def handle(self, *args, benchmark, directory, as_json, **options):
        try:
            from kb_dev.relevance.baseline import Bm25Baseline
        except ImportError as error:
            raise CommandError(
                f"kb_relevance needs the development dependencies ({error}): "
                'pip install -e ".[dev]"'
            ) from None
        try:
            if benchmark == "acord":
                report = self.acord(directory, options["split"], Bm25Baseline)
            else:
                report = self.cuad(directory, options["limit"], Bm25Baseline)
        except (AcordFormatError, CuadFormatError) as error:
            raise CommandError(str(error)) from None
        if as_json:
            self.stdout.write(json.dumps(report))
        else:
            self.write_tables(report)

    def acord(self, directory, split, baseline_class):
        data = parse_acord(directory, split)
        baseline = baseline_class(data.corpus)
        common = {"metrics": runs.acord_metrics, "depth": runs.ACORD_DEPTH}
        with runs.scratch_database():
            kb_ranker = runs.kb_search_ranker(import_acord_corpus(corpus=data.corpus))
            kb = runs.evaluate(kb_ranker, data.queries, data.grades, **common)
        bm25 = runs.evaluate(baseline.search, data.queries, data.grades, **common)
        return {
            "benchmark": "acord",
            "split": split,
            "queries": len(data.queries),
            "documents": len(data.corpus),
            "kb": runs.average(kb),
            "bm25": runs.average(bm25),
        }

    def cuad(self, directory, limit, baseline_class):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number")
        categories = parse_categories(directory)
        contracts = list(parse_cuad(directory, categories=categories, limit=limit))
        queries = runs.category_queries(categories)
        common = {"metrics": runs.category_metrics, "depth": runs.CATEGORY_DEPTH}
        with runs.scratch_database():
            document_by_clause, labels = runs.load_clauses_without_labels(contracts)
            grades = runs.category_grades(labels, queries)
            kb = runs.evaluate(runs.kb_search_ranker(document_by_clause), queries, grades, **common)
        texts = {
            f"{contract.slug}#{position}": clause.text
            for contract in contracts
            for position, clause in enumerate(contract.clauses, start=1)
        }
        bm25 = runs.evaluate(baseline_class(texts).search, queries, grades, **common)
        return {
            "benchmark": "cuad",
            "queries": len(queries),
            "documents": len(texts),
            "kb": runs.average(kb),
            "bm25": runs.average(bm25),
            "per_category": {
                category: {
                    "relevant": len(grades[category]),
                    "kb": kb[category],
                    "bm25": bm25[category],
                }
                for category in queries
            },
        }

    def write_tables(self, report):
        title = f"ACORD {report['split']}" if report["benchmark"] == "acord" else "CUAD categories"
        self.stdout.write(
            f"{title}: {report['queries']} queries over {report['documents']:,} clauses"
        )
        names = list(report["kb"])
        kb, bm25 = report["kb"], report["bm25"]
        rows = [
            ["kb search", *(f"{kb[name]:.3f}" for name in names)],
            ["BM25 (bm25s)", *(f"{bm25[name]:.3f}" for name in names)],
            ["kb - BM25", *(f"{kb[name] - bm25[name]:+.3f}" for name in names)],
        ]
        self.stdout.write(format_table(["", *names], rows))
        if "per_category" in report:
            self.stdout.write("\nPer category (kb search / BM25):")
            rows = [
                [
                    category,
                    row["relevant"],
                    *(f"{row['kb'][name]:.3f} / {row['bm25'][name]:.3f}" for name in names),
                ]
                for category, row in report["per_category"].items()
            ]
            header = ["category", "relevant", *(f"{name} kb / bm25" for name in names)]
            self.stdout.write(format_table(header, rows))
