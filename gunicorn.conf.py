"""gunicorn settings for `make serve-prod` (gunicorn reads this file from the working directory).

Everything comes from the environment: WEB_CONCURRENCY (worker processes, default
2 per core + 1), GUNICORN_THREADS (threads per worker, default 4), PORT (default 8000).
kb listens on 127.0.0.1 only: the TLS-terminating proxy in front of it is the only
client it should ever have.

The invariant: no response is ever cut by a worker timeout, however long it runs.
Exports (kb/exports.py) stream every matching clause, 100,000 rows and more, for as
long as that takes; a response cut half-way would be a silently short download.

- Threaded workers (``gthread``): each request runs in a thread of its own, and the
  worker's main thread keeps sending the arbiter its heartbeat (at least once a
  second) whatever its requests do. ``timeout`` is only how long that heartbeat may
  stop before the worker counts as hung and is killed (gunicorn's documentation:
  for workers other than sync it "just means that the worker process is still
  communicating and is not tied to the length of time required to handle a single
  request"). With the default sync worker, by contrast, the heartbeat stops for the
  whole of each request, so ``timeout`` caps every response, export included
  (tests/test_production.py shows both).
- No ``max_requests`` restarts: a worker that decides to restart stops its
  heartbeat while it waits for the requests under way, so the arbiter kills it
  ``timeout`` seconds later, response or not. Keep it 0.
- Only a stop or restart of gunicorn itself ends a response early: running
  requests get ``graceful_timeout`` seconds to finish, then the worker is killed
  (on a reload, SIGHUP, a worker that has left its loop no longer beats either,
  so the grace is the shorter of ``graceful_timeout`` and ``timeout``: keep
  ``timeout`` at least ``graceful_timeout``). Even then the download is never
  silently short: it is chunked, and the closing chunk is missing (clients report
  an error), and ``X-Result-Count`` says how many rows a whole one holds.
- The proxy should buffer responses (nginx's default ``proxy_buffering on``): it then
  reads an export at full speed whatever the client's, so a slow client holds a
  proxy buffer, not a gunicorn thread.

Threads and the database: each thread keeps a connection of its own (CONN_MAX_AGE),
so PostgreSQL sees up to WEB_CONCURRENCY x GUNICORN_THREADS of them from one server;
keep that below its ``max_connections``.
"""

import multiprocessing
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
# Threaded workers: requests run in threads, so a long one (an export) occupies one
# thread, not its worker, and never stops the worker's heartbeat (see above).
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 4)
# How long a worker's main thread may stop answering the arbiter before the worker
# counts as hung and is replaced. Not a limit on a request: see above.
timeout = 30
# What a stop or reload gives running requests before their worker is killed (at
# most ``timeout``, see above).
graceful_timeout = 30
# Never restart workers after some number of requests: see above.
max_requests = 0
# The proxy connects from 127.0.0.1 unless FORWARDED_ALLOW_IPS (comma-separated) says
# otherwise; only its X-Forwarded-* are honoured, here and by kb's login throttling
# (settings.KB_PROXY_ADDRESSES reads the same variable).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1"
# The longest request line kb is asked for: a search of MAX_QUERY_LENGTH (500)
# characters, percent-encoded (a CJK character is 9 bytes, one outside the Basic
# Multilingual Plane 12: 6,000 bytes), with the other filters and the path. gunicorn's
# default (4,094 bytes) refused a 460-character CJK search with its own 400 before kb
# saw it; 8,190 is the most gunicorn allows, and what nginx's default
# large_client_header_buffers (8 KB) lets through.
limit_request_line = 8190
accesslog = "-"
errorlog = "-"
