# Lokal IdP — `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
IDP     = $(BIN)/idp

.PHONY: run install test test-pg lint bench clean translations

$(BIN)/idp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/idp

# Compiled catalogues (*.mo) are not in git: built from the .po files on install and whenever a
# .po file is newer than its .mo.
PO = $(wildcard translations/*/LC_MESSAGES/messages.po)
MO = $(PO:.po=.mo)

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(BIN)/idp
	$(BIN)/pybabel compile -i $< -o $@ -l $*

install: $(BIN)/idp $(MO)

# For developers after changing user-visible text: re-extract translations/messages.pot from the
# sources, merge it into the catalogues (new entries arrive untranslated), then compile.
translations: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -o translations/messages.pot \
	  --project "Lokal IdP" --copyright-holder "Lokal IdP" .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching \
	  --ignore-obsolete
	$(BIN)/pybabel compile -d translations

# Installs into .venv, migrates the SQLite database under instance/, creates keys, loads the
# demo data, prints what a newcomer needs and serves the IdP (IDP_HOST/IDP_PORT, default
# 127.0.0.1:5000). Running it again reuses what exists.
# Development only: plain-http session cookies and the stand-ins (/dev-eid/, /demo-rp/).
RUN_ENV = IDP_SESSION_COOKIE_SECURE=$${IDP_SESSION_COOKIE_SECURE:-false} \
  IDP_DEV_STAND_INS=$${IDP_DEV_STAND_INS:-true}
run: install
	$(RUN_ENV) $(IDP) db upgrade
	$(RUN_ENV) $(IDP) demo
	$(RUN_ENV) $(IDP) serve

# Two workers, each taking whole test modules (a module's browser and servers stay together);
# every worker has its own SQLite files or PostgreSQL schema (tests/conftest.py).
test: install
	$(BIN)/pytest -q -n 2 --dist loadfile

lint: install
	$(BIN)/ruff check idp tests bench
	$(BIN)/ruff format --check idp tests bench
	$(BIN)/mypy idp

bench: install
	$(BIN)/python bench/run.py && $(BIN)/python bench/import_bench.py && $(BIN)/python bench/people_bench.py \
	  && $(BIN)/python bench/login_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
