# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi

.PHONY: bytecode run serve test lint format bench bench-imports bench-pages bench-registry bench-ledger bench-pdf bench-load venv system-deps system-deps-test db demo translations clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "Creating the virtual environment failed: on Debian/Ubuntu install python3-venv"; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

# The portal's own modules compiled once, as a deployment does: a command then starts without compiling
# about 230 modules from source (0.3-0.5 s of every start where PYTHONDONTWRITEBYTECODE is set).
bytecode: venv
	@$(BIN)/python -m compileall -q portal wsgi.py

system-deps:
	@scripts/system-deps.sh

system-deps-test:
	@scripts/system-deps.sh --test

db: venv
	$(BIN)/flask --app wsgi db upgrade

demo: db
	$(BIN)/flask --app wsgi seed-demo

run: venv system-deps demo
	@PORT=$(PORT) scripts/run-dev.sh

# Production-like: gunicorn with WEB_CONCURRENCY workers (default 4) on PORT (default 8000), jobs and search follower.
serve: venv system-deps bytecode
	@scripts/serve.sh

test: venv system-deps-test
	$(BIN)/python -m pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: venv system-deps bytecode
	$(BIN)/python bench/run.py
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/pages.py $(BENCH_ARGS)
	$(BIN)/python bench/registry.py $(BENCH_ARGS)
	$(BIN)/python bench/ledger.py $(BENCH_ARGS)
	$(BIN)/python bench/pdf.py $(BENCH_ARGS)

# Imports and reindex as the command's user waits (subprocesses on a scratch folder), beside start-up and a plain insert.
bench-imports: venv bytecode
	$(BIN)/python bench/imports.py

# The public pages in-process, kept answers and computed ones, beside a bare Flask app; BENCH_ARGS=--profile for shares.
bench-pages: venv bytecode
	$(BIN)/python bench/pages.py $(BENCH_ARGS)

# The registry's figures alone (SQLite in-process, then PostgreSQL behind gunicorn); BENCH_ARGS=--quick for a smoke test.
bench-registry: venv bytecode
	$(BIN)/python bench/registry.py $(BENCH_ARGS)

# The deposit ledger's figures alone (PostgreSQL, then SQLite, both behind gunicorn); BENCH_ARGS=--quick for a smoke test.
bench-ledger: venv bytecode
	$(BIN)/python bench/ledger.py $(BENCH_ARGS)

# The PDF documents alone (warm worker: cache miss and hit, beside in-process WeasyPrint); BENCH_ARGS=--quick for a smoke test.
bench-pdf: venv system-deps bytecode
	$(BIN)/python bench/pdf.py $(BENCH_ARGS)

# Public pages under load: wrk against `gunicorn wsgi:app` on the demo content and against a bare Flask app
# served the same way, in the same run (loopback only, 8 s a page); BENCH_ARGS=--quick for 2 s a page.
bench-load: venv system-deps bytecode
	@command -v wrk >/dev/null || scripts/system-deps.sh --bench
	$(BIN)/python bench/load.py $(BENCH_ARGS)

translations: venv
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations
	$(BIN)/pybabel compile -d translations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
