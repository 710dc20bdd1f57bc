"""The search index of this server (``KB_SEARCH_INDEX_DIR``), derived from the database.

    python manage.py search_index update    # apply pending changes; build if missing
    python manage.py search_index rebuild   # build again from every published record
    python manage.py search_index check [--repair]
    python manage.py search_index new-identity  # after copying the database by other means

``check`` compares every published record with its document in the index and lists
what is missing, extra, outdated or there twice; it exits with status 1 when
anything differs, after repairing it with ``--repair``.

``new-identity``: a database copied outside ``restore_kb`` (a file copy, ``pg_dump``
and ``pg_restore``, ``CREATE DATABASE ... TEMPLATE``) keeps its source's identity, so
both would share one index directory; give the copy its own (its indexes are then
built from its records).
"""

from django.core.management.base import BaseCommand, CommandError

from kb.search.index import search_index

SHOWN = 10


class Command(BaseCommand):
    help = "Update, rebuild or check this server's search index against the database."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("update", help="Apply the pending changes (build a missing index).")
        actions.add_parser("rebuild", help="Build the index again from the database.")
        check = actions.add_parser("check", help="Compare the index with the database.")
        check.add_argument(
            "--repair", action="store_true", help="Rewrite the documents that differ."
        )
        actions.add_parser(
            "new-identity", help="Give a copied database an identity (and indexes) of its own."
        )

    def handle(self, *args, action, **options):
        index = search_index()
        if action == "new-identity":
            index.log.new_identity()
            self.stdout.write(
                "This database has a new identity: each server builds its index at its next "
                "search, or now with `search_index update`."
            )
            return
        if action == "check":
            self.check_index(index, repair=options["repair"])
            return
        report = index.rebuild() if action == "rebuild" else index.update()
        if report.rebuilt:
            self.stdout.write(
                f"Built the search index in {index.directory}: {report.documents:,} documents "
                f"in {report.seconds:.1f} s."
            )
        elif report.changes:
            self.stdout.write(
                f"Applied {report.changes:,} changes ({report.documents:,} documents) "
                f"in {report.seconds:.2f} s."
            )
        else:
            self.stdout.write("The search index is up to date.")

    def check_index(self, index, *, repair: bool):
        report = index.check(repair=repair)
        self.stdout.write(
            f"Database: {report.documents_in_database:,} published records; "
            f"index: {report.documents_in_index:,} documents."
        )
        for label, keys in (
            ("missing from the index", report.missing),
            ("in the index but not published", report.extra),
            ("outdated in the index", report.outdated),
            ("in the index more than once", report.duplicated),
        ):
            if keys:
                shown = ", ".join(f"{key.type} {key.pk}" for key in keys[:SHOWN])
                more = f" and {len(keys) - SHOWN:,} more" if len(keys) > SHOWN else ""
                self.stdout.write(f"{len(keys):,} {label}: {shown}{more}")
        if not report.differences:
            self.stdout.write(self.style.SUCCESS("The index matches the database."))
            return
        if report.repaired:
            self.stdout.write(self.style.WARNING("Repaired: those documents were rewritten."))
        raise CommandError(
            f"The index differs from the database in {report.differences:,} documents"
            + ("." if report.repaired else "; run with --repair to fix them.")
        )
