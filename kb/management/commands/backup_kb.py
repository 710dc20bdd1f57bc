"""Back up the whole knowledge base while the site is running.

    python manage.py backup_kb /srv/backups/kb

writes kb-<UTC timestamp>.sqlite3 (SQLite) or kb-<UTC timestamp>.json.gz
(PostgreSQL) into the directory. Restore with ``restore_kb``.
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

    def handle(self, *, directory: Path, **options):
        try:
            path = backup(directory)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Backed up to {path}"))
