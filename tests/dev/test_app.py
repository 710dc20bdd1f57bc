"""The development tools are installed only where they are asked for."""

import subprocess
import sys

import pytest
from django.conf import settings

from kb_dev.serving import production_env

DEV_COMMANDS = {"kb_bench", "kb_generate", "kb_relevance", "kb_lineage_measure"}


def commands(env) -> set[str]:
    listed = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, str(settings.BASE_DIR / "manage.py"), "help", "--commands"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(listed.stdout.split())


@pytest.mark.parametrize(
    ("extra", "installed"),
    [({}, False), ({"KB_DEV_TOOLS": "1"}, True), ({"DEBUG": "1", "SECRET_KEY": ""}, True)],
    ids=["production", "production-asked-for", "development"],
)
def test_the_dev_commands_exist_only_in_development_or_when_asked_for(tmp_path, extra, installed):
    env = {**production_env(tmp_path), **extra}
    assert (commands(env) >= DEV_COMMANDS) is installed
    assert "search_index" in commands(env)


def test_the_old_benchmark_wrappers_are_gone(tmp_path):
    names = commands(production_env(tmp_path, KB_DEV_TOOLS="1"))
    assert not names & {"kb_search_bench", "benchmark_admin"}
