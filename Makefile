# tvec — the two commands: `make run` and `make test`. `make check` before you push.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run tour test check lint typecheck docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: migrate the local SQLite database, load the demo data and serve on http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/tvec db upgrade
	$(BIN)/tvec db demo
	$(BIN)/tvec serve

## tour: a short tour of the command line on the bundled examples
tour: $(STAMP)
	@bash scripts/demo.sh

## test: install with the test extras and run the whole suite
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: $(STAMP)
	$(BIN)/mypy

## check: lint, format check, mypy (strict on domain and knowledge) and the tests
check: lint typecheck test

## docs: regenerate docs/rules.md from the knowledge data
docs: $(STAMP)
	$(BIN)/tvec rules --markdown > docs/rules.md

clean:
	rm -rf var $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
