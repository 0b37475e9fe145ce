# meshmush — the two commands the README opens with are `make play` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: play test lint venv clean

# The first run downloads meshmush's dependencies from the package index (PyPI or your mirror):
# about a minute; pip prints what it fetches.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required (Python 3.11)" >&2; exit 1; }
	@echo "==> creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	@echo "==> installing meshmush and its dependencies from the package index (about a minute the first time)"
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install -e '.[test]'
	@$(BIN)/meshmush --version
	touch $(STAMP)

venv: $(STAMP)

demo.mmi: $(STAMP) $(shell find worlds/demo -name '*.yaml')
	$(BIN)/meshmush build worlds/demo -o demo.mmi

## Build the demo world and play it locally on an embedded DuckDB (state in demo.duckdb).
play: demo.mmi
	$(BIN)/meshmush play demo.mmi --db demo.duckdb

## Lint, type-check and run the whole test suite (in parallel: one worker per core; PYTEST_WORKERS=N
## overrides it).
PYTEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/ruff check compiler runtime tools tests
	$(BIN)/mypy
	$(BIN)/pytest -n $(PYTEST_WORKERS)

clean:
	rm -rf $(VENV) demo.mmi demo.duckdb demo.duckdb.wal demo.duckdb.lock
