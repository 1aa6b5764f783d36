# The two commands: `make run` (set up and serve) and `make test` (the whole suite).
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
STAMP := $(VENV)/.installed-stamp
DEV_STAMP := $(VENV)/.dev-installed-stamp
BENCH_STAMP := $(VENV)/.bench-installed-stamp
# `make serve`: production settings under gunicorn (docs/operations.md).
BIND ?= 127.0.0.1:8000
WORKERS ?= 2
# `make test`: pytest-xdist processes (`auto`: one per core; 0 runs the suite in this process).
TEST_WORKERS ?= auto

.PHONY: run test install dev-install setup lint clean bench serve

# What running the tracker needs, and nothing more.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "Python 3.10 or newer is needed (found: $$($(PYTHON) --version))."; exit 1; }
	@echo "Installing the dependencies into $(VENV) (about a minute)…"
	@$(PYTHON) -m venv $(VENV)
	@$(PIP) -e .
	@touch $@

# The tests' tools too: pytest, Playwright (it drives Debian's Chromium), Hypothesis, ruff.
$(DEV_STAMP): $(STAMP)
	@echo "Installing the development tools (pytest, Playwright, Hypothesis, ruff)…"
	@$(PIP) -e '.[dev]'
	@touch $@

install: $(STAMP)
dev-install: $(DEV_STAMP)

# Development settings (manage.py's default): debug on, a development key, plain HTTP.
setup: install
	@$(BIN)/python manage.py bootstrap

run: setup
	@echo "Serving the dashboard at http://127.0.0.1:$(PORT)/ (admin: /admin/; stop with Ctrl-C)"
	@$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# Production settings: manage.py is told so (DJANGO_ENV=production); gunicorn's entry point
# is production by default. Servers started together wait for each other in `bootstrap`.
serve: install
	@test -n "$$DJANGO_SECRET_KEY" || { echo "make serve runs with production settings: set DJANGO_SECRET_KEY (and DJANGO_ALLOWED_HOSTS); see docs/operations.md."; exit 1; }
	DJANGO_ENV=production $(BIN)/python manage.py check --deploy --fail-level WARNING
	DJANGO_ENV=production $(BIN)/python manage.py bootstrap
	$(BIN)/gunicorn --config evmarket/gunicorn.conf.py evmarket.wsgi:application \
		--bind $(BIND) --workers $(WORKERS)

test: dev-install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The benchmark: Django beside a raw-SQL floor and Datasette on one database (bench/run.py).
# make bench BENCH_ARGS="--database demo.sqlite3 --seconds 5 --only sightings-p1"
$(BENCH_STAMP): $(DEV_STAMP)
	@$(PIP) -e '.[dev,bench]'
	@touch $@

bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lint: dev-install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3.lock .pytest_cache .ruff_cache
