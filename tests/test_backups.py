"""backup_kb / restore_kb on a live site: a backup taken while editors save holds
every record committed before it started, whole, and restores into a fresh database.

Each test database here is a real one outside the test transaction (a file for
SQLite, a scratch database on the PostgreSQL server), driven by the commands in
child processes, as an operator would run them.
"""

import gzip
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from tests.concurrent_writes import CLAUSES_PER_WRITE

pytestmark = pytest.mark.slow

WRITE_SECONDS = 6
ADDED_AFTER_BACKUP = "Added after the backup"
MAKE_ANNOUNCEMENT = "from tests.factories import make_announcement; make_announcement"
MAKE_CLAUSE_WITH_RELATIONS = (
    "from tests.factories import *; party = make_party('Kept party');"
    " make_clause(make_announcement(parties=[party]), heading='Kept clause',"
    " topics=[make_topic('Kept topic')], parties=[party])"
)
SEARCH_WORD = "zebrafish"
SEARCH = (
    "import json; from kb.filters import ClauseFilter;"
    f" found = ClauseFilter({{'q': '{SEARCH_WORD}'}}); assert found.is_valid(), found.errors;"
    " print(json.dumps([found.results.count, sorted(c.heading for c in found.qs)]))"
)
RELATIONS_AND_HISTORY = [
    "SELECT heading FROM kb_clause",
    "SELECT count(*) FROM kb_announcement_parties",
    "SELECT count(*) FROM kb_clause_topics",
    "SELECT count(*) FROM kb_clause_parties",
    "SELECT history_type, title FROM kb_historicalannouncement ORDER BY history_id",
    "SELECT history_type, heading FROM kb_historicalclause ORDER BY history_id",
]


def _wait_for_first_writes(site, timeout=30):
    """The backup must start mid-way: after the writers' first commits, before their last."""
    deadline = time.monotonic() + timeout
    while len(site.announcements()) < 8 and time.monotonic() < deadline:
        time.sleep(0.2)


class Database:
    """A database the commands can be pointed at through DATABASE_URL."""

    def __init__(self, url):
        self.url = url
        self.env = {**os.environ, "DATABASE_URL": url}

    def manage(self, *args, check=True):
        return subprocess.run(  # noqa: S603
            [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
        )

    def query(self, sql):
        if self.url.startswith("sqlite"):
            with closing(sqlite3.connect(urlsplit(self.url).path)) as db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.url) as db:
            return db.execute(sql).fetchall()

    def add_clauses(self, title, count):
        """An announcement ``title`` with ``count`` published clauses that SEARCH finds;
        their headings."""
        headings = [f"{title} {n}" for n in range(count)]
        self.manage(
            "shell",
            "-c",
            "from tests.factories import make_announcement, make_clause;"
            f" announcement = make_announcement({title!r});"
            f" [make_clause(announcement, heading=h, text='A {SEARCH_WORD} clause.')"
            f" for h in {headings!r}]",
        )
        return headings

    def search(self):
        """What SEARCH finds, through the search index (built or brought up to date
        first, as any search does): the engine's count and the clauses' headings."""
        output = self.manage("shell", "--verbosity=0", "-c", SEARCH).stdout
        count, headings = json.loads(output.strip().splitlines()[-1])
        return count, headings

    def identity(self):
        return self.query("SELECT database FROM kb_search_log_state")

    def announcements(self):
        """Each announcement's slug and its number of clauses."""
        return dict(
            self.query(
                "SELECT a.slug, count(c.id) FROM kb_announcement a"
                " LEFT JOIN kb_clause c ON c.announcement_id = a.id GROUP BY a.slug"
            )
        )


def _postgres_admin():
    import psycopg

    url = urlsplit(os.environ["DATABASE_URL"])
    return psycopg.connect(urlunsplit(url._replace(path="/postgres")), autocommit=True)


@pytest.fixture(scope="module")
def fresh_database(tmp_path_factory):
    """Makes freshly migrated, empty databases: copies of one migrated once."""
    workdir = tmp_path_factory.mktemp("databases")
    if connection.vendor == "sqlite":
        pristine = workdir / "pristine.sqlite3"
        Database(f"sqlite:///{pristine}").manage("migrate", "--noinput")

        def make(role):
            shutil.copyfile(pristine, workdir / f"{role}.sqlite3")
            return Database(f"sqlite:///{workdir / role}.sqlite3")

        yield make
        return

    url = urlsplit(os.environ["DATABASE_URL"])
    prefix = connection.settings_dict["NAME"]
    created = [f"{prefix}_pristine"]
    with _postgres_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{created[0]}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{created[0]}"')
    Database(urlunsplit(url._replace(path=f"/{created[0]}"))).manage("migrate", "--noinput")

    def make(role):
        name = f"{prefix}_{role}"
        with _postgres_admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{created[0]}"')
        created.append(name)
        return Database(urlunsplit(url._replace(path=f"/{name}")))

    yield make
    with _postgres_admin() as admin:
        for name in created:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def backup_during_writes(fresh_database, tmp_path_factory):
    """Editors save on the site for WRITE_SECONDS; a backup taken in the middle of it
    is restored into a spare database."""
    site, spare = fresh_database("site"), fresh_database("spare")
    workdir = tmp_path_factory.mktemp("backups")
    result_file = workdir / "writes.json"
    writers = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tests.concurrent_writes", "--seconds", str(WRITE_SECONDS)]
        + ["--writers", "4", "--readers", "2", "--out", str(result_file)],
        cwd=settings.BASE_DIR,
        env=site.env,
    )
    _wait_for_first_writes(site)
    started = time.time()
    output = site.manage("backup_kb", str(workdir / "backups")).stdout
    finished = time.time()
    assert writers.wait(timeout=WRITE_SECONDS + 60) == 0
    writes = json.loads(result_file.read_text())
    assert writes["write_errors"] == []
    backup_file = re.search(r"Backed up to (\S+)", output)[1]
    spare.manage("restore_kb", backup_file)
    site.manage("shell", "-c", f"{MAKE_ANNOUNCEMENT}('{ADDED_AFTER_BACKUP}')")
    return site, spare, writes["committed"], started, finished, backup_file


