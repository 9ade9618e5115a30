# The two commands of the README's quick start. Each creates .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench
demo: $(VENV)/.installed  ## crawl the bundled sample site into archive/caravan.db
	$(BIN)/caravan-archive crawl --sample

test: $(VENV)/.installed  ## run the test suite
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed  ## print speed and memory figures
	$(BIN)/python benchmarks/run.py

$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip==25.3"
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[test]"
	touch $@
