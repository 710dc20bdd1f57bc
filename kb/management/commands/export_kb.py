"""Write the whole knowledge base to one JSON file (see kb.importers.knowledge_base)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kb.importers.knowledge_base import export_knowledge_base


class Command(BaseCommand):
    help = "Export every party, topic, announcement and clause as one JSON document."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The JSON file to write ('-' for stdout).")

    def handle(self, *args, path: Path, **options):
        document = export_knowledge_base()
        text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
        if str(path) == "-":
            self.stdout.write(text, ending="")
            return
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{path}: cannot write the file ({error.strerror})") from None
        clauses = sum(len(item["clauses"]) for item in document["announcements"])
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {len(document['parties'])} parties, {len(document['topics'])} topics, "
                f"{len(document['announcements'])} announcements, {clauses} clauses"
            )
        )