def test_a_backup_is_named_by_its_utc_timestamp(backup_during_writes):
    *_, backup_file = backup_during_writes
    assert re.fullmatch(r"kb-\d{8}T\d{12}Z\.(sqlite3|json\.gz)", os.path.basename(backup_file))


def test_a_restored_backup_holds_every_record_committed_before_it_began(backup_during_writes):
    _, spare, committed, started, finished, _ = backup_during_writes
    restored = spare.announcements()
    before = {slug for slug, at in committed if at < started}
    after = {slug for slug, at in committed if at > finished}
    assert before, "the writers committed nothing before the backup"
    assert before <= restored.keys()
    assert not after & restored.keys()
    assert set(restored.values()) == {CLAUSES_PER_WRITE}, "an announcement lost clauses"


def test_restore_refuses_a_database_that_is_not_empty(backup_during_writes):
    site, _, _, _, _, backup_file = backup_during_writes
    before = site.announcements()
    result = site.manage("restore_kb", backup_file, check=False)
    assert result.returncode == 1
    assert "The database is not empty" in result.stderr
    assert "--force" in result.stderr
    assert site.announcements() == before


def test_restore_with_force_replaces_everything_with_the_backup(backup_during_writes):
    site, spare, *_, backup_file = backup_during_writes
    assert "added-after-the-backup" in site.announcements()
    site.manage("restore_kb", "--force", backup_file)
    assert site.announcements() == spare.announcements()
    assert "added-after-the-backup" not in site.announcements()


def test_a_file_that_is_not_a_backup_is_refused_and_changes_nothing(backup_during_writes, tmp_path):
    _, spare, *_, backup_file = backup_during_writes
    before = spare.announcements()
    bogus = tmp_path / os.path.basename(backup_file)
    bogus.write_text("not a backup\n")
    result = spare.manage("restore_kb", "--force", str(bogus), check=False)
    assert result.returncode == 1
    assert f"{bogus.name}: not a kb backup" in result.stderr
    assert spare.announcements() == before


def test_a_json_backup_restores_whole(fresh_database, tmp_path):
    """On SQLite, --json is the way to move to PostgreSQL; on PostgreSQL it is the default."""
    source, target = fresh_database("json_source"), fresh_database("json_target")
    source.manage("shell", "-c", MAKE_CLAUSE_WITH_RELATIONS)
    output = source.manage("backup_kb", "--json", str(tmp_path)).stdout
    backup_file = re.search(r"Backed up to (\S+)", output)[1]
    assert backup_file.endswith(".json.gz")
    target.manage("restore_kb", backup_file)
    assert target.announcements() == source.announcements() != {}
    for sql in RELATIONS_AND_HISTORY:
        assert target.query(sql) == source.query(sql), sql


@pytest.mark.parametrize("as_json", [False, True], ids=["database-file", "json"])
def test_after_a_restore_search_finds_exactly_the_restored_records(
    fresh_database, tmp_path, as_json
):
    """The site's search index, kept up to date until the restore, knows records the
    backup does not hold: the restore gives the database a new identity, so its index
    is rebuilt from the restored records (and a second database restored from the
    same backup does not share the site's index)."""
    if not as_json and connection.vendor != "sqlite":
        pytest.skip("a database-file backup is SQLite's only")
    site, copy = fresh_database("search_site"), fresh_database("search_copy")
    for database in (site, copy):  # one server, one index directory for both
        database.env["KB_SEARCH_INDEX_DIR"] = str(tmp_path / "search")
    before = site.add_clauses("Before the backup", 2)
    assert site.search() == (2, before)
    output = site.manage("backup_kb", *(["--json"] if as_json else []), str(tmp_path)).stdout
    backup_file = re.search(r"Backed up to (\S+)", output)[1]
    after = site.add_clauses("After the backup", 3)
    assert site.search() == (5, sorted(after + before))
    identity = site.identity()

    site.manage("restore_kb", "--force", backup_file)
    assert site.search() == (2, before)
    assert site.identity() != identity

    copy.manage("restore_kb", backup_file)
    assert copy.search() == (2, before)
    assert copy.identity() not in (identity, site.identity())


def test_a_json_backup_holds_neither_the_search_change_log_nor_the_identity(
    fresh_database, tmp_path
):
    source = fresh_database("json_search_source")
    source.manage("shell", "-c", MAKE_CLAUSE_WITH_RELATIONS)
    assert source.query("SELECT count(*) FROM kb_search_change")[0][0] > 0
    output = source.manage("backup_kb", "--json", str(tmp_path)).stdout
    backup_file = re.search(r"Backed up to (\S+)", output)[1]
    with gzip.open(backup_file, "rt", encoding="utf-8") as dump:
        models = {record["model"] for record in json.load(dump)}
    assert "kb.clause" in models
    assert not models & {"kb.searchchange", "kb.searchlogstate"}
