# kb: `make run` serves the demo, `make test` runs the whole suite. Both set up what they need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup migrate demo run serve-prod test lint check pytest browser-deps clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "kb needs Python 3.12 or newer; found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py ensure_demo_editor

run: demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: setup
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

pytest: setup
	@test -x $(CHROMIUM) -a -f $(AXE) || echo "NOTE: browser tests SKIPPED: no $(CHROMIUM) or no $(AXE); 'make browser-deps' installs them"
	$(BIN)/pytest $(PYTEST_ARGS)

# The browser tests' needs: Debian's Chromium (never a browser download) and axe-core from npm.
CHROMIUM := /usr/bin/chromium
AXE_CORE_VERSION := 4.14.1
AXE := var/node/node_modules/axe-core/axe.min.js
browser-deps:
	test -x $(CHROMIUM) -a -x /usr/bin/chromedriver || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }
	grep -qs '"version": "$(AXE_CORE_VERSION)"' var/node/node_modules/axe-core/package.json || npm install --prefix var/node --no-save --no-audit --no-fund --loglevel=error axe-core@$(AXE_CORE_VERSION)

test: lint check pytest

clean:
	rm -rf $(VENV) var build *.egg-info
