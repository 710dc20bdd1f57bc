"""The load test: ``python -m loadtest.run`` (loadtest/run.py, docs/operating/scale-out.md)."""
