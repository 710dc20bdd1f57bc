"""Locust users for the kb load test; started by loadtest/run.py, which passes the
request mix in KB_LOAD_MIX (a JSON file written by loadtest/seed.py).

Each simulated staff member picks a target by weight, then one of its paths, waits
KB_LOAD_WAIT_MIN..KB_LOAD_WAIT_MAX seconds, and again. Requests only ever go to
127.0.0.1, on the port run.py gives in KB_LOAD_PORT.
"""

import json
import os
import random
from urllib.parse import urlsplit

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser
from locust.exception import StopUser

with open(os.environ["KB_LOAD_MIX"]) as mix_file:
    TARGETS = json.load(mix_file)["targets"]
WEIGHTS = [target["weight"] for target in TARGETS]


class StaffMember(FastHttpUser):
    host = f"http://127.0.0.1:{int(os.environ['KB_LOAD_PORT'])}"
    wait_time = between(
        float(os.environ.get("KB_LOAD_WAIT_MIN", "0.5")),
        float(os.environ.get("KB_LOAD_WAIT_MAX", "1.5")),
    )
    # kb runs behind a TLS-terminating proxy; this is what that proxy adds.
    default_headers = {"X-Forwarded-Proto": "https"}

    def on_start(self):
        # A --host given to locust by hand replaces ours: refuse anything off this machine.
        if urlsplit(self.host).hostname != "127.0.0.1":
            raise StopUser()

    @task
    def visit(self):
        target = random.choices(TARGETS, weights=WEIGHTS)[0]  # noqa: S311
        self.client.get(random.choice(target["paths"]), name=target["name"])  # noqa: S311
