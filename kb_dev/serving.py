"""Start kb under gunicorn on 127.0.0.1, as `make serve-prod` does, for the production
tests and the load test."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from django.conf import settings

LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def manage(*args: str, env: dict[str, str]) -> None:
    """Run a management command in a child process with ``env``; raise with its output
    if it fails."""
    result = subprocess.run(  # noqa: S603 (our own interpreter and manage.py, fixed arguments)
        [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


@contextlib.contextmanager
def gunicorn(
    *, env: dict[str, str], port: int, log_path: Path, options: Sequence[str] = ()
) -> Iterator[str]:
    """Serve kb with gunicorn.conf.py and ``env`` on 127.0.0.1:``port`` until the block
    ends; yields the base URL. The server's own output goes to ``log_path``.
    ``options``: more gunicorn command-line options, which win over the config file's
    (e.g. ``["--timeout", "2"]``)."""
    gunicorn_bin = Path(sys.executable).with_name("gunicorn")
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 (fixed arguments, loopback only)
            [
                str(gunicorn_bin),
                "kb.wsgi",
                "--config",
                str(settings.BASE_DIR / "gunicorn.conf.py"),
                "--bind",
                f"{LOOPBACK}:{port}",
                *options,
            ],
            cwd=settings.BASE_DIR,
            env={**env, "PORT": str(port)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_listening(server, port, log_path)
        yield f"http://{LOOPBACK}:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_listening(server: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited at startup:\n{log_path.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection((LOOPBACK, port), timeout=1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not listen within {STARTUP_TIMEOUT_SECONDS} s")


def production_env(var_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment of a production kb whose files (SQLite, static) live in ``var_dir``."""
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="kb.example.org",
        KB_VAR_DIR=str(var_dir),
        WEB_CONCURRENCY="1",
        # The production tests and the load test read the public pages anonymously.
        KB_REQUIRE_LOGIN="0",
    )
    env.update(overrides)
    return env
