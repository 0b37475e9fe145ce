# meshmush — the two commands the README opens with are `make play` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: play test lint venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo.mmi: $(STAMP) $(shell find worlds/demo -name '*.yaml')
	$(BIN)/meshmush build worlds/demo -o demo.mmi

## Build the demo world and play it locally on an embedded DuckDB (state in demo.duckdb).
play: demo.mmi
	$(BIN)/meshmush play demo.mmi --db demo.duckdb

## Lint, type-check and run the whole test suite.
test: $(STAMP)
	$(BIN)/ruff check compiler runtime tools tests
	$(BIN)/mypy
	$(BIN)/pytest

clean:
	rm -rf $(VENV) demo.mmi demo.duckdb demo.duckdb.wal demo.duckdb.lock
