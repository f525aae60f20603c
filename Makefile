# The newcomer contract: `make serve` and `make test` work on a fresh machine
# with only Python >= 3.11 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed-stamp
EXAMPLE := docs/examples/downstream
PORT    ?= 8688

.PHONY: install test lint typecheck pytest docs scan contract example serve cassettes clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "pailitao needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# One worker per core (pytest-xdist): the suite is CPU-bound.
pytest: install
	$(BIN)/pytest -n auto

# No cassette may hold a secret.
scan: install
	$(BIN)/pailitao cassettes scan cassettes/ $(EXAMPLE)/tests/cassettes/

# Recorded and fake answers against one schema, and drift between them.
contract: install
	$(BIN)/pailitao contract check cassettes/ $(EXAMPLE)/tests/cassettes/
	$(BIN)/pailitao contract diff --cassettes cassettes/

# The example downstream project, against the fake and against its own cassettes.
example: install
	cd $(EXAMPLE) && $(BIN)/pytest -q -p no:cacheprovider --pailitao-mode=fake
	cd $(EXAMPLE) && $(BIN)/pytest -q -p no:cacheprovider --pailitao-mode=replay

# The documentation site into site/; --strict fails on a broken link or page.
# (The examples in it are run by tests/test_docs.py, in `pytest`.)
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

test: lint typecheck docs pytest scan contract example

serve: install
	$(BIN)/fake1688 serve --host 127.0.0.1 --port $(PORT)

# Re-record the example cassettes against a local fake gateway.
cassettes: install
	$(BIN)/python cassettes/record.py
	cd $(EXAMPLE) && $(BIN)/python record_cassettes.py -q

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis site
