"""Create the PostgreSQL database DATABASE_URL names when it does not exist yet.

``make run`` (its ``migrate`` step) runs this first, so a fresh server needs no
``createdb``. On PostgreSQL it connects to the database; if that fails, it asks the
server's ``postgres`` database whether the database exists and, if not, creates it.
When the server cannot be reached, or the user may not create databases, it stops
with one line that says what to do. On SQLite there is nothing to do: the file is
created on first use.
"""

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import sql

MAINTENANCE_DATABASE = "postgres"
CONNECT_TIMEOUT_SECONDS = 10


class Command(BaseCommand):
    help = "Create the PostgreSQL database DATABASE_URL names if it does not exist."
    # The database may not exist yet: nothing may connect to it before handle() does.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--database",
            default=DEFAULT_DB_ALIAS,
            help="The connection alias in settings.DATABASES (default: %(default)s).",
        )

    def handle(self, *args, database: str, **options):
        connection = connections[database]
        if connection.vendor != "postgresql":
            self.stdout.write(f"{connection.display_name}: nothing to create.")
            return
        params = connection.get_connection_params()
        params.setdefault("connect_timeout", CONNECT_TIMEOUT_SECONDS)
        where = f"database {params['dbname']!r} on {_server(params)}"
        if ensure_postgres_database(params):
            self.stdout.write(self.style.SUCCESS(f"Created {where}."))
        else:
            self.stdout.write(f"The {where} exists.")


def ensure_postgres_database(params: dict) -> bool:
    """Create the database ``params`` (psycopg's connection parameters) name unless
    it exists; True if it was created. Raises CommandError, one line saying what to
    do, when it can neither be used nor created."""
    name, user = params["dbname"], params.get("user") or "(the default user)"
    try:
        psycopg.connect(**params).close()
    except psycopg.OperationalError as error:
        refused = _one_line(error)
    else:
        return False
    cannot_use = f"Cannot use database {name!r} on {_server(params)}: {refused}"
    try:
        server = psycopg.connect(**{**params, "dbname": MAINTENANCE_DATABASE}, autocommit=True)
    except psycopg.OperationalError:
        raise CommandError(cannot_use) from None
    with server:
        if server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            raise CommandError(cannot_use)  # it exists: the refusal was something else
        try:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        except psycopg.errors.InsufficientPrivilege:
            owner = f" -O {params['user']}" if params.get("user") else ""
            raise CommandError(
                f"Database {name!r} does not exist on {_server(params)} and {user!r} may not "
                f"create it: run `createdb -h {params.get('host') or 'localhost'} "
                f"-p {params.get('port') or 5432} -U <a user who may>{owner} {name}`, "
                "or point DATABASE_URL at a database that exists."
            ) from None
    return True


def _server(params: dict) -> str:
    return f"{params.get('host') or 'localhost'}:{params.get('port') or 5432}"


def _one_line(error: Exception) -> str:
    """psycopg's message on one line, without its "connection to server at ...
    failed:" preamble."""
    text = " ".join(str(error).split())
    return text.rsplit(" failed: ", 1)[-1]
