# The two commands: `make run` (set up and serve) and `make test` (the whole suite).
PYTHON ?= python3
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-installed-stamp

.PHONY: run test install setup lint clean bench serve
# `make serve`: production settings under gunicorn (see docs/operations.md).
BIND ?= 127.0.0.1:8000
WORKERS ?= 2

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "Python 3.10 or newer is needed (found: $$($(PYTHON) --version))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# Development set-up: debug mode (no secret key needed); `make serve` does its own set-up.
setup: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=1 $(BIN)/python manage.py load_reference_data
	DJANGO_DEBUG=1 $(BIN)/python manage.py collectstatic --noinput --verbosity 0

run: setup
	@echo "Serving the dashboard at http://127.0.0.1:$(PORT)/ (admin: /admin/)"
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

serve: install
	@test -n "$$DJANGO_SECRET_KEY" || { echo "make serve runs with production settings: set DJANGO_SECRET_KEY (and DJANGO_ALLOWED_HOSTS); see docs/operations.md."; exit 1; }
	$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_reference_data
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn --config evmarket/gunicorn.conf.py evmarket.wsgi:application \
		--bind $(BIND) --workers $(WORKERS)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The benchmark: Django beside a raw-SQL floor and Datasette on one database (bench/run.py).
# make bench BENCH_ARGS="--database demo.sqlite3 --seconds 5 --only sightings-p1"
$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache .ruff_cache
