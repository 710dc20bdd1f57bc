"""gunicorn settings for `make serve-prod` (gunicorn reads this file from the working directory).

Everything comes from the environment: WEB_CONCURRENCY (worker processes, default
2 per core + 1), GUNICORN_THREADS (threads per worker, default 1), PORT (default 8000).
kb listens on 127.0.0.1 only: the TLS-terminating proxy in front of it is the only
client it should ever have.
"""

import multiprocessing
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count() + 1)
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
# A request that takes longer than this is stuck: the worker is replaced.
timeout = 30
graceful_timeout = 20
# The proxy connects from 127.0.0.1; it is the only one whose X-Forwarded-* we honour.
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
errorlog = "-"
