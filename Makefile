# Every target bootstraps its own virtualenv; nothing else needs installing by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PIP    := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt
# The small pinned model used by the tests that run a real model (a few seconds to fetch, once per machine).
TEST_MODEL ?= qwen2.5-0.5b

.PHONY: demo test bench lint eval install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/salesagent model fetch
	$(BIN)/salesagent demo seed
	$(BIN)/salesagent serve

test: install-dev
	$(BIN)/salesagent model fetch $(TEST_MODEL) > /dev/null
	scripts/ensure-chromium.sh
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: install-dev
	$(BIN)/ruff check .

bench: install-dev
	$(BIN)/salesagent model fetch > /dev/null
	$(BIN)/python -m evals.bench

eval: install-dev
	$(BIN)/salesagent model fetch > /dev/null
	$(BIN)/python -m evals.run_all

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
