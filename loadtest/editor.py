"""An editor saving changes through the ORM while the load test runs, as the admin would:
each save locks the announcement row, edits it and one of its clauses, bumps their
versions and leaves history entries.

    DATABASE_URL=... python -m loadtest.editor --seconds 60 --interval 0.2 --out editor.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

import django


def edit(seconds: float, interval: float, seed: int) -> dict:
    from django.db import transaction
    from django.db.models import F

    from kb.models import Announcement, Clause

    rng = random.Random(seed)  # noqa: S311 (which record to edit, not security)
    ids = list(
        Announcement.objects.filter(slug__startswith="load-test-").values_list("pk", flat=True)
    )
    saves, errors, durations = 0, [], []
    deadline = time.monotonic() + seconds
    while ids and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with transaction.atomic():
                announcement = Announcement.objects.select_for_update().get(pk=rng.choice(ids))
                announcement.summary = f"Edited by the load test at {time.time():.3f}."
                announcement.version = F("version") + 1
                announcement.save()
                clause = Clause.objects.filter(announcement=announcement).order_by("?").first()
                if clause is not None:
                    clause.text += " Amended."
                    clause.version = F("version") + 1
                    clause.save()
            saves += 1
            durations.append(time.monotonic() - started)
        except Exception as error:  # every failed save is a finding
            errors.append(f"{type(error).__name__}: {error}")
        time.sleep(interval)
    durations.sort()
    p95 = durations[int(0.95 * (len(durations) - 1))] if durations else None
    return {"saves": saves, "errors": errors, "p95_seconds": p95}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, required=True, help="how long to keep editing")
    parser.add_argument("--interval", type=float, default=0.2, help="pause between saves (s)")
    parser.add_argument("--seed", type=int, default=0, help="which records this editor picks")
    parser.add_argument("--out", required=True, help="where to write the result (JSON)")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    django.setup()
    result = edit(options.seconds, options.interval, options.seed)
    with open(options.out, "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
