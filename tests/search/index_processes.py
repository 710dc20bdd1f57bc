"""Processes that write records and update one search index at once, as gunicorn's
workers and management commands do: ``python -m tests.search.index_processes ACTION``.

The database is the one ``DATABASE_URL`` names and the index the one under
``KB_SEARCH_INDEX_DIR``; ``tests/search/test_index_processes.py`` runs these and
checks the outcome. Actions:

- ``write --tag T --seconds S [--no-update]``: publish an announcement with a
  clause whose heading holds a word of its own, then (every other time) apply
  pending changes without waiting, as a request does; prints the committed words
  as JSON.
- ``update``, ``rebuild``: what ``manage.py search_index`` does.
- ``update-then-hang --ready FILE``: apply pending changes, but stop for good after
  writing the documents and before tantivy's commit (the parent kills it there).
- ``verify --words JSON``: print the check's differences and which words a search
  finds, as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import django


def write(tag: str, seconds: float, *, update: bool) -> None:
    from django.db import transaction
    from django.utils import timezone

    from kb.models import Announcement, Clause, Status
    from kb.search.index import search_index

    words, deadline, number = [], time.monotonic() + seconds, 0
    while number == 0 or time.monotonic() < deadline:
        number += 1
        word = f"zq{tag}x{number}"
        with transaction.atomic():
            announcement = Announcement.objects.create(
                title=f"Announcement {word}",
                slug=f"announcement-{word}",
                status=Status.PUBLISHED,
                published_at=timezone.now(),
            )
            Clause.objects.create(announcement=announcement, position=1, heading=f"Clause {word}")
        words.append(word)
        if update and number % 2:
            search_index().update(wait=False)
    print(json.dumps(words))


def update_then_hang(ready: Path) -> None:
    from kb.search.index import SearchIndex, search_index

    replace = SearchIndex._replace

    def replace_then_hang(writer, keys, documents):
        replace(writer, keys, documents)
        ready.write_text("documents written, not committed")
        time.sleep(3600)

    SearchIndex._replace = staticmethod(replace_then_hang)
    search_index().update()


def verify(words: list[str]) -> None:
    from kb.filters import ClauseFilter
    from kb.search.index import search_index

    report = search_index().check()
    found = []
    for word in words:
        filterset = ClauseFilter({"q": word})
        if filterset.is_valid() and filterset.results.count == 1:
            found.append(word)
    print(json.dumps({"differences": report.differences, "found": found}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("action")
    parser.add_argument("--tag", default="a")
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--ready", type=Path)
    parser.add_argument("--words", default="[]")
    parser.add_argument("--no-update", action="store_true")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    django.setup()
    from kb.search.index import search_index

    if options.action == "write":
        write(options.tag, options.seconds, update=not options.no_update)
    elif options.action == "update":
        search_index().update()
    elif options.action == "rebuild":
        search_index().rebuild()
    elif options.action == "update-then-hang":
        update_then_hang(options.ready)
    elif options.action == "verify":
        verify(json.loads(options.words))
    else:
        parser.error(f"unknown action {options.action}")


if __name__ == "__main__":
    main()
