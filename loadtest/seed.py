"""Fill the load database with synthetic published records, then write the request mix.

    DATABASE_URL=... python -m loadtest.seed --clauses 100000 --out mix.json

Run by loadtest/run.py in a child process pointed at the load database, never at a
real one: every record is labelled "Load-test" and says nothing true. Seeding is
skipped when the database already holds that many load-test clauses.
"""

from __future__ import annotations

import argparse
import json
import os
import random

import django

CLAUSES_PER_ANNOUNCEMENT = 10
PARTIES = 60
TOPICS = 30
BATCH = 2000
SAMPLE_SIZE = 300


def seed(clauses: int, rng: random.Random) -> int:
    from django.db import transaction
    from django.utils import timezone

    from kb.models import Announcement, Clause, Party, Status, Topic
    from loadtest.mix import SEARCH_WORDS

    existing = Clause.objects.filter(announcement__slug__startswith="load-test-").count()
    if existing >= clauses:
        return 0
    with transaction.atomic():
        Announcement.objects.filter(slug__startswith="load-test-").delete()
        parties = [
            Party.objects.get_or_create(
                slug=f"load-test-party-{n}", defaults={"name": f"Load-test party {n}"}
            )[0]
            for n in range(PARTIES)
        ]
        topics = [
            Topic.objects.get_or_create(
                slug=f"load-test-topic-{n}", defaults={"name": f"Load-test topic {n}"}
            )[0]
            for n in range(TOPICS)
        ]
        now = timezone.now()
        announcement_count = -(-clauses // CLAUSES_PER_ANNOUNCEMENT)
        announcements = Announcement.objects.bulk_create(
            [
                Announcement(
                    title=f"Load-test announcement {n}",
                    slug=f"load-test-{n}",
                    status=Status.PUBLISHED,
                    published_at=now,
                    summary=" ".join(rng.choices(SEARCH_WORDS, k=12)),
                )
                for n in range(announcement_count)
            ],
            batch_size=BATCH,
        )
        Announcement.parties.through.objects.bulk_create(
            [
                Announcement.parties.through(announcement_id=a.pk, party_id=party.pk)
                for a in announcements
                for party in rng.sample(parties, 2)
            ],
            batch_size=BATCH,
        )
        made = 0
        for start in range(0, len(announcements), BATCH // CLAUSES_PER_ANNOUNCEMENT):
            batch = [
                Clause(
                    announcement_id=a.pk,
                    position=position,
                    heading=f"Load-test clause {position}: "
                    + " ".join(rng.choices(SEARCH_WORDS, k=3)),
                    text=" ".join(rng.choices(SEARCH_WORDS, k=40)),
                )
                for a in announcements[start : start + BATCH // CLAUSES_PER_ANNOUNCEMENT]
                for position in range(1, CLAUSES_PER_ANNOUNCEMENT + 1)
            ][: clauses - made]
            created = Clause.objects.bulk_create(batch)
            Clause.topics.through.objects.bulk_create(
                [
                    Clause.topics.through(clause_id=clause.pk, topic_id=rng.choice(topics).pk)
                    for clause in created
                ]
            )
            made += len(created)
    return made


def sample(rng: random.Random):
    from kb.models import Announcement, Clause, Party, Topic
    from loadtest.mix import Sample

    def pick(values):
        values = list(values)
        return rng.sample(values, min(SAMPLE_SIZE, len(values)))

    return Sample(
        announcement_slugs=pick(Announcement.objects.published().values_list("slug", flat=True)),
        clause_ids=pick(Clause.objects.published().values_list("pk", flat=True)),
        topic_slugs=pick(
            Topic.objects.filter(clauses__isnull=False).distinct().values_list("slug", flat=True)
        ),
        party_slugs=pick(
            Party.objects.filter(announcements__isnull=False)
            .distinct()
            .values_list("slug", flat=True)
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clauses", type=int, required=True, help="load-test clauses to hold")
    parser.add_argument("--out", required=True, help="where to write the request mix (JSON)")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
    django.setup()
    from loadtest.mix import resolve_mix

    rng = random.Random(7)  # noqa: S311 (synthetic data, reproducible)
    created = seed(options.clauses, rng)
    routed, missing = resolve_mix(sample(rng))
    with open(options.out, "w") as out:
        json.dump({"created_clauses": created, "targets": routed, "missing": missing}, out)


if __name__ == "__main__":
    main()
