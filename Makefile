# The two commands of the README:
#   make demo   - set up .venv and run `clearance demo` (embedded SQLite, nothing else needed)
#   make test   - set up .venv and run lint, type checks and the whole test suite
#                 (SQLite and the local PostgreSQL at 127.0.0.1:5432, database `test`)
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test setup lint bench

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	@scripts/ensure-ffmpeg-dev
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/clearance demo

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

test: $(STAMP)
	@scripts/ensure-postgres
	@scripts/ensure-chromium
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy
	CLEARANCE_TEST_POSTGRES_URL=$${CLEARANCE_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
		$(VENV)/bin/pytest -q

bench: $(STAMP)
	bench/run_all.sh
