"""Django's SQLite backend, plus what sqlite.org advises for applications with
short-lived connections (SQLite 3.40, https://sqlite.org/lang_analyze.html): run
``PRAGMA optimize`` just before closing each connection.

kb's connections close when ``CONN_MAX_AGE`` (60 s by default) runs out, and the
planner needs statistics (``sqlite_stat1``): without them, or with figures from a
base a tenth of today's size, SQLite picks plans that read every clause
(docs/performance/2026-11-25-page-speedups-100k.md). ``PRAGMA optimize`` looks only
at the tables this connection queried, and runs ``ANALYZE`` on those with no
statistics or whose size changed a lot since; with nothing to do it costs
microseconds.

The ``ANALYZE`` it runs reads whole indexes, not the sample that ``analysis_limit``
allows: from a sample SQLite takes each announcement status and each clause effect
for as rare as the sample is small, and then prefers the status index plus a sort
(docs/decisions/query-plans.md). A full ``ANALYZE`` reads every index, holding the
write lock, in time that grows with the base: ``migrate`` runs it (kb/apps.py), and
so do the bulk loaders (kb/statistics.py, docs/operating/statistics.md), so a
connection's close runs it only for a table that has grown 25-fold since (SQLite
3.40's rule); after a large import, run ``ANALYZE`` (``sqlite3 var/kb.sqlite3
ANALYZE``) rather than wait for that.
"""

from __future__ import annotations

import contextlib

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    def _close(self):
        if self.connection is not None and not self.is_in_memory_db():
            # Statistics are an optimisation: closing must never fail for them.
            with contextlib.suppress(base.Database.Error):
                self.connection.execute("PRAGMA optimize")
        super()._close()
