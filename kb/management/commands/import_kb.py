"""Restore the knowledge base from a JSON file written by ``export_kb``.

Into an empty database only, unless ``--replace`` is given: then every party, topic,
announcement and clause is deleted first. One transaction: on any error the database
is left as it was, and the message names the record.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from kb.importers.knowledge_base import (
    MAX_DOCUMENT_MEGABYTES,
    KnowledgeBaseFormatError,
    import_knowledge_base,
    read_document,
)
from kb.statistics import refresh_statistics


class Command(BaseCommand):
    help = "Import a knowledge base exported by export_kb (into an empty database)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The JSON file written by export_kb.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete every party, topic, announcement and clause before importing "
            "(their revision history keeps the deleted records).",
        )
        parser.add_argument(
            "--max-megabytes",
            type=int,
            default=MAX_DOCUMENT_MEGABYTES,
            help="Refuse a larger file without reading it (the document is read into "
            f"memory whole). Default: {MAX_DOCUMENT_MEGABYTES}.",
        )

    def handle(self, *args, path: Path, replace: bool, max_megabytes: int, **options):
        try:
            size = path.stat().st_size
            if size > max_megabytes * 1024 * 1024:
                raise CommandError(
                    f"{path}: the file is {size:,} bytes, more than {max_megabytes} MB; "
                    "nothing was imported (--max-megabytes raises the limit)"
                )
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"{path}: cannot read the file ({error.strerror})") from None
        try:
            document = read_document(data, filename=str(path))
            counts = import_knowledge_base(
                document=document,
                replace=replace,
                progress=lambda items: tqdm(
                    items, desc="announcements", unit="", disable=None, file=self.stderr
                ),
            )
        except KnowledgeBaseFormatError as error:
            message = str(error)
            raise CommandError(
                message if message.startswith(str(path)) else f"{path}: {message}"
            ) from None
        refresh_statistics()
        merged = (
            f" ({counts['parties merged']} more merged into a party of the same name)"
            if counts["parties merged"]
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: imported "
                + ", ".join(
                    f"{counts[name]} {name}"
                    for name in ("parties", "topics", "announcements", "clauses")
                )
                + merged
            )
        )
