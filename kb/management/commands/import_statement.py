"""Import a statement in the seed's plain-text/markdown form (see kb.importers.statement).

Re-running it on the same file updates the records in place. Bad input names the file
and line, exits non-zero and changes nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kb.importers.base import FormatError
from kb.importers.statement import (
    MAX_STATEMENT_BYTES,
    StatementFormatError,
    StatementImportError,
    import_statement,
    parse_statement_bytes,
)
from kb.models import Status
from kb.statistics import refresh_statistics

# An import that writes more clauses than this refreshes the planner statistics.
REFRESH_STATISTICS_AFTER_CLAUSES = 1000


def read_statement_file(path: Path):
    """Parse a statement file, refusing one too large before reading it."""
    try:
        if path.stat().st_size > MAX_STATEMENT_BYTES:
            raise StatementFormatError(
                str(path), None, f"the file is larger than {MAX_STATEMENT_BYTES:,} bytes"
            )
        data = path.read_bytes()
    except OSError as error:
        raise CommandError(f"{path}: cannot read the file ({error.strerror})") from None
    return parse_statement_bytes(data, filename=str(path))


class Command(BaseCommand):
    help = "Import a statement (title, source, bold-headed clauses, related summaries)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="The statement file (.txt or .md, UTF-8).")
        parser.add_argument(
            "--status",
            choices=[Status.DRAFT, Status.PUBLISHED],
            default=Status.DRAFT,
            help="State of the announcements the import creates (existing ones keep theirs). "
            "Default: draft.",
        )

    def handle(self, *args, path: Path, status: str, **options):
        try:
            parsed = read_statement_file(path)
            result = import_statement(parsed=parsed, status=status)
        except FormatError as error:
            raise CommandError(str(error)) from None  # "file:line: message"
        except StatementImportError as error:
            raise CommandError(f"{path}: {error}") from None
        counts = result.counts
        if counts["clauses created"] + counts["clauses removed"] > REFRESH_STATISTICS_AFTER_CLAUSES:
            refresh_statistics()
        self.stdout.write(self.style.SUCCESS(f"{path}: {result.summary()}"))
