# kb: `make run` serves the demo, `make test` runs the whole suite (lint, Django's checks, the
# docs built with --strict, pytest). Both set up what they need.
SHELL := /bin/bash
# `make run` serves on 127.0.0.1:$(PORT); `PORT=8001 make run` or `make run PORT=8001`.
PORT ?= 8000
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || echo python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1
# MkDocs 1.x prints a banner about MkDocs 2 unless told not to.
export NO_MKDOCS_2_WARNING := 1

.PHONY: setup migrate demo run serve-prod loadtest test lint check docs pytest screenshots browser-deps clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "kb needs Python 3.12 or newer; found " + sys.version.split()[0])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --editable ".[dev]"
	touch $(STAMP)

setup: $(STAMP)

# ensure_database: on PostgreSQL, create DATABASE_URL's database when the server allows it,
# or stop with one line saying how.
migrate: setup
	mkdir -p var
	$(BIN)/python manage.py ensure_database
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py ensure_demo_editor
	$(BIN)/python manage.py search_index update

run: demo
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Production: the environment must say DEBUG=0 and give SECRET_KEY and ALLOWED_HOSTS
# (docs/operating/production.md); WEB_CONCURRENCY sets the number of gunicorn workers.
serve-prod: setup
	@test "$$DEBUG" = 0 || { echo "serve-prod needs DEBUG=0, SECRET_KEY and ALLOWED_HOSTS in the environment" >&2; exit 1; }
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/python manage.py search_index update
	$(BIN)/python manage.py check --deploy --fail-level WARNING
	exec $(BIN)/gunicorn kb.wsgi --config gunicorn.conf.py

# The load test against gunicorn on 127.0.0.1 (docs/operating/scale-out.md). Defaults: 60 s,
# 50 users, 100,000 clauses; CI runs LOADTEST_ARGS="--seconds 30 --clauses 2000".
loadtest: setup
	$(BIN)/python -m loadtest.run $(LOADTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

check: setup
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check

# The documentation site (mkdocs.yml, docs/) into var/site; --strict: a broken link, a
# missing anchor or a page left out of the nav fails.
docs: setup
	$(BIN)/mkdocs build --strict --quiet

pytest: setup
	@test -x $(CHROMIUM) -a -f $(AXE) || echo "NOTE: browser tests SKIPPED: no $(CHROMIUM) or no $(AXE); 'make browser-deps' installs them"
	@command -v java >/dev/null && test -f $(VNU) || echo "NOTE: HTML validity test SKIPPED: no java or no $(VNU); 'make browser-deps' installs them"
	$(BIN)/pytest $(PYTEST_ARGS)

# The browser tests' needs: Debian's Chromium (never a browser download) and axe-core from npm;
# the HTML validity test's: the Nu HTML checker (vnu-jar from npm) and a Java runtime to run it.
CHROMIUM := /usr/bin/chromium
AXE_CORE_VERSION := 4.14.1
AXE := var/node/node_modules/axe-core/axe.min.js
VNU_VERSION := 26.9.27
VNU := var/node/node_modules/vnu-jar/build/dist/vnu.jar
browser-deps:
	test -x $(CHROMIUM) -a -x /usr/bin/chromedriver || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }
	command -v java >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q default-jre-headless; }
	# One install for both: an install with --no-save removes the packages it was not given.
	grep -qs '"version": "$(AXE_CORE_VERSION)"' var/node/node_modules/axe-core/package.json \
		&& grep -qs '"version": "$(VNU_VERSION)"' var/node/node_modules/vnu-jar/package.json \
		|| npm install --prefix var/node --no-save --no-audit --no-fund --loglevel=error \
			axe-core@$(AXE_CORE_VERSION) vnu-jar@$(VNU_VERSION)

# The few screenshots the docs show (docs/images/), from the browser test that reads the
# demo (it saves every key page to artifacts/screenshots/), cut and made small.
screenshots: setup
	$(BIN)/pytest -q tests/browser/test_reading.py
	$(BIN)/python -m kb_dev.screenshots

test: lint check docs pytest

clean:
	rm -rf $(VENV) var build *.egg-info
