# Kartoteka — the commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export KARTOTEKA_DATA_DIR ?= $(CURDIR)/data
VENDOR := kartoteka/web/assets/vendor
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run install assets messages migrate test test-sqlite test-postgres lint format clean bench

$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed assets messages

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.built: node_modules/.installed
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/bootstrap $(VENDOR)/bootstrap-icons $(VENDOR)/htmx $(VENDOR)/sortablejs
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/bootstrap/
	cp -r node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/font/fonts $(VENDOR)/bootstrap-icons/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/sortablejs/Sortable.min.js $(VENDOR)/sortablejs/
	touch $@

assets: $(VENDOR)/.built

messages: $(BIN)/.installed
	$(BIN)/python scripts/compile_messages.py

migrate: install
	$(BIN)/kartoteka migrate --noinput
	$(BIN)/kartoteka collectstatic --noinput --verbosity 0

# Installs what is missing, migrates, loads demo data on the first start, then runs the web
# server and the background worker together until Ctrl+C.
run: migrate
	$(BIN)/kartoteka demo --if-empty
	$(BIN)/kartoteka start --host $(HOST) --port $(PORT)

# SQLite always; PostgreSQL too when it answers on 127.0.0.1:5432 (CI requires it: CI=true).
test: install
	$(BIN)/python scripts/run_tests.py

test-sqlite: install
	$(BIN)/python -m pytest -q

# Benchmark (not part of `make test`): generates a data set in bench/data-<db>/ (PostgreSQL:
# the database kartoteka_bench), measures through a live server, writes bench/results/ and
# docs/performance.md. `make bench SCALE=full` for the reference scale;
# `DATABASE_URL=postgres://postgres@127.0.0.1:5432/kartoteka_bench make bench` for PostgreSQL.
bench: install
	$(BIN)/python -m bench $(if $(SCALE),--scale $(SCALE),)
	$(BIN)/python -m bench.imports --rows $(if $(filter full,$(SCALE)),1000000,100000)

lint: $(BIN)/.installed
	$(BIN)/ruff check kartoteka tests scripts bench conftest.py
	$(BIN)/ruff format --check kartoteka tests scripts bench conftest.py

format: $(BIN)/.installed
	$(BIN)/ruff format kartoteka tests scripts bench conftest.py
	$(BIN)/ruff check --fix kartoteka tests scripts bench conftest.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
