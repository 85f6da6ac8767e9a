"""Shared fixtures: the people most tests need (one definition each), a real Chromium driven by
Playwright, and an axe-core check. Factories live in tests/<app>/factories.py."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from notifications.models import OutboxMessage
from partners.models import Invitation
from tests.bookings.factories import BookingFactory, ProjectRequestFactory, booking_ended_at
from tests.partners.factories import (
    MembershipFactory,
    StaffFactory,
    StructureFactory,
    UserFactory,
    make_mediator,
)
from tests.programmes.factories import assign, at, local, session_at

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


# --- People -------------------------------------------------------------------------------------


@pytest.fixture
def structure(db):
    return StructureFactory()


@pytest.fixture
def coordinator(structure):
    """A coordinator of `structure`."""
    return MembershipFactory(structure=structure, user=UserFactory(phone="06 11 22 33 44")).user


@pytest.fixture
def staff(db):
    return StaffFactory(first_name="Alex", last_name="Régisseur")


@pytest.fixture
def staff_client(client, staff):
    """The test client, logged in as `staff`."""
    client.force_login(staff)
    return client


@pytest.fixture
def mediator(db):
    return make_mediator(first_name="Lou", last_name="Médiatrice")


@pytest.fixture
def other_mediator(db):
    return make_mediator(first_name="Sam", last_name="Médiateur")


# --- What mediators lead ---------------------------------------------------------------------------


@pytest.fixture
def booked_session(mediator):
    """A session in ten days, led by `mediator`, with one group booked."""
    session = session_at(at(10, 10))
    assign(session, mediator)
    BookingFactory(session=session, participants=8, accompanying_staff=2, wheelchair_users=2)
    return session


@pytest.fixture
def past_booking(mediator):
    """A booking of a session that took place this morning, led by `mediator`: 8 + 2 booked."""
    session = session_at(timezone.now() - dt.timedelta(hours=4))
    assign(session, mediator)
    return BookingFactory(session=session, participants=8, accompanying_staff=2)


# --- Personal data ---------------------------------------------------------------------------------


@pytest.fixture
def requested(db):
    """A structure that asks for its data: two coordinators (one also in another structure)."""
    structure = StructureFactory(name="IME Les Tilleuls", siret="12345678901234", email="ime@exemple.fr")
    only_here = MembershipFactory(structure=structure, user=UserFactory(email="relais@exemple.fr")).user
    elsewhere = MembershipFactory(structure=structure, user=UserFactory(email="partage@exemple.fr")).user
    other = StructureFactory(name="ESAT voisin")
    MembershipFactory(structure=other, user=elsewhere)
    booking = booking_ended_at(local(2025, 3, 10, 11, 30), structure=structure, booked_by=only_here)
    Invitation.objects.create(
        structure=structure, email="invite@exemple.fr", expires_at=timezone.now() + dt.timedelta(days=7)
    )
    request = ProjectRequestFactory(structure=structure, goals="Découvrir la Galerie du temps.")
    OutboxMessage.objects.create(
        dedupe_key="k1", template="booking_confirmed", to="relais@exemple.fr", not_before=timezone.now()
    )
    return {
        "structure": structure,
        "only_here": only_here,
        "elsewhere": elsewhere,
        "other": other,
        "booking": booking,
        "request": request,
    }


# --- A real browser --------------------------------------------------------------------------------


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
