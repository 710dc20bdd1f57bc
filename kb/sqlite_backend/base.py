"""Django's SQLite backend, plus what sqlite.org advises for applications with
short-lived connections (SQLite 3.40, https://sqlite.org/lang_analyze.html): run
``PRAGMA optimize`` just before closing each connection.

kb closes its connection after every request (``CONN_MAX_AGE = 0``), and the
planner needs statistics (``sqlite_stat1``): without them, or with figures from a
base a tenth of today's size, SQLite picks plans that read every clause (README,
"Performance"). ``PRAGMA optimize`` looks only at the tables this connection
queried, and runs ``ANALYZE`` on those with no statistics or whose size changed
a lot since; with nothing to do it costs microseconds. ``analysis_limit`` bounds
such an ``ANALYZE`` to a sample of each index (a few milliseconds at a million
clauses instead of seconds). The bulk loaders still run a full ``ANALYZE``.
"""

from __future__ import annotations

import contextlib

from django.db.backends.sqlite3 import base

# Rows of each index that an ANALYZE started by PRAGMA optimize samples.
ANALYSIS_LIMIT = 400


class DatabaseWrapper(base.DatabaseWrapper):
    def _close(self):
        if self.connection is not None and not self.is_in_memory_db():
            # Statistics are an optimisation: closing must never fail for them.
            with contextlib.suppress(base.Database.Error):
                self.connection.execute(f"PRAGMA analysis_limit={ANALYSIS_LIMIT}")
                self.connection.execute("PRAGMA optimize")
        super()._close()
