# The two commands of the README's quick start. Each creates .venv on first use.
# The interpreter: the first of python3.11, 3.12, 3.13 on PATH, else python3; or make PYTHON=/path/to/python.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
PY_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin

ifeq ($(PY_VERSION),)
$(error No Python found: install Python 3.11, 3.12 or 3.13, or run make PYTHON=/path/to/python3)
endif

.PHONY: demo test test-fast bench
demo: $(VENV)/.installed  ## crawl the bundled sample site into archive/caravan.db
	$(BIN)/caravan-archive crawl --sample

test: $(VENV)/.installed  ## run the test suite, one worker per core (pytest-xdist)
	$(BIN)/python -m pytest -q -n auto

test-fast: $(VENV)/.installed  ## the fast lane: every test not marked slow (no crawl of its own, no process)
	$(BIN)/python -m pytest -q -m "not slow" -n auto

bench: $(VENV)/.installed  ## print speed and memory figures
	$(BIN)/python benchmarks/run.py

# A .venv made by another interpreter (or by an older Makefile) is rebuilt, not reused.
$(VENV)/.python-$(PY_VERSION):
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	touch $@

# A failed install removes .venv, so the next make starts clean instead of reusing a broken one.
$(VENV)/.installed: pyproject.toml constraints.txt $(VENV)/.python-$(PY_VERSION)
	$(BIN)/python -c "" 2>/dev/null || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV) && touch $(VENV)/.python-$(PY_VERSION); }
	$(BIN)/python -m pip install -q --upgrade "pip==25.3" || { rm -rf $(VENV); exit 1; }
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[test]" || { rm -rf $(VENV); exit 1; }
	touch $@
