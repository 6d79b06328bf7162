# Two commands on a fresh machine: `make run` and `make test`. Both build .venv when missing.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# python3.12 may be a pyenv shim that is not selected; fall back to the interpreter itself.
PYTHON312 := $(shell for p in python3.12 $(HOME)/.pyenv/versions/3.12*/bin/python3.12 /usr/local/bin/python3.12 /usr/bin/python3.12; do $$p -c 'import sys; assert sys.version_info[:2] == (3, 12)' >/dev/null 2>&1 && { echo $$p; break; }; done)
OUT ?= out

.PHONY: run test lint bench clean

# `make run` installs what running needs; `make test` adds the test tools (pytest, playwright,
# pyspark for the CEMS pipeline's Spark engine, …), about a gigabyte more.
$(VENV)/.runtime: pyproject.toml
	@test -n "$(PYTHON312)" || { echo "python3.12 not found" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed: $(VENV)/.runtime
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(VENV)/.runtime
	$(VENV)/bin/dualcarbon demo --output $(OUT) --serve

test: $(VENV)/.installed
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy src
	$(VENV)/bin/pytest -n 2 --dist loadgroup -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix src tests benchmarks
	$(VENV)/bin/ruff format src tests benchmarks

bench: $(VENV)/.installed
	$(PY) benchmarks/accounting.py

clean:
	rm -rf $(VENV) $(OUT)
