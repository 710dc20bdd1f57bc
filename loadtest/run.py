"""The load test: staff reading and searching while editors save, against kb under
gunicorn on 127.0.0.1, bounded in time.

    python -m loadtest.run                      # 60 s, 50 users, 100,000 clauses, SQLite
    python -m loadtest.run --seconds 30 --clauses 2000        # the short version CI runs
    python -m loadtest.run --database-url postgres://postgres@127.0.0.1:5432/kb_load

It runs kb as production does (DEBUG=0, collected static files, gunicorn with
WEB_CONCURRENCY workers) on a database of its own: a SQLite file under
var/loadtest/ unless --database-url names another, which it migrates and fills
with synthetic "Load-test" records (never point it at real data: the editors
rewrite records). Locust plays --users staff members; the request mix is
loadtest/mix.py. It prints requests per second, p95 latency and errors per target,
writes them to var/loadtest/report.json, and exits non-zero on any error.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kb.settings")
django.setup()

from django.conf import settings  # noqa: E402 (after django.setup())

from kb_dev.serving import free_port, gunicorn, manage, production_env  # noqa: E402

P95_TARGET_MS = 200
# Users join over this many seconds, so cold workers do not meet all of them at once.
RAMP_UP_SECONDS = 5


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60, help="how long the users run")
    parser.add_argument("--users", type=int, default=50, help="concurrent simulated staff")
    parser.add_argument("--clauses", type=int, default=100_000, help="load-test clauses")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY") or 2 * os.cpu_count() + 1),
        help="gunicorn workers (default: WEB_CONCURRENCY, else 2 per core + 1)",
    )
    parser.add_argument("--editors", type=int, default=2, help="editor processes saving")
    parser.add_argument(
        "--editor-interval", type=float, default=0.2, help="pause between each editor's saves (s)"
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="TARGET",
        help="leave a target of loadtest/mix.py out (repeatable), e.g. --exclude topic",
    )
    parser.add_argument(
        "--database-url", help="database to load (default: var/loadtest/kb.sqlite3)"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=settings.BASE_DIR / "var" / "loadtest",
        help="where the database, static files, logs and report go",
    )
    return parser.parse_args(argv)


def child(module: str, *args: str, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (our interpreter, our modules)
        [sys.executable, "-m", module, *args], cwd=settings.BASE_DIR, env=env
    )


def read_stats(csv_path: Path) -> list[dict]:
    with csv_path.open() as stats:
        return [
            {
                "name": row["Name"],
                "requests": int(row["Request Count"]),
                "errors": int(row["Failure Count"]),
                "requests_per_second": round(float(row["Requests/s"]), 1),
                "p50_ms": _number(row["50%"]),
                "p95_ms": _number(row["95%"]),
                "max_ms": _number(row["Max Response Time"]),
            }
            for row in csv.DictReader(stats)
        ]


def _number(value: str) -> float | None:
    return None if value in ("", "N/A") else round(float(value))


def main(argv=None) -> int:
    options = parse_args(argv)
    workdir = options.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    database_url = options.database_url or f"sqlite:///{workdir / 'kb.sqlite3'}"
    port = free_port()
    env = production_env(
        workdir,
        DATABASE_URL=database_url,
        ALLOWED_HOSTS="127.0.0.1",
        WEB_CONCURRENCY=str(options.workers),
        KB_LOAD_MIX=str(workdir / "mix.json"),
        KB_LOAD_PORT=str(port),
    )

    print(f"Preparing {database_url} with {options.clauses:,} load-test clauses …", flush=True)
    started = time.monotonic()
    manage("migrate", "--noinput", env=env)
    manage("collectstatic", "--noinput", env=env)
    if child(
        "loadtest.seed", "--clauses", str(options.clauses), "--out", env["KB_LOAD_MIX"], env=env
    ).wait():
        print("Seeding failed.", file=sys.stderr)
        return 2
    manage("search_index", "update", env=env)  # as `make serve-prod` does before serving
    mix = json.loads(Path(env["KB_LOAD_MIX"]).read_text())
    mix["targets"] = [t for t in mix["targets"] if t["name"] not in options.exclude]
    Path(env["KB_LOAD_MIX"]).write_text(json.dumps(mix))
    print(f"… ready in {time.monotonic() - started:.0f} s.")
    if mix["missing"]:
        print(f"Not routed in this version, left out of the mix: {', '.join(mix['missing'])}")

    csv_prefix = workdir / "locust"
    with gunicorn(env=env, port=port, log_path=workdir / "gunicorn.log"):
        editors = [
            child(
                "loadtest.editor",
                "--seconds", str(options.seconds),
                "--interval", str(options.editor_interval),
                "--seed", str(number),
                "--out", str(workdir / f"editor-{number}.json"),
                env=env,
            )
            for number in range(options.editors)
        ]  # fmt: skip
        locust = subprocess.run(  # noqa: S603
            [
                str(Path(sys.executable).with_name("locust")),
                "--locustfile", str(settings.BASE_DIR / "loadtest" / "locustfile.py"),
                "--headless", "--only-summary", "--loglevel", "WARNING",
                "--users", str(options.users),
                "--spawn-rate", str(max(1, options.users // RAMP_UP_SECONDS)),
                "--run-time", f"{options.seconds}s", "--stop-timeout", "5",
                "--csv", str(csv_prefix),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=options.seconds + 120,
        )  # fmt: skip
        for editor in editors:
            editor.wait(timeout=options.seconds + 120)

    stats = read_stats(Path(f"{csv_prefix}_stats.csv"))
    edits = merge_edits(
        json.loads((workdir / f"editor-{number}.json").read_text())
        for number in range(options.editors)
    )
    report = {
        "database": database_url.split("://")[0],
        "clauses": options.clauses,
        "users": options.users,
        "workers": options.workers,
        "seconds": options.seconds,
        "targets": stats,
        "not_routed": mix["missing"],
        "excluded": options.exclude,
        "editors": options.editors,
        "edits": edits,
    }
    (workdir / "report.json").write_text(json.dumps(report, indent=2))
    print_report(report)
    total = next(row for row in stats if row["name"] == "Aggregated")
    if locust.returncode not in (0, 1) or not total["requests"]:
        print(locust.stdout[-3000:], locust.stderr[-3000:], file=sys.stderr)
        return 2
    return 1 if total["errors"] or edits["errors"] else 0


def merge_edits(results) -> dict:
    results = list(results)
    p95s = [result["p95_seconds"] for result in results if result["p95_seconds"] is not None]
    return {
        "saves": sum(result["saves"] for result in results),
        "errors": [error for result in results for error in result["errors"]],
        "p95_seconds": max(p95s, default=None),
    }


def print_report(report: dict) -> None:
    print(
        f"\n{report['users']} users, {report['seconds']} s, {report['clauses']:,} clauses,"
        f" {report['database']}, {report['workers']} gunicorn workers"
    )
    print(f"{'target':<20} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
    for row in report["targets"]:
        print(
            f"{row['name']:<20} {row['requests']:>9} {row['errors']:>7}"
            f" {row['requests_per_second']:>7} {row['p50_ms'] or '-':>7} {row['p95_ms'] or '-':>7}"
        )
    edits = report["edits"]
    p95 = f"{edits['p95_seconds'] * 1000:.0f} ms" if edits["p95_seconds"] is not None else "-"
    print(
        f"{report['editors']} editors: {edits['saves']} saves,"
        f" {len(edits['errors'])} errors, worst editor's p95 {p95}"
    )
    for error in edits["errors"][:5]:
        print(f"  {error}")
    total = next(row for row in report["targets"] if row["name"] == "Aggregated")
    verdict = "met" if (total["p95_ms"] or 0) <= P95_TARGET_MS else "MISSED"
    print(f"p95 target {P95_TARGET_MS} ms: {verdict}")


if __name__ == "__main__":
    sys.exit(main())
