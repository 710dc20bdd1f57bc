"""Load CUAD v1 (contracts and their labelled clauses) as published agreements.

    python manage.py import_cuad ../shared/data/cuad [--limit 50]

Re-running it changes nothing; a bad file stops it with the file and line, before
anything is written.
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from kb.importers.base import FormatError
from kb.importers.cuad import (
    count_contracts,
    import_cuad,
    parse_categories,
    parse_cuad,
)
from kb.statistics import refresh_statistics


class Command(BaseCommand):
    help = "Import the CUAD v1 contracts of DIR as published agreements with their clauses."

    def add_arguments(self, parser):
        parser.add_argument(
            "directory",
            help="The CUAD directory (master_clauses.csv, category_descriptions.csv, "
            "full_contract_txt/).",
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="Import only the first N contracts."
        )

    def handle(self, *args, directory, limit, verbosity, **options):
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number")
        try:
            categories = parse_categories(directory)
            total = count_contracts(directory)
            with tqdm(
                total=min(total, limit or total),
                unit=" contracts",
                disable=verbosity < 1,
                file=self.stderr,
            ) as progress:
                counts = import_cuad(
                    categories=categories,
                    contracts=parse_cuad(directory, categories=categories, limit=limit),
                    on_contract=lambda contract: progress.update(),
                )
        except FormatError as error:  # "file:line: message"
            raise CommandError(f"{error}; nothing was imported") from None
        refresh_statistics()
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {counts.contracts_created} contracts with "
                f"{counts.clauses_created} clauses; created {counts.parties_created} parties "
                f"and {counts.topics_created} topics; "
                f"{counts.contracts_already_there} contracts were already there."
            )
        )
