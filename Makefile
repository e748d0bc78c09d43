# crosswalk: `make demo`, `make test`, `make bench` each bootstrap .venv from nothing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
UV_VERSION := 0.13.9
SANDBOX_PORT ?= 8700
DAGSTER_PORT ?= 3000
# Some images set PYTHONDONTWRITEBYTECODE=1: every process (test workers, run workers, dbt) would
# then compile ~1,000 modules from source, ~5 s each on 2 cores. Empty turns it off for ours.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: demo test bench lint format clean

$(STAMP): pyproject.toml overrides.txt Makefile
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) on PATH"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(VENV)/bin/uv pip install --quiet --python $(PY) --override overrides.txt -e '.[dev]'
	@# Bytecode once, here (uv installs none): a few packages ship files that are not Python 3
	@# on purpose (test fixtures), so compileall's exit status is not the install's.
	$(PY) -m compileall -q -j 0 $(VENV)/lib >/dev/null || true
	touch $(STAMP)

demo: $(STAMP)
	@mkdir -p data .dagster_home
	DAGSTER_HOME=$(CURDIR)/.dagster_home SANDBOX_PORT=$(SANDBOX_PORT) DAGSTER_PORT=$(DAGSTER_PORT) \
		$(VENV)/bin/python -m crosswalk_cli.demo

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest

bench: $(STAMP)
	$(VENV)/bin/python -m bench.run

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) data .dagster_home .pytest_cache .ruff_cache
