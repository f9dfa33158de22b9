# mawflow: `make run` to try it, `make test` to test it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app webapp
export MAWFLOW_ENV_NAME ?= development

.PHONY: install run db test test-sqlite test-postgres bench loadtest lint clean translations catalogs

install: $(VENV)/.installed node_modules/.installed translations

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# The app's own messages: webapp/translations/<language>/LC_MESSAGES/messages.po is the
# source (committed); the .mo the app reads is compiled here, at install.
CATALOGS := webapp/translations
PO_FILES := $(wildcard $(CATALOGS)/*/LC_MESSAGES/messages.po)
translations: $(PO_FILES:.po=.mo)

$(CATALOGS)/%/LC_MESSAGES/messages.mo: $(CATALOGS)/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -i $< -o $@

# After changing wrapped strings: extract them again and merge into every catalog
# (then translate what is new or fuzzy in the .po files).
BABEL_KEYWORDS := -k _l -k lazy_gettext
catalogs: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --sort-by-file --no-location -o $(CATALOGS)/messages.pot .
	$(BIN)/pybabel update -i $(CATALOGS)/messages.pot -d $(CATALOGS) --no-wrap
	$(MAKE) translations

db: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(FLASK) deploy

run: db
	@echo "mawflow is starting on http://127.0.0.1:5000 (timer worker included; Ctrl-C stops)"
	$(FLASK) serve --port 5000

test: install
	$(BIN)/python -m pytest -q
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL: database-dependent tests =="; \
	  MAWFLOW_TEST_BACKEND=postgres $(BIN)/python -m pytest -q -m db; \
	else echo "TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

bench: install
	$(BIN)/python benchmarks/run.py

loadtest: install
	$(BIN)/python -m benchmarks.loadtest

lint: install
	$(BIN)/ruff check webapp tests benchmarks

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache
