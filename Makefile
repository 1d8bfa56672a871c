# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := app:create_app

.PHONY: run test setup deps test-deps assets translations migrate demo bench messages clean

run: setup migrate demo  ## Set up, migrate, load the demo if empty, serve on 127.0.0.1:$(PORT)
	STRIPE_SANDBOX_URL=$${STRIPE_SANDBOX_URL:-http://127.0.0.1:$(PORT)/sandbox/stripe} $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: test-deps assets translations  ## Set up and run the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== the same suite on PostgreSQL =="; \
	  $(BIN)/python -m pytest $(PYTEST_ARGS); \
	fi

setup: deps assets translations

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

deps: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt

test-deps: $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt

assets: static/vendor/htmx.min.js

static/vendor/htmx.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund
	@test -f $@ && touch $@

translations:
	$(BIN)/pybabel compile -d translations >/dev/null

migrate:
	$(BIN)/flask db upgrade

demo:
	$(BIN)/flask demo load --if-empty

messages:  ## Re-extract translatable strings and update the catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output app.py cli.py domain web portal staff kiosk templates
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

bench: test-deps assets translations  ## Run the benchmarks: the register pages, billing and payments, the ticket queue, parcel intake
	$(BIN)/python bench/register_bench.py
	$(BIN)/python bench/billing_bench.py
	$(BIN)/python bench/tickets_bench.py
	$(BIN)/python bench/parcels_bench.py

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache
