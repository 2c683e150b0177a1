# tvec — the two commands: `make run` and `make test`. `make check` before you push.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
# The rules live in these two packages: every line and branch of them is exercised by a test.
RULES := '*/tvec/domain/*,*/tvec/knowledge/*'

.PHONY: run tour test check lint typecheck docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# What running needs: tvec and its dependencies, nothing for tests.
$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The test extras (pytest, coverage, ruff, mypy, reference libraries, browsers' driver) on top.
$(TEST_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

## run: migrate the local SQLite database, load the demo data and serve on http://127.0.0.1:8000
run: $(RUN_STAMP)
	$(BIN)/tvec db upgrade
	$(BIN)/tvec db demo
	$(BIN)/tvec serve

## tour: a short tour of the command line on the bundled examples
tour: $(RUN_STAMP)
	@bash scripts/demo.sh

## test: install the test extras, run the whole suite with coverage; domain and knowledge stay at 100%
test: $(TEST_STAMP)
	$(BIN)/python -m pytest --cov --cov-report=term
	$(BIN)/python -m coverage report --include=$(RULES) --fail-under=100

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

## check: lint, format check, mypy (strict on domain, knowledge, services, persistence), the tests
check: lint typecheck test

## docs: regenerate docs/rules.md from the knowledge data
docs: $(RUN_STAMP)
	$(BIN)/tvec rules --markdown > docs/rules.md

clean:
	rm -rf var $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache \
		.coverage
