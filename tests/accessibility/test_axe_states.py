"""axe-core on the states a plain visit does not show: forms sent with mistakes (errors at the
fields), the CSRF-failure, 500 and locked-out pages, confirmation messages, admin forms with errors
and the admin's intermediate action page; and the main pages on a 360 px wide phone, where nothing
may need sideways scrolling (WCAG 1.4.10, reflow)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from bookings.enums import BookingStatus
from bookings.models import Booking
from common.views import server_error
from demo import data as demo_data
from partners.enums import StructureStatus
from partners.models import Invitation
from programmes.models import Assignment, Offer
from tests.bookings.factories import BookingFactory
from tests.partners.factories import StructureFactory
from tests.programmes.factories import SessionFactory

from .conftest import DESKTOP, PHONE, axe_all_violations, logged_in_context
from .test_axe_pages import bookable_session, coordinator_structure, report, user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def submit(page, form: str = "main form[method=post]", button: str = "[type=submit]") -> int:
    """Send the page's form with its (first) submit button; return the status of the answer."""
    with page.expect_navigation() as navigation:
        page.locator(form).last.locator(button).first.click()
    return navigation.value.status


class Scanner:
    """Collects the violations of every state visited, so that one run lists them all."""

    def __init__(self):
        self.found: dict[str, list[str]] = {}

    def __call__(self, page, name: str, *, status: int | None = None, got: int | None = None) -> None:
        if status is not None:
            assert got == status, f"{name}: {got}"
        violations = axe_all_violations(page)
        if violations:
            self.found[name] = [str(v) for v in violations]


def has_field_errors(page) -> bool:
    return page.locator("main .invalid-feedback, main .errorlist, main .is-invalid").count() > 0


def test_anonymous_error_states_have_no_axe_violation(browser, live_server, demo):
    scanned = Scanner()
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", **DESKTOP)
    page = context.new_page()
    coordinator = user(demo_data.COORDINATOR["email"])
    try:
        page.goto(reverse("partners:register"))
        scanned(page, "registration sent empty", status=200, got=submit(page))
        assert has_field_errors(page)

        page.goto(reverse("partners:login"))
        page.fill("input[name=username]", "personne@exemple.fr")
        page.fill("input[name=password]", "pas-le-bon")
        scanned(page, "login with a wrong password", status=200, got=submit(page))

        page.goto(reverse("partners:password_reset"))
        page.fill("input[name=email]", "pas-une-adresse")
        scanned(page, "password reset with a malformed address", status=200, got=submit(page))
        assert has_field_errors(page)

        uid = urlsafe_base64_encode(force_bytes(coordinator.pk))
        token = default_token_generator.make_token(coordinator)
        page.goto(reverse("partners:password_reset_confirm", args=[uid, token]))
        page.fill("input[name=new_password1]", "Un-mot-de-passe-solide-42")
        page.fill("input[name=new_password2]", "Un-autre-mot-de-passe-43")
        scanned(page, "new password that does not match", status=200, got=submit(page))
        assert has_field_errors(page)

        invitation = Invitation.objects.get(structure=coordinator_structure(), accepted_at__isnull=True)
        response = page.goto(reverse("partners:invitation_accept", args=[invitation.token]))
        scanned(page, "invitation to join a structure", status=200, got=response.status)

        page.goto(reverse("partners:login"))
        context.clear_cookies()  # the CSRF cookie is gone: the form has "expired"
        page.fill("input[name=username]", "personne@exemple.fr")
        page.fill("input[name=password]", "pas-le-bon")
        scanned(page, "CSRF failure", status=403, got=submit(page))

        error_page = server_error(RequestFactory().get("/")).content.decode()
        page.route(
            "**/erreur-interne/",
            lambda route: route.fulfill(status=500, body=error_page, content_type="text/html"),
        )
        response = page.goto("/erreur-interne/")
        scanned(page, "500 page", status=500, got=response.status)

        for _ in range(settings.AXES_FAILURE_LIMIT):
            page.goto(reverse("partners:login"))
            page.fill("input[name=username]", coordinator.email)
            page.fill("input[name=password]", "pas-le-bon")
            status = submit(page)
        scanned(page, "locked out after too many failed logins", status=429, got=status)
    finally:
        context.close()

    assert scanned.found == {}, report(scanned.found)


def guided_visit_session(structure):
    """A session open for booking, with free seats, of an offer that needs no training first."""
    return bookable_session(structure, kind="guided_visit")


def test_coordinator_error_and_message_states_have_no_axe_violation(browser, live_server, demo):
    scanned = Scanner()
    structure = coordinator_structure()
    coordinator = user(demo_data.COORDINATOR["email"])
    session = guided_visit_session(structure)
    now = timezone.now()
    confirmed = (
        Booking.objects.filter(structure=structure, status=BookingStatus.CONFIRMED)
        .filter(session__start__gt=now + dt.timedelta(days=7))
        .order_by("session__start")
        .first()
    )
    waiting = BookingFactory(
        session=bookable_session(structure, exclude=[session.pk]),
        structure=structure,
        booked_by=coordinator,
        status=BookingStatus.WAITLISTED,
    )
    context = logged_in_context(browser, live_server, coordinator, **DESKTOP)
    page = context.new_page()
    try:
        page.goto(reverse("bookings:create", args=[session.pk]))
        page.fill("input[name=participants]", "0")
        page.fill("input[name=contact_phone]", "")
        scanned(page, "booking form with mistakes", status=200, got=submit(page, button="button[value=book]"))
        assert has_field_errors(page)

        page.goto(reverse("bookings:change", args=[confirmed.pk]))
        page.fill("input[name=participants]", "")
        scanned(page, "booking change with mistakes", status=200, got=submit(page))
        assert has_field_errors(page)

        page.goto(reverse("bookings:request_create"))
        scanned(page, "project request sent empty", status=200, got=submit(page))
        assert has_field_errors(page)

        page.goto(reverse("partners:invitation_new"))
        page.fill("input[name=email]", "pas-une-adresse")
        scanned(page, "invitation with a malformed address", status=200, got=submit(page))
        assert has_field_errors(page)

        page.goto(reverse("partners:password_change"))
        page.fill("input[name=old_password]", "pas-le-bon")
        scanned(page, "password change with a wrong password", status=200, got=submit(page))
        assert has_field_errors(page)

        page.goto(reverse("bookings:waitlist_leave", args=[waiting.pk]))
        scanned(page, "confirmation message after leaving a waiting list", status=200, got=submit(page))
        assert urlsplit(page.url).path == reverse("bookings:list")
        assert page.locator("main .messages .alert-success").count() == 1
    finally:
        context.close()

    assert scanned.found == {}, report(scanned.found)


