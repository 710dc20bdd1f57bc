"""CPU time of each load-test target, one request at a time, in one process: where the
load test's capacity goes (docs/performance/2026-11-25-load-test-100k.md).

    python -m loadtest.cpu --workdir /tmp/kb_load     # after a loadtest.run there

It reads the database and static files that ``python -m loadtest.run --workdir DIR``
left in DIR, runs kb as production does (DEBUG=0) through Django's test client, and
prints for each target of loadtest/mix.py the median CPU time of ``--repeat``
requests (``time.process_time()``, so other jobs on the machine hardly move it), and
the mean over the mix's weights: the CPU an average request of the load test costs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from kb_dev.serving import production_env


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, required=True, help="loadtest.run's --workdir")
    parser.add_argument("--repeat", type=int, default=12, help="requests per target")
    options = parser.parse_args()
    workdir = options.workdir.resolve()
    # Production settings, as loadtest.run gives gunicorn, on the database it left.
    os.environ.update(
        production_env(
            workdir,
            DATABASE_URL=f"sqlite:///{workdir / 'kb.sqlite3'}",
            ALLOWED_HOSTS="testserver",
        ),
        DJANGO_SETTINGS_MODULE="kb.settings",
    )
    import django

    django.setup()
    from django.test import Client

    targets = json.loads((workdir / "mix.json").read_text())["targets"]
    # kb runs behind a TLS-terminating proxy; this is what that proxy adds.
    client = Client(headers={"X-Forwarded-Proto": "https"}, secure=True)
    total_weight = sum(target["weight"] for target in targets)
    weighted_mean = 0.0
    print(f"{'target':25} {'weight':>6} {'CPU median ms':>14} {'max ms':>8}")
    for target in targets:
        paths, cpu_ms = target["paths"], []
        for index in range(options.repeat):
            started = time.process_time()
            response = client.get(paths[index % len(paths)])
            if response.streaming:
                b"".join(response.streaming_content)
            cpu_ms.append((time.process_time() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{paths[index % len(paths)]}: HTTP {response.status_code}")
        median = statistics.median(cpu_ms)
        weighted_mean += median * target["weight"] / total_weight
        print(f"{target['name']:25} {target['weight']:>6} {median:>14.1f} {max(cpu_ms):>8.1f}")
    print(f"mean over the mix's weights: {weighted_mean:.1f} ms of CPU a request")


if __name__ == "__main__":
    main()
