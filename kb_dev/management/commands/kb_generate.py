"""Grow the knowledge base with N generated published clauses (for benchmarks).

    python manage.py kb_generate --clauses 200000 --seed 1 \
        --source ../shared/data/cuad/full_contract_txt
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from kb.search.index import search_index
from kb.statistics import refresh_statistics
from kb_dev.generate import generate


class Command(BaseCommand):
    help = "Add N generated published clauses, with announcements, parties and topics."

    def add_arguments(self, parser):
        parser.add_argument("--clauses", type=int, required=True, help="How many clauses to add.")
        parser.add_argument("--seed", type=int, default=0, help="Seed: same seed, same records.")
        parser.add_argument(
            "--source",
            type=Path,
            help="A directory of .txt files whose prose the clause texts are cut from "
            "(e.g. CUAD's full_contract_txt); without it, a built-in vocabulary.",
        )

    def handle(self, *args, clauses, seed, source, **options):
        if clauses < 1:
            raise CommandError("--clauses must be at least 1.")
        if source is not None and not any(source.glob("*.txt")):
            raise CommandError(f"{source}: no .txt files there.")
        started = time.perf_counter()
        with tqdm(total=clauses, unit="clause", disable=options["verbosity"] == 0) as bar:
            counts = generate(clauses=clauses, seed=seed, source=source, progress=bar.update)
        refresh_statistics()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Added {counts.clauses:,} clauses in {counts.announcements:,} announcements "
                f"({counts.parties} parties, {counts.topics} topics) in {elapsed:.1f} s "
                f"({counts.clauses / elapsed:,.0f} clauses/s)."
            )
        )
        report = search_index().update()
        if options["verbosity"]:
            self.stdout.write(
                f"Search index updated in {report.seconds:.1f} s ({report.documents:,} "
                f"documents{', rebuilt' if report.rebuilt else ''})."
            )
