# The newcomer contract: `make serve` and `make test` work on a fresh machine
# with only Python >= 3.11 and make.
PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed-stamp
EXAMPLE := docs/examples/downstream
PORT    ?= 8688
NODE_DIR   := tests/sdks/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed-stamp

.PHONY: install node-sdks redis-server wrk chromium test lint typecheck pytest cov docs scan contract example newest serve cassettes mutation clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "pailitao needs Python >= 3.11")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]' --group dev
	@touch $(STAMP)

install: $(STAMP)

# The npm TOP SDKs that tests/sdks/test_node_top.py runs against the fake, as pinned in
# package-lock.json. The stamp lives in node_modules, so a deleted node_modules re-installs.
# On a root Debian/Ubuntu machine without node, apt installs it first.
$(NODE_STAMP): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	@command -v node >/dev/null && command -v npm >/dev/null || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing nodejs and npm with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	else \
		echo "make node-sdks: node and npm are missing; install Node.js >= 18 with npm, or run make as root on Debian/Ubuntu" >&2; \
		exit 1; \
	fi
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

node-sdks: $(NODE_STAMP)

# The real redis-server that the shared-state tests start and stop on free loopback
# ports (tests/fake1688/redis_server.py). On a root Debian/Ubuntu machine without it,
# apt installs it.
redis-server:
	@command -v redis-server >/dev/null || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing redis-server with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
	else \
		echo "make redis-server: redis-server is missing; install Redis >= 6 (Debian: apt-get install redis-server), or run make as root on Debian/Ubuntu" >&2; \
		exit 1; \
	fi

# wrk, the HTTP load generator of the benchmarks under bench/ (not of the tests). On a root
# Debian/Ubuntu machine without it, apt installs it.
wrk:
	@command -v wrk >/dev/null || \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing wrk with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else \
		echo "make wrk: wrk is missing; install it (Debian: apt-get install wrk), or run make as root on Debian/Ubuntu" >&2; \
		exit 1; \
	fi

# Debian's headless Chromium, which the dashboard's browser tests drive with Playwright at
# /usr/bin/chromium (tests/fake1688/ui/browser.py; Playwright never downloads a browser of its
# own), its chromium-driver, and a font with Chinese glyphs (the catalog's titles; the docs'
# screenshots of the dashboard are compared with what the tests draw). On a root Debian
# machine without them, apt installs all three.
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
chromium:
	@if [ -x /usr/bin/chromium ] && [ -f $(CJK_FONT) ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium, chromium-driver and fonts-wqy-microhei with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null; \
	else \
		echo "make chromium: /usr/bin/chromium or $(CJK_FONT) is missing; install Debian's chromium, chromium-driver and fonts-wqy-microhei (apt-get install chromium chromium-driver fonts-wqy-microhei), or run make as root on Debian" >&2; \
		exit 1; \
	fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# One worker per core (pytest-xdist): the suite is CPU-bound.
pytest: install node-sdks redis-server chromium
	$(BIN)/pytest -n auto

# The same suite under coverage, its subprocesses included; fails under 97% (pyproject.toml).
cov: install node-sdks redis-server chromium
	$(BIN)/coverage erase
	$(BIN)/coverage run -m pytest -n auto
	$(BIN)/coverage combine --quiet
	$(BIN)/coverage report

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

test: lint typecheck docs cov scan contract example

# Mutation testing of the core modules with mutmut, from scratch: a score per module,
# failing under 90% (tests/mutation/). Not part of `make test`: it takes up to 45 minutes
# (MUTATION_BUDGET_MINUTES). To retest some mutants against new tests, keep mutants/ and run
# `$(BIN)/python tests/mutation/run.py 'pailitao.wire.signing.*'`.
mutation: install
	rm -rf mutants
	$(BIN)/python tests/mutation/run.py

# Each capped dependency at its newest release within the cap (asks the package
# index): what make test just ran against. CI runs it after make test.
newest: install
	$(BIN)/python .ci/newest_within_bounds.py

serve: install
	$(BIN)/fake1688 serve --host 127.0.0.1 --port $(PORT)

# Re-record the example cassettes against a local fake gateway.
cassettes: install
	$(BIN)/python cassettes/record.py
	cd $(EXAMPLE) && $(BIN)/python record_cassettes.py -q

clean:
	rm -rf $(VENV) mutants .mypy_cache .ruff_cache .pytest_cache .hypothesis site .coverage .coverage.* htmlcov $(NODE_DIR)/node_modules
