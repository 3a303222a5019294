# Two commands: `make run` serves the site, `make test` runs every test.
# Nothing but Python 3.11 and make is assumed; everything else lands in .venv.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app:create_app

.PHONY: run test install install-dev translations worker clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt $(wildcard requirements-oracle.txt)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	if [ -f requirements-oracle.txt ]; then $(BIN)/pip install --quiet --no-deps -r requirements-oracle.txt; fi
	touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

# Compiled catalogues are build output: made from the .po files, never committed.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d app/translations

run: install
	$(BIN)/flask db upgrade
	@if [ ! -f instance/.demo-loaded ]; then $(BIN)/flask seed-demo && touch instance/.demo-loaded; fi
	$(BIN)/python -m app

test: install-dev
	$(BIN)/python -m pytest

worker: install
	$(BIN)/celery -A app.celery_app worker --loglevel=INFO

clean:
	rm -rf $(VENV) .pytest_cache
