# Two commands for a newcomer: `make run` (the portal with demo data on SQLite) and `make test`
# (the whole suite against PostgreSQL and Redis). Everything else here serves those two.

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PG_URL ?= postgres://postgres@127.0.0.1:5432/louvrelens
REDIS_URL ?= redis://127.0.0.1:6379/0
CACHE_TEST_URL ?= redis://127.0.0.1:6379/3

.PHONY: run test services browser translations lint bench bench-reminders clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is required ($(PYTHON) not found)."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

translations: $(STAMP)
	@if command -v msgfmt >/dev/null; then DJANGO_DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv >/dev/null; \
	else echo "msgfmt not found: using the compiled catalogue in the repository (install gettext to rebuild it)."; fi

run: $(STAMP) translations
	DJANGO_DEBUG=1 $(PY) manage.py migrate --no-input
	DJANGO_DEBUG=1 $(PY) manage.py seed_demo
	@echo ""
	@echo "The portal runs on http://127.0.0.1:8000 (stop it with Ctrl+C); emails, reminders included, are printed here."
	DJANGO_DEBUG=1 $(PY) manage.py run_scheduler & SCHEDULER=$$!; \
	trap 'kill $$SCHEDULER 2>/dev/null; wait $$SCHEDULER' EXIT INT TERM; \
	DJANGO_DEBUG=1 $(PY) manage.py runserver 127.0.0.1:8000

bench: $(STAMP) services
	$(PY) bench/load/run.py

bench-reminders: $(STAMP) services
	$(PY) bench/reminders.py

services:
	@bash scripts/services.sh

browser:
	@bash scripts/browser.sh

test: $(STAMP) services browser translations
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	DATABASE_URL=$(PG_URL) CELERY_TEST_BROKER_URL=$(REDIS_URL) CACHE_URL=$(CACHE_TEST_URL) DJANGO_SECRET_KEY=test-only-secret-key \
	DJANGO_DEBUG=0 DJANGO_SECURE_SSL_REDIRECT=0 DJANGO_MANIFEST_STATIC=0 DJANGO_FAST_PASSWORD_HASHER=1 \
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
