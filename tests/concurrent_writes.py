"""Writers and readers hammering one database at once, in separate processes like
gunicorn's workers: ``python -m tests.concurrent_writes --seconds 9 --out result.json``.

The database is the one DATABASE_URL names. Each writer commits, in one
transaction, an announcement with CLAUSES_PER_WRITE clauses after reading (the
read-then-write pattern that fails at once under SQLite's DEFERRED transactions);
readers list published clauses. The result file lists every committed
announcement (slug and commit time) and every error, so a test can check that
nothing committed went missing.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import time
import traceback

import django

CLAUSES_PER_WRITE = 2


def writer(number: int, deadline: float, results) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from kb.models import Announcement, Clause, Status

    committed, errors, sequence = [], [], 0
    while sequence == 0 or time.time() < deadline:  # at least one write, however slow the start
        sequence += 1
        slug = f"load-w{number}-{sequence}"
        try:
            with transaction.atomic():
                Announcement.objects.filter(slug__startswith=f"load-w{number}-").count()
                announcement = Announcement.objects.create(
                    title=f"Concurrent write {number}.{sequence}",
                    slug=slug,
                    status=Status.PUBLISHED,
                    published_at=timezone.now(),
                )
                for position in range(1, CLAUSES_PER_WRITE + 1):
                    Clause.objects.create(
                        announcement=announcement, position=position, heading=f"Clause {position}"
                    )
            committed.append((slug, time.time()))
        except Exception as error:  # every failure is the finding
            errors.append(f"{type(error).__name__}: {error}")
    connection.close()
    results.put({"committed": committed, "write_errors": errors})


def reader(number: int, deadline: float, results) -> None:
    from django.db import connection

    from kb.models import Clause

    reads, errors = 0, []
    while reads == 0 or time.time() < deadline:
        try:
            list(Clause.objects.published().for_list().newest_first()[:20])
            reads += 1
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
    connection.close()
    results.put({"reads": reads, "read_errors": errors})


def run(*, seconds: float, writers: int, readers: int) -> dict:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    deadline = time.time() + seconds
    workers = [
        context.Process(target=writer, args=(number, deadline, results))
        for number in range(writers)
    ] + [
        context.Process(target=reader, args=(number, deadline, results))
        for number in range(readers)
    ]
    for worker in workers:
        worker.start()
    merged = {"committed": [], "write_errors": [], "reads": 0, "read_errors": []}
    for _ in workers:
        part = results.get(timeout=seconds + 60)
        for key, value in part.items():
            merged[key] += value
    for worker in workers:
        worker.join()
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to write")
    parser.add_argument("--writers", type=int, default=8, help="writer processes")
    parser.add_argument("--readers", type=int, default=8, help="reader processes")
    parser.add_argument("--out", required=True, help="where to write the JSON result")
    parser.add_argument("--migrate", action="store_true", help="migrate the database first")
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connections

    if options.migrate:
        call_command("migrate", verbosity=0)
    connections.close_all()  # the children must not share the parent's connection
    try:
        result = run(seconds=options.seconds, writers=options.writers, readers=options.readers)
    except Exception:
        result = {"crash": traceback.format_exc()}
    with open(options.out, "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
