"""Back up the whole knowledge base while the site is running.

    python manage.py backup_kb /srv/backups/kb

writes kb-<UTC timestamp>.sqlite3 (SQLite) or kb-<UTC timestamp>.json.gz
(PostgreSQL, or SQLite with --json to move to PostgreSQL) into the directory.
Restore with ``restore_kb``.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kb.backups import BackupError, backup


class Command(BaseCommand):
    help = "Write a consistent snapshot of the database into DIR, named by timestamp."

    def add_arguments(self, parser):
        parser.add_argument(
            "directory", type=Path, help="Directory for the backup (created if missing)."
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="Write JSON even on SQLite (restores on any engine; writers wait meanwhile).",
        )

    def handle(self, *, directory: Path, json: bool, **options):
        try:
            path = backup(directory, as_json=json)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path}"))
