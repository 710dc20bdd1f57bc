"""One tantivy index on disk, kept in step with the database by its change log.

Layout, under ``settings.KB_SEARCH_INDEX_DIR`` (``KB_VAR_DIR/search``)::

    <database id>.lock              the writer lock of that database's index
    <database id>-v<schema>/        tantivy's files, and state.json: the position in
                                    the change log its last commit reflects

The database is the only source of truth: an index can be deleted at any time and
is rebuilt from it on first use (or by ``manage.py search_index rebuild``).

Writing. tantivy allows one ``IndexWriter`` per index; kb serialises writers with
a lock file of its own (``flock``), held around each whole batch: read the pending
changes, re-read their records, write, commit, save the position, close the
writer. Whoever holds the lock applies what is pending; a process that finds it
taken goes on with the index as it is (a search) or waits for it (a command). The
position is saved only after tantivy's commit, so a process killed at any point
leaves either the old index and position or the new ones, and changes never
counted as applied are applied by the next update. The lock is released when the
process dies, by the operating system.

Reading. Each process opens the index once and reloads its reader when the state
file shows a commit it has not seen. Before a search, pending changes are applied
if the lock is free (``fresh_searcher``), so a change is searchable at the next
search, on every server. Results are always re-read from the database (with the
publication check), so a stale index can hide a record for that long, never show
an unpublished one.

The index's whole life (open, lock, update, rebuild, check, recover) is one module,
longer than most, because its invariants span all of it: one writer under the file
lock, the state file written only after tantivy's commit, a reader reloaded when
that file changes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import secrets
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import tantivy
from django.conf import settings
from django.utils import timezone

from kb.search import schema
from kb.search.changes import ChangeLog, Position
from kb.search.constants import (
    FULL_REBUILD_ABOVE,
    LOCK_POLL_SECONDS,
    REBUILD_WRITER_HEAP,
    UPDATE_WRITER_HEAP,
)
from kb.search.documents import IndexDocument, Key, all_documents, read_documents

logger = logging.getLogger(__name__)

STATE_FILE = "state.json"
# Another database's index not updated for this long is deleted by the next rebuild.
ABANDONED_AFTER = dt.timedelta(days=30)


class IndexUnavailable(Exception):
    """No index can be searched: none was built yet, or it cannot be read or rebuilt."""


def is_engine_failure(error: BaseException) -> bool:
    """Whether ``error`` is tantivy's: the bindings raise ValueError, OSError or
    RuntimeError, and a panic of the Rust code on damaged files surfaces as pyo3's
    PanicException, which derives from BaseException."""
    return isinstance(error, ValueError | OSError | RuntimeError) or (
        type(error).__name__ == "PanicException"
    )


@dataclass
class UpdateReport:
    changes: int = 0
    documents: int = 0
    rebuilt: bool = False
    seconds: float = 0.0


@dataclass
class CheckReport:
    documents_in_database: int = 0
    documents_in_index: int = 0
    missing: list[Key] = field(default_factory=list)
    extra: list[Key] = field(default_factory=list)
    outdated: list[Key] = field(default_factory=list)
    duplicated: list[Key] = field(default_factory=list)
    repaired: bool = False

    @property
    def differences(self) -> int:
        return len(self.missing) + len(self.extra) + len(self.outdated) + len(self.duplicated)


@dataclass(frozen=True)
class _State:
    database: str
    schema_version: int
    position: Position
    documents: int


class SearchIndex:
    def __init__(self, root: Path | str, using: str = "default"):
        self.root = Path(root)
        self.log = ChangeLog(using)
        self._index: tantivy.Index | None = None
        self._database: str | None = None
        self._state_seen: bytes | None = None  # the state file as last loaded
        # Guards this object's own fields between threads (gunicorn's threaded
        # workers); writing is serialised by the writer lock, between processes and
        # threads alike (each holds the lock file open on its own).
        self._mutex = threading.RLock()

    # -- where it lives

    @property
    def database(self) -> str:
        if self._database is None:
            self._database = self.log.database_id()
        return self._database

    @property
    def directory(self) -> Path:
        return self.root / f"{self.database}-v{schema.SCHEMA_VERSION}"

    @property
    def _lock_path(self) -> Path:
        return self.root / f"{self.database}.lock"

    @property
    def _state_path(self) -> Path:
        return self.directory / STATE_FILE

    def exists(self) -> bool:
        return self._read_state() is not None

    # -- reading

    def fresh_searcher(self) -> tantivy.Searcher:
        """A searcher of the index with the changes pending now applied, unless
        another process or thread is writing (then the index as it is). A missing
        index is built here, by the first search that finds the writer lock free;
        meanwhile other searches get ``IndexUnavailable`` rather than wait minutes.
        One query when nothing is pending. An index that cannot be read is rebuilt;
        ``IndexUnavailable`` if that fails too."""
        try:
            return self._fresh_searcher()
        except IndexUnavailable:
            raise
        except BaseException as error:
            if not is_engine_failure(error):
                raise
            logger.exception("The search index in %s cannot be read", self.directory)
        try:
            self._recover()
            return self._fresh_searcher()
        except BaseException as error:
            if not is_engine_failure(error):
                raise
            raise IndexUnavailable(f"The search index cannot be read: {error}") from error

    def _fresh_searcher(self) -> tantivy.Searcher:
        known = self._database
        state = self._read_state() if known else None
        database, pending = self.log.status(state.position if state else None)
        if database is None or database != known:
            # The first search of this process, or another database than the one
            # the index was opened for (a restore): start from that database's index.
            self._use_database(database or self.log.database_id())
            state = self._read_state()
            pending = state is not None and self.log.has_pending(state.position)
        if state is None and self.update(wait=False) is None:
            raise IndexUnavailable("The search index is being built.")
        if state is not None and pending:
            self.update(wait=False)
        return self._reader().searcher()

    def _recover(self) -> None:
        """Rebuild an index whose files cannot be read, unless another process has
        done it meanwhile (it is tried again under the lock first)."""
        self._index = None
        with self._writer_lock(True):
            try:
                self._open().searcher()
                return
            except BaseException as error:
                if not is_engine_failure(error):
                    raise
            shutil.rmtree(self.directory, ignore_errors=True)
            self._rebuild_locked()

    @property
    def generation(self) -> tuple:
        """Which commit this process reads (its directory and state file as last
        loaded): what a cache of search results may be keyed on."""
        return (str(self.directory), self._state_seen)

    def _use_database(self, database: str) -> None:
        with self._mutex:
            if database != self._database:
                self._database, self._index, self._state_seen = database, None, None

    def searcher(self) -> tantivy.Searcher:
        """A searcher of the index as it is (no update)."""
        with self._mutex:
            if not self.exists():
                raise IndexUnavailable("The search index has not been built yet.")
            return self._reader().searcher()

    def _reader(self) -> tantivy.Index:
        # Every commit writes a state file with a token of its own: comparing the
        # contents (a few hundred bytes) tells each commit apart, where a file time
        # can repeat within the clock's resolution.
        seen = self._state_path.read_bytes()
        with self._mutex:
            if self._index is None:
                self._index = self._open()
            elif seen != self._state_seen:
                self._index.reload()
            self._state_seen = seen
            return self._index

    def _open(self) -> tantivy.Index:
        self.directory.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(schema.schema(), path=str(self.directory), reuse=True)
        schema.register_analyzers(index)
        # Reloaded when the state file shows a new commit (``_reader``): tantivy's
        # own watcher is a thread, which a forked worker would not have.
        index.config_reader(reload_policy="Manual")
        return index

    def _read_state(self) -> _State | None:
        try:
            data = json.loads(self._state_path.read_text())
            state = _State(
                data["database"],
                data["schema_version"],
                Position.from_json(data["position"]),
                data["documents"],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if state.database != self.database or state.schema_version != schema.SCHEMA_VERSION:
            return None
        return state

    def _write_state(self, position: Position, documents: int) -> None:
        data = {
            "database": self.database,
            "schema_version": schema.SCHEMA_VERSION,
            "position": position.to_json(),
            "documents": documents,
            "updated_at": timezone.now().isoformat(),
            "commit": secrets.token_hex(8),
        }
        temporary = self._state_path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data))
        os.replace(temporary, self._state_path)

    # -- writing

    @contextlib.contextmanager
    def _writer_lock(self, wait: bool | float):
        """Hold the writer lock (``True`` once held, ``False`` if it could not be had):
        ``wait`` True waits as long as it takes, a number that many seconds, False not."""
        self.root.mkdir(parents=True, exist_ok=True)
        deadline = None if wait is True else time.monotonic() + float(wait or 0)
        with open(self._lock_path, "a") as lock_file:
            while True:
                try:
                    fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if deadline is not None and time.monotonic() >= deadline:
                        yield False
                        return
                    time.sleep(LOCK_POLL_SECONDS)
            try:
                yield True
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def _writer(self, *, heap: int, threads: int):
        """tantivy's writer, committed and closed at the end of the block (its own
        lock released, merges finished, files no commit uses any more deleted), or
        rolled back if the block fails.

        The writer comes from a freshly opened index: tantivy keeps the list of its
        files in memory, and a writer of an index opened before another process's
        commits would save a list without that process's files, which then stay on
        disk for good (Paperless-ngx issue #13679, fixed the same way in #13682)."""
        index = self._open()
        writer = index.writer(heap_size=heap, num_threads=threads)
        try:
            yield writer
            writer.commit()
            writer.garbage_collect_files()
        except BaseException:
            writer.rollback()
            raise
        finally:
            writer.wait_merging_threads()
        if self._index is not None:
            self._index.reload()

    def _reader_for_writing(self) -> tantivy.Index:
        with self._mutex:
            if self._index is None:
                self._index = self._open()
            return self._index

    @staticmethod
    def _replace(writer, keys: set[Key], documents: dict[Key, IndexDocument]) -> None:
        """Delete ``keys``' documents and add those of ``documents``. (Deleting by a
        term of an unsigned field silently deletes nothing in tantivy-py 0.27: by
        query it works.)"""
        if keys:
            uids = [key.uid for key in keys]
            writer.delete_documents_by_query(
                tantivy.Query.term_set_query(schema.schema(), schema.UID, uids)
            )
        for key in sorted(documents, key=lambda key: key.uid):
            writer.add_document(documents[key].to_tantivy())

    def update(self, *, wait: bool | float = True) -> UpdateReport | None:
        """Apply the pending changes (rebuild when there is no usable index, too many
        changes are pending, or some were pruned before this index applied them).
        None when ``wait`` ran out before the writer lock was free."""
        self._use_database(self.log.database_id())
        for _ in range(3):
            with self._writer_lock(wait) as locked:
                if not locked:
                    return None
                report = self._update_locked()
            # Released: a change committed while we held the lock, by a process that
            # then found the lock taken, is ours to apply.
            state = self._read_state()
            if state is None or not self.log.has_pending(state.position):
                return report
        return report

    def _update_locked(self) -> UpdateReport:
        state = self._read_state()
        if state is None or self.log.is_pruned_past(state.position):
            return self._rebuild_locked()
        return self._apply_locked(state.position)

    def _apply_locked(self, position: Position, *, may_rebuild: bool = True) -> UpdateReport:
        """Apply the changes pending at ``position``; when there are more than
        ``FULL_REBUILD_ABOVE``, rebuild instead (or, right after a rebuild, leave them
        to the next update)."""
        started = time.monotonic()
        changes, position = self.log.pending(position, limit=FULL_REBUILD_ABOVE + 1)
        if len(changes) > FULL_REBUILD_ABOVE:
            return self._rebuild_locked() if may_rebuild else UpdateReport()
        if not changes:
            return UpdateReport()
        keys = self.log.affected_keys(changes)
        documents = read_documents(keys)
        with self._writer(heap=UPDATE_WRITER_HEAP, threads=1) as writer:
            self._replace(writer, keys, documents)
        self._write_state(position, self._reader_for_writing().searcher().num_docs)
        self._prune_log()
        return UpdateReport(
            changes=len(changes), documents=len(keys), seconds=time.monotonic() - started
        )

    def rebuild(self, *, wait: bool | float = True) -> UpdateReport | None:
        """Build the index again from every published record, then apply what
        changed meanwhile."""
        self._use_database(self.log.database_id())
        with self._writer_lock(wait) as locked:
            return self._rebuild_locked() if locked else None

    def _rebuild_locked(self) -> UpdateReport:
        started = time.monotonic()
        self._discard_other_versions()
        # The position first: whatever is committed after it is read below or
        # applied by the next update (re-applying is harmless).
        position = self.log.current()
        count = 0
        with self._writer(heap=REBUILD_WRITER_HEAP, threads=os.cpu_count() or 1) as writer:
            writer.delete_all_documents()
            for document in all_documents():
                writer.add_document(document.to_tantivy())
                count += 1
        self._write_state(position, count)
        self._prune_log()
        report = self._apply_locked(position, may_rebuild=False)  # what changed meanwhile
        return UpdateReport(
            changes=report.changes,
            documents=count,
            rebuilt=True,
            seconds=time.monotonic() - started,
        )

    def _discard_other_versions(self) -> None:
        """Delete this database's indexes of other schema versions (and this one if
        its state cannot be read: tantivy's files without a position), and indexes
        of other databases not updated for ``ABANDONED_AFTER`` (a restored or deleted
        database's: a database in use would rebuild its index if it came back)."""
        if self._read_state() is None and self.directory.exists():
            self._index = None
            shutil.rmtree(self.directory)
        abandoned = time.time() - ABANDONED_AFTER.total_seconds()
        for path in self.root.glob("*-v*"):
            if path == self.directory or not path.is_dir():
                continue
            state = path / STATE_FILE
            ours = path.name.startswith(f"{self.database}-v")
            if ours or not state.exists() or state.stat().st_mtime < abandoned:
                shutil.rmtree(path, ignore_errors=True)

    def _prune_log(self) -> None:
        kept = settings.KB_SEARCH_CHANGES_KEPT
        oldest = self.log.oldest_change_time()
        if oldest is not None and oldest < timezone.now() - kept:
            self.log.prune(older_than=kept)

    # -- checking

    def check(self, *, repair: bool = False) -> CheckReport:
        """Compare every published record's document with the index: what is
        missing, extra, outdated or there twice; ``repair`` rewrites those."""
        self._use_database(self.log.database_id())
        with self._writer_lock(True):
            self._update_locked()
            expected = {document.key: document.digest for document in all_documents()}
            indexed = self._indexed_digests()
            report = _compare(expected, indexed)
            if report.differences:
                # What changed while the records were read is not damage: apply it,
                # then compare those records again.
                self._update_locked()
                keys = {*report.missing, *report.extra, *report.outdated, *report.duplicated}
                now = {key: document.digest for key, document in read_documents(keys).items()}
                report = _compare(now, self._indexed_digests(keys))
            report.documents_in_database = len(expected)
            report.documents_in_index = sum(len(v) for v in indexed.values())
            if repair and report.differences:
                self._rewrite(
                    {*report.missing, *report.extra, *report.outdated, *report.duplicated}
                )
                report.repaired = True
            return report

    def _indexed_digests(self, keys: set[Key] | None = None) -> dict[Key, list[int]]:
        """What the index holds now (whoever wrote it): each key's digests."""
        index = self._reader_for_writing()
        index.reload()
        searcher = index.searcher()
        if keys is None:
            query = tantivy.Query.all_query()
        else:
            query = tantivy.Query.term_set_query(
                schema.schema(), schema.UID, [key.uid for key in keys]
            )
        hits = searcher.search(query, max(searcher.num_docs, 1), count=False).hits
        addresses = [address for _, address in hits]
        uids = searcher.fast_field_values(schema.UID, addresses)
        digests = searcher.fast_field_values(schema.DIGEST, addresses)
        indexed: dict[Key, list[int]] = {}
        for uid, digest in zip(uids, digests, strict=True):
            indexed.setdefault(Key.from_uid(uid), []).append(digest)
        return indexed

    def _rewrite(self, keys: set[Key]) -> None:
        with self._writer(heap=UPDATE_WRITER_HEAP, threads=1) as writer:
            self._replace(writer, keys, read_documents(keys))
        state = self._read_state()
        self._write_state(state.position, self._reader_for_writing().searcher().num_docs)


def _compare(expected: dict[Key, int], indexed: dict[Key, list[int]]) -> CheckReport:
    report = CheckReport()
    for key, digest in expected.items():
        found = indexed.get(key)
        if not found:
            report.missing.append(key)
        elif len(found) > 1:
            report.duplicated.append(key)
        elif found[0] != digest:
            report.outdated.append(key)
    report.extra = [key for key in indexed if key not in expected]
    for name in ("missing", "extra", "outdated", "duplicated"):
        getattr(report, name).sort(key=lambda key: (key.type, key.pk))
    return report


_current: dict[int, SearchIndex] = {}


def search_index(using: str = "default") -> SearchIndex:
    """This process's index of the database ``using`` (one per process: opened
    after a fork, never inherited)."""
    root = Path(settings.KB_SEARCH_INDEX_DIR)
    index = _current.get(os.getpid())
    if index is None or index.root != root or index.log.using != using:
        index = _current[os.getpid()] = SearchIndex(root, using)
    return index
