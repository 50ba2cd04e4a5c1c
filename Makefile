# Klient: `make run` serves the product with demo data; `make test` runs every check CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KLIENT := $(BIN)/klient
HOST ?= 127.0.0.1
PORT ?= 8000
# PostgreSQL used by the second run of the database suite (CI starts the server).
PG_URL ?= postgres://postgres@127.0.0.1:5432/klient

.PHONY: run system install install-dev translations test lint types migrations-check translations-check \
        unit postgres browser deploy-check bench bench-postgres clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Klient needs Python 3.11 or newer"; exit 1; }
	$(PYTHON) -m venv $(VENV) || { echo "Creating the virtualenv failed: on Debian, apt-get install python3-venv"; exit 1; }
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.lock
	$(BIN)/pip install --quiet -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

translations: install
	$(KLIENT) compiletranslations

## make run: set up everything and serve http://$(HOST):$(PORT) with demo data on SQLite under ./var/
run: install translations
	$(KLIENT) run --host $(HOST) --port $(PORT)

## make test: every check CI runs
test: system install-dev translations lint types migrations-check translations-check unit postgres browser deploy-check
	@echo "make test: every check passed"

system:
	scripts/install-system-packages

lint: install-dev
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

types: install-dev
	$(BIN)/mypy src

migrations-check: install-dev
	KLIENT_DATA_DIR=$$(mktemp -d) $(KLIENT) makemigrations --check --dry-run

translations-check: install-dev
	scripts/check-translations

unit: install-dev
	$(BIN)/pytest -q -m "not browser" -n 2 tests

## The database-touching suite again on PostgreSQL (skipped with a message when no server answers).
postgres: install-dev
	@if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 2)" 2>/dev/null; then \
	  DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -m "not browser" -n 2 tests/core tests/customers tests/activities tests/api tests/reports tests/greetings tests/calendars tests/mail tests/calllists tests/catalog tests/competitors tests/webhooks tests/sales tests/quotes tests/orders tests/contracts tests/service tests/portal tests/kb; \
	else echo "PostgreSQL is not reachable on 127.0.0.1:5432: PostgreSQL suite not run"; \
	  if [ -n "$$CI" ]; then exit 1; fi; fi

browser: install-dev
	$(BIN)/pytest -q -m browser tests/browser

deploy-check: install-dev
	KLIENT_DEBUG=0 KLIENT_SECRET_KEY=$$($(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))") \
	  KLIENT_ALLOWED_HOSTS=crm.example.com KLIENT_BASE_URL=https://crm.example.com \
	  KLIENT_DATA_DIR=$$(mktemp -d) $(KLIENT) check --deploy --fail-level WARNING

## make bench: performance figures as JSON on SQLite (SIZE=1000000 for the large run); bench-postgres on PostgreSQL
SIZE ?= 100000
bench: install-dev
	@SIZE=$(SIZE) KLIENT_DATA_DIR=$$(mktemp -d) $(BIN)/python -m tests.bench.run

bench-postgres: install-dev
	@SIZE=$(SIZE) KLIENT_BENCH_TICKETS=$${KLIENT_BENCH_TICKETS:-1000000} DATABASE_URL=$(PG_URL)_bench KLIENT_DATA_DIR=$$(mktemp -d) $(BIN)/python -m tests.bench.run

clean:
	rm -rf $(VENV) var
