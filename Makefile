# tvec — the two commands: `make run` and `make test`. `make check` before you push.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
# The locked dependencies, every file pinned by hash (made by `make lock` with pip-tools).
RUN_LOCK := requirements/run.lock
TEST_LOCK := requirements/test.lock
LOCK_TOOLS := $(VENV)/lock-tools
PIP_TOOLS := pip-tools==7.7.0
# `make lock` keeps today's pins; `make lock LOCK_FLAGS=--upgrade` (or
# `LOCK_FLAGS='--upgrade-package fastapi'`) moves to the newest releases pyproject.toml allows.
LOCK_FLAGS ?=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile --quiet \
	--generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links \
	$(LOCK_FLAGS)
# The rules live in these two packages: every line and branch of them is exercised by a test.
RULES := '*/tvec/domain/*,*/tvec/knowledge/*'

.PHONY: run tour test check lint typecheck docs lock audit clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# What running needs: the PDF engine's system libraries (Pango), the locked dependencies (each
# file checked against its hash), then tvec itself, editable, with nothing else resolved.
$(RUN_STAMP): pyproject.toml $(RUN_LOCK) scripts/system-libs.sh | $(BIN)/python
	bash scripts/system-libs.sh
	$(BIN)/python -m pip install --quiet --require-hashes -r $(RUN_LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

# The test extras (pytest, coverage, ruff, mypy, reference libraries, browsers' driver) on top,
# from their own lock (a superset of the run lock, at the same versions).
$(TEST_STAMP): $(RUN_STAMP) $(TEST_LOCK)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(TEST_LOCK)
	touch $@

# pip-tools (and pip-audit) live in a venv of their own, made only by these two targets.
$(LOCK_TOOLS)/bin/python:
	$(PYTHON) -m venv $(LOCK_TOOLS)

## lock: re-resolve requirements/*.lock, with hashes, from pyproject.toml (after editing it)
lock: | $(LOCK_TOOLS)/bin/python
	$(LOCK_TOOLS)/bin/python -m pip install --quiet '$(PIP_TOOLS)'
	$(PIP_COMPILE) -o $(RUN_LOCK) pyproject.toml
	$(PIP_COMPILE) --extra test -o $(TEST_LOCK) pyproject.toml

## audit: look the locked versions up in the known-vulnerability databases (needs the network)
audit: | $(LOCK_TOOLS)/bin/python
	$(LOCK_TOOLS)/bin/python -m pip install --quiet pip-audit
	$(LOCK_TOOLS)/bin/pip-audit --strict --disable-pip -r $(TEST_LOCK)

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
