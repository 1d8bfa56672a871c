# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := app:create_app

.PHONY: run test test-sqlite test-postgres lint test-calendar test-plain-templates setup deps test-deps assets translations migrate demo demo-reset sqlite-demo-only bench drills messages clean

# `make run` is development (the default SECRET_KEY is allowed) with the payment sandbox; its steps inherit both.
run: export APP_ENV = development
run: export PAYMENT_SANDBOX = 1
# The task worker (`flask worker`: notices, e-mail, reminders, the schedule) runs in the background beside the web
# server, and is stopped with it (the trap), whichever way the server stops.
run: setup migrate demo  ## Set up, migrate, load the demo if empty, serve on 127.0.0.1:$(PORT) with the task worker beside it
	@echo "To start again from a fresh demo: stop the server (Ctrl+C), then 'make demo-reset' and 'make run'."
	@echo "Starting the task worker (flask worker) beside the web server; Ctrl+C stops both."
	@$(BIN)/flask worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	STRIPE_SANDBOX_URL=$${STRIPE_SANDBOX_URL:-http://127.0.0.1:$(PORT)/sandbox/stripe} $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The suite's frozen clock stands on an ordinary day (tests/conftest.py); CI also runs the tests below the browser at a
# month end, a year end late at night (the UTC date still the old year), 29 February and a public holiday (国庆).
CALENDAR_DAYS ?= 2027-01-31 2026-12-31T23:30:00+08:00 2028-02-29 2026-10-01

test: test-deps assets translations lint  ## Set up, lint, and run the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set
	@if [ "$$CI" = true ] && [ -n "$$TEST_DATABASE_URL" ]; then \
	  $(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres; \
	else \
	  $(MAKE) --no-print-directory test-sqlite && { [ -z "$$TEST_DATABASE_URL" ] || $(MAKE) --no-print-directory test-postgres; }; \
	fi
	@if [ "$$CI" = true ]; then $(MAKE) --no-print-directory -j2 --output-sync=target test-calendar test-plain-templates; fi

# CI runs the two side by side (each has a database of its own), then the calendar days beside the plain templates.
test-sqlite:
	@echo "== the suite on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/python -m pytest $(PYTEST_ARGS)

# Beside the SQLite run, the PostgreSQL run takes the next database of TEST_REDIS_URL's Redis (/0 -> /1).
test-postgres:
	@echo "== the same suite on PostgreSQL =="
	$${TEST_REDIS_URL:+env TEST_REDIS_URL=$${TEST_REDIS_URL%/0}/1} $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: test-deps  ## Ruff: lint findings and unformatted files both fail (`.venv/bin/ruff format .` formats)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The days run side by side (each run has its own temporary SQLite database), each printing its summary, or its
# whole output when it fails. Each day runs the domain's tests in full and its own quarter of the others
# (TEST_SHARD, tests/conftest.py): the four days together run every page once on an unusual day.
test-calendar:  ## The tests below the browser on SQLite, with the clock frozen on each of CALENDAR_DAYS
	@logs=$$(mktemp -d); shard=0; days="$(CALENDAR_DAYS)"; count=$$(echo $$days | wc -w); \
	for day in $$days; do \
	  (TEST_NOW=$$day TEST_SHARD=$$shard/$$count env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q \
	    -p no:cacheprovider --ignore=tests/e2e $(PYTEST_ARGS) > "$$logs/$$day.log" 2>&1; \
	    echo $$? > "$$logs/$$day.rc") & \
	  shard=$$((shard + 1)); \
	done; wait; status=0; \
	for day in $$days; do \
	  echo "== the suite on $$day =="; \
	  if [ "$$(cat "$$logs/$$day.rc")" = 0 ]; then tail -n 1 "$$logs/$$day.log"; else cat "$$logs/$$day.log"; status=1; fi; \
	done; rm -rf "$$logs"; exit $$status

test-plain-templates:  ## The tests of the pages (not the browser's, not the domain's) on SQLite with the template fast path off (TEMPLATE_FAST_PATH=0)
	@echo "== the suite with Flask's plain template environment =="
	TEMPLATE_FAST_PATH=0 env -u TEST_DATABASE_URL $(BIN)/python -m pytest -q --ignore=tests/e2e --ignore=tests/domain \
	  $(PYTEST_ARGS)

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

# Only the SQLite demo database of `make run` (and the files uploaded into it); never a DATABASE_URL database, which
# is checked before anything else runs.
demo-reset: export APP_ENV = development
demo-reset: sqlite-demo-only setup  ## Start again from a fresh demo: delete instance/property.sqlite3 and its uploads, migrate, load the demo
	rm -f instance/property.sqlite3 instance/property.sqlite3-wal instance/property.sqlite3-shm
	rm -rf instance/uploads
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load

sqlite-demo-only:
	@if [ -n "$$DATABASE_URL" ]; then echo "DATABASE_URL is set: demo-reset only deletes the SQLite demo database in instance/." >&2; exit 1; fi

messages:  ## Re-extract translatable strings and update the catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o translations/messages.pot --no-location --sort-output app.py cli.py domain web portal staff company kiosk templates
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete

bench: test-deps assets translations  ## Run the benchmarks: the register pages, billing and payments, the ticket queue, parcel intake, move-ins and owners' files, field work, violations and vacant units, the people side (scorecards, surveys, rota, overtime), the monthly report, the today page and the console's poll
	$(BIN)/python bench/register_bench.py
	$(BIN)/python bench/billing_bench.py
	$(BIN)/python bench/tickets_bench.py
	$(BIN)/python bench/parcels_bench.py
	$(BIN)/python bench/movein_bench.py
	$(BIN)/python bench/field_bench.py
	$(BIN)/python bench/violations_bench.py
	$(BIN)/python bench/people_bench.py
	$(BIN)/python bench/report_bench.py
	$(BIN)/python bench/home_bench.py

# Not part of `make test`: they take minutes (DRILL_SECONDS shortens the load drill). The load drill's PostgreSQL run
# uses the database drills_load on DRILL_POSTGRES (dropped and made again); the restart drill starts its own cluster.
DRILL_SECONDS  ?= 300
DRILL_POSTGRES ?= 127.0.0.1:55432
drills: test-deps assets translations  ## Load and fault drills: 50 users on SQLite and PostgreSQL, the month-start webhook surge, kill -9 and restart faults
	$(BIN)/python bench/load_drill.py --duration $(DRILL_SECONDS) --postgres-server $(DRILL_POSTGRES)
	$(BIN)/python bench/surge_drill.py
	$(BIN)/python bench/fault_drill.py

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache
