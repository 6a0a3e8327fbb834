# Everything a fresh machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
DEMO_EMAIL ?= owner@example.com
DEMO_PASSWORD ?= comptoir-demo
HOST ?= 127.0.0.1
PORT ?= 8000
export COMPTOIR_DATABASE_URL ?= sqlite:///var/comptoir.db

.PHONY: install run test lint unit integration e2e bench clean messages fuzz

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	@if [ "$$COMPTOIR_DATABASE_URL" = "sqlite:///var/comptoir.db" ] && [ ! -f var/comptoir.db ]; then \
		$(BIN)/comptoir init --owner-email $(DEMO_EMAIL) --owner-password $(DEMO_PASSWORD) --demo; \
	elif [ "$$COMPTOIR_DATABASE_URL" = "sqlite:///var/comptoir.db" ] && [ ! -f "$${COMPTOIR_FISCAL_KEY_DIR:-var/fiscal}/current" ]; then \
		echo "No fiscal signing key yet (a store from before issue 12): comptoir init makes it."; \
		$(BIN)/comptoir init --owner-email $(DEMO_EMAIL) --owner-password $(DEMO_PASSWORD); \
	else \
		$(BIN)/comptoir migrate; \
	fi
	@echo ""
	@echo "  Comptoir is serving at http://$(HOST):$(PORT)"
	@echo "  Sign in as $(DEMO_EMAIL) with the password $(DEMO_PASSWORD)"
	@echo "  (the demo owner: run .venv/bin/comptoir init --owner-email $(DEMO_EMAIL) --owner-password NEW to change it)."
	@echo ""
	$(BIN)/comptoir serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: install
	$(BIN)/pytest -q tests/unit

# The whole suite: lint, then every test on SQLite, on PostgreSQL (when initdb is on PATH;
# required with CI=true), and the browser journeys in Chromium. Both database runs include
# schemathesis over the whole API with a fixed seed (test_api_conformance.py).
test: lint
	COMPTOIR_TEST_DB=sqlite $(BIN)/pytest -q -m "not e2e" tests
	@if command -v initdb >/dev/null 2>&1; then \
		COMPTOIR_TEST_DB=postgresql $(BIN)/pytest -q -m "not e2e" tests/integration; \
	elif [ "$$CI" = "true" ]; then \
		echo "CI=true but PostgreSQL (initdb) is not on PATH" >&2; exit 1; \
	else \
		echo "PostgreSQL not found: skipping the PostgreSQL run"; \
	fi
	$(BIN)/pytest -q -m e2e tests/e2e

# Schemathesis, every check, over the whole API of a demo store served on a loopback port,
# with a random seed (printed, to replay a failure with --seed N). `make test` runs the same
# harness with a fixed seed and few examples (tests/integration/test_api_conformance.py).
FUZZ_BACKEND ?= sqlite
FUZZ_EXAMPLES ?= 200
fuzz: install
	$(BIN)/python -m comptoir.testing.apifuzz --backend $(FUZZ_BACKEND) --max-examples $(FUZZ_EXAMPLES)

bench: install
	$(BIN)/python bench/sale_throughput.py --backend sqlite
	$(BIN)/python bench/sale_throughput.py --backend postgresql
	$(BIN)/python bench/import_engine.py
	$(BIN)/python bench/catalog_search.py --backend sqlite
	$(BIN)/python bench/catalog_search.py --backend postgresql
	$(BIN)/python bench/customer_search.py --backend sqlite
	$(BIN)/python bench/customer_search.py --backend postgresql
	$(BIN)/python bench/product_list.py --backend sqlite
	$(BIN)/python bench/product_list.py --backend postgresql
	$(BIN)/python bench/product_import.py --backend sqlite
	$(BIN)/python bench/product_import.py --backend postgresql
	$(BIN)/python bench/sales_history.py --backend sqlite
	$(BIN)/python bench/sales_history.py --backend postgresql
	$(BIN)/python bench/register_closure.py --backend sqlite
	$(BIN)/python bench/register_closure.py --backend postgresql
	$(BIN)/python bench/fiscal_verify.py --backend sqlite
	$(BIN)/python bench/fiscal_verify.py --backend postgresql
	$(BIN)/python bench/stock_operations.py --backend sqlite
	$(BIN)/python bench/stock_operations.py --backend postgresql

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

# Extract the strings to translate and merge them into the .po files (then translate fr).
messages: install
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext_ -k N_ -k ngettext_:1,2 --no-location --sort-output -o var/messages.pot src
	$(BIN)/pybabel update -i var/messages.pot -d src/comptoir/locale --no-fuzzy-matching --ignore-obsolete
