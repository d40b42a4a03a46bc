# Lokal IdP — `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
IDP     = $(BIN)/idp

.PHONY: run install test test-pg lint bench clean

$(BIN)/idp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/idp

install: $(BIN)/idp

# Installs into .venv, migrates the SQLite database under instance/, creates keys, loads the
# demo data, prints what a newcomer needs and serves the IdP (IDP_HOST/IDP_PORT, default
# 127.0.0.1:5000). Running it again reuses what exists.
run: install
	IDP_SESSION_COOKIE_SECURE=$${IDP_SESSION_COOKIE_SECURE:-false} $(IDP) db upgrade
	IDP_SESSION_COOKIE_SECURE=$${IDP_SESSION_COOKIE_SECURE:-false} $(IDP) demo
	IDP_SESSION_COOKIE_SECURE=$${IDP_SESSION_COOKIE_SECURE:-false} $(IDP) serve

test: install
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check idp tests bench
	$(BIN)/ruff format --check idp tests bench
	$(BIN)/mypy idp

bench: install
	$(BIN)/python bench/run.py && $(BIN)/python bench/import_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
