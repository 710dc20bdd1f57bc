"""kb's development tools: the benchmark (``kb_bench``), the data generator
(``kb_generate``), the relevance runs (``kb_relevance``) and the helpers that start kb
under gunicorn for the load test and the production tests.

Not part of the running site: ``kb.settings`` installs this app only with ``DEBUG`` on or
``KB_DEV_TOOLS=1``. Its third-party needs (bm25s, PyStemmer, locust) come with the dev
extra (``pip install -e ".[dev]"``) and are imported only where they are used.
"""