def test_mediator_attendance_with_mistakes_has_no_axe_violation(browser, live_server, demo):
    mediator = user(demo_data.MEDIATOR["email"])
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    session = SessionFactory(offer=Offer.objects.get(slug="visite-decouverte-1h"), start=start)
    Assignment.objects.create(session=session, mediator=mediator)
    booking = BookingFactory(session=session, structure=coordinator_structure(), participants=8)
    scanned = Scanner()
    context = logged_in_context(browser, live_server, mediator, **DESKTOP)
    page = context.new_page()
    try:
        page.goto(reverse("planning:attendance", args=[session.pk]))
        page.check(f"input[name='b{booking.pk}-presence'][value='present']")
        page.fill(f"input[name='b{booking.pk}-present_participants']", "999")
        scanned(page, "attendance with too many people", status=400, got=submit(page))
        assert has_field_errors(page)
    finally:
        context.close()

    assert scanned.found == {}, report(scanned.found)


def test_staff_error_states_and_admin_action_page_have_no_axe_violation(browser, live_server, demo):
    pending = StructureFactory(name="Foyer des Glycines", status=StructureStatus.PENDING)
    scanned = Scanner()
    context = logged_in_context(browser, live_server, user(demo_data.STAFF["email"]), **DESKTOP)
    page = context.new_page()
    try:
        page.goto(reverse("admin:programmes_session_add"))
        status = submit(page, "#session_form", "[name=_save]")
        scanned(page, "admin session form sent empty", status=200, got=status)
        assert page.locator(".errorlist").count() > 0

        page.goto(reverse("admin:partners_structure_changelist") + "?status__exact=pending")
        page.locator(f"input[name=_selected_action][value='{pending.pk}']").check()
        page.locator("select[name=action]").select_option("refuse_structures")
        status = submit(page, "#changelist-form", "button[name=index]")
        scanned(page, "admin action asking for a reason", status=200, got=status)
        scanned(page, "admin action reason left empty", status=200, got=submit(page, "#content form"))

        page.goto(reverse("dashboard:privacy_erase", args=[pending.pk]))
        scanned(page, "erasure not confirmed", status=200, got=submit(page))
        assert has_field_errors(page)
    finally:
        context.close()

    assert scanned.found == {}, report(scanned.found)


def no_sideways_scrolling(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def phone_scan(page, urls: list[str]) -> dict[str, list[str]]:
    found = {}
    for url in urls:
        response = page.goto(url)
        assert (response.status, urlsplit(page.url).path) == (200, urlsplit(url).path), url
        violations = [str(v) for v in axe_all_violations(page)]
        if not no_sideways_scrolling(page):
            violations.append("reflow: the page is wider than the 360 px screen")
        if violations:
            found[url] = violations
    return found


def test_main_anonymous_pages_at_360_px(browser, live_server, demo):
    offer = Offer.objects.get(slug="visite-decouverte-1h")
    urls = [
        reverse("home"),
        reverse("catalogue:index"),
        reverse("catalogue:index") + "?kind=guided_visit&facile=1",
        reverse("catalogue:offer", args=[offer.slug]),
        reverse("partners:login"),
        reverse("partners:register"),
        reverse("partners:password_reset"),
        reverse("accessibility"),
        reverse("legal"),
        reverse("privacy"),
    ]
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", **PHONE)
    try:
        page = context.new_page()
        found = phone_scan(page, urls)
        # The menu, opened with its button, is scanned too.
        page.goto(reverse("home"))
        page.get_by_role("button", name=page.locator(".navbar-toggler").get_attribute("aria-label")).click()
        page.locator("#main-nav.show").wait_for()
        menu = [str(v) for v in axe_all_violations(page)]
        if menu:
            found["menu opened"] = menu
    finally:
        context.close()

    assert found == {}, report(found)


def test_main_coordinator_and_mediator_pages_at_360_px(browser, live_server, demo):
    structure = coordinator_structure()
    booking = Booking.objects.filter(structure=structure).order_by("-session__start").first()
    coordinator_urls = [
        reverse("home"),
        reverse("bookings:list"),
        reverse("bookings:detail", args=[booking.pk]),
        reverse("bookings:create", args=[guided_visit_session(structure).pk]),
        reverse("bookings:requests"),
        reverse("bookings:request_create"),
        reverse("partners:my_structure"),
        reverse("partners:training"),
        reverse("planning:subscribe"),
    ]
    mediator_urls = [reverse("planning:index"), reverse("planning:subscribe")]
    found = {}
    for who, urls in ((demo_data.COORDINATOR, coordinator_urls), (demo_data.MEDIATOR, mediator_urls)):
        context = logged_in_context(browser, live_server, user(who["email"]), **PHONE)
        try:
            found.update(phone_scan(context.new_page(), urls))
        finally:
            context.close()

    assert found == {}, report(found)
