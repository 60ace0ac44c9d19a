# The two commands a new machine needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
DEMO_PASSWORD ?= demo-tracker-2026
HOST ?= 127.0.0.1
PORT ?= 5000
# links in emails and the calendar feed follow the address `make run` serves on, unless set in the environment
TRACKER_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: install lock test-tools run test migrate demo clean messages

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# the exact releases in requirements.lock, each checked against its hash; then the tracker itself
$(VENV)/.installed: pyproject.toml requirements.lock | $(BIN)/activate
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# GOV.UK Frontend at the release package.json pins, from the npm registry, compiled with the tracker's own patterns
# into tracker/static/build (served by the app: no CDN). axe-core comes with it for the browser tests.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

ASSETS := tracker/static/build/tracker.css tracker/static/build/govuk-frontend.min.js
tracker/static/build/tracker.css: tracker/static/scss/tracker.scss node_modules/.package-lock.json
	node_modules/.bin/sass --no-source-map --style=compressed --quiet-deps --load-path=node_modules $< $@
tracker/static/build/govuk-frontend.min.js: node_modules/.package-lock.json
	mkdir -p $(@D) && cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $@

# The Welsh catalogue, compiled for gettext (tracker/translations/*/LC_MESSAGES/messages.mo)
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard tracker/translations/*/LC_MESSAGES/messages.po))
%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel --quiet compile --statistics -i $< -o $@

install: $(VENV)/.installed $(ASSETS) $(CATALOGUES)

## Extract every string the tracker shows into messages.pot and bring each language's catalogue up to date with it
## (README, "Translations")
messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k lazy_ngettext:1,2 -k N_ --no-location --sort-output --width 120 \
		-o tracker/translations/messages.pot .
	$(BIN)/pybabel update -i tracker/translations/messages.pot -d tracker/translations \
		--width 120 --ignore-obsolete

## Pin every dependency of pyproject.toml (with its extras: production, test) and its hashes in requirements.lock
lock: | $(BIN)/activate
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --all-extras --strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock pyproject.toml

# Browser tests: Debian's Chromium (never a downloaded browser).
/usr/bin/chromium:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "Install Debian's chromium package (sudo apt-get install chromium) for the browser tests"; exit 1; fi

test-tools: /usr/bin/chromium node_modules/.package-lock.json

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) tracker demo --password '$(DEMO_PASSWORD)'

## Set up everything and serve the tracker on http://127.0.0.1:5000, with its scheduler beside it
run: demo
	TRACKER_BASE_URL='$(TRACKER_BASE_URL)' $(FLASK) tracker scheduler & scheduler=$$!; \
		trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
		TRACKER_BASE_URL='$(TRACKER_BASE_URL)' $(FLASK) run --host $(HOST) --port $(PORT)

## Install and run every test (on PostgreSQL too when DATABASE_URL points at one)
test: install test-tools
	$(BIN)/ruff check
	$(BIN)/bandit --quiet --recursive tracker config wsgi.py
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) instance *.egg-info node_modules tracker/static/build
