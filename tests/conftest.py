"""Shared fixtures: factories, a real Chromium driven by Playwright, and an axe-core check."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core.cache import cache

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make there
# are ordinary synchronous calls, so Django's guard against async contexts does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_configure(config):
    engine = settings.DATABASES["default"]["ENGINE"]
    if os.environ.get("CI") and "postgresql" not in engine:
        raise pytest.UsageError(
            "In CI the tests must run against PostgreSQL: set DATABASE_URL (see the Makefile)."
        )


@pytest.fixture(autouse=True)
def _email_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (Redis in `make test`): the database is rolled back
    between tests, so the pages and figures kept by one test, and its content version, would not
    match the next one's data."""
    cache.clear()
    yield


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    """A 360 px wide phone screen."""
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 360, "height": 740}, is_mobile=True
    )
    context.set_default_timeout(15_000)
    pg = context.new_page()
    yield pg
    context.close()


def serious_axe_violations(page) -> list[str]:
    """Run axe-core (bundled by axe-playwright-python) on the page; return serious and critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    violations = results.response.get("violations", [])
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v.get("impact") in {"serious", "critical"}
    ]


@pytest.fixture
def axe():
    return serious_axe_violations
