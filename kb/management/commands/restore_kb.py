"""Restore the knowledge base from a file written by ``backup_kb``.

    python manage.py restore_kb /srv/backups/kb/kb-20261125T143000123456Z.sqlite3

Refuses to touch a database that already holds records or users unless given
``--force``, which replaces everything in it with the backup's contents. The restored
database gets a new identity, so every search index of it is rebuilt (kb.backups).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kb.backups import BackupError, restore


class Command(BaseCommand):
    help = "Restore the database from a backup_kb file (refuses a non-empty database)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A kb-*.sqlite3 or kb-*.json.gz backup.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace the contents of a database that is not empty.",
        )

    def handle(self, *, file: Path, force: bool, **options):
        try:
            contents = restore(file, force=force)
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Restored {file.name}: {contents}."))
        self.stdout.write("Run `manage.py migrate` if the backup is older than this version of kb.")
        self.stdout.write(
            "Search indexes are rebuilt from the restored records at their next search; "
            "`manage.py search_index update` on each server builds its index now."
        )
