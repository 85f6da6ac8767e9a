"""axe-core, in real Chromium, on every page of the portal: as an anonymous visitor, a coordinator,
a mediator and museum staff (with the admin pages staff use), at desktop width and at 360 px, and
with forms in their error state. Any violation fails, whatever its impact (minor included)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from bookings.enums import BookingStatus
from bookings.models import Booking, ProjectRequest
from bookings.selectors import bookable_sessions
from demo import data as demo_data
from partners.models import Structure, User
from programmes.models import Offer, Project, Session
from tests.bookings.factories import ProjectRequestFactory
from tests.partners.factories import MembershipFactory, StructureFactory

from .conftest import DESKTOP, axe_all_violations, logged_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scan(page, urls: list[str | tuple[str, int]]) -> dict[str, list[str]]:
    """Visit each URL (expecting a 200, or the status given with it, and no redirect: the page scanned is
    the page meant); return the violations found, page by page (only pages with some)."""
    found = {}
    for entry in urls:
        url, status = entry if isinstance(entry, tuple) else (entry, 200)
        response = page.goto(url)
        assert (response.status, urlsplit(page.url).path) == (status, urlsplit(url).path), url
        violations = axe_all_violations(page)
        if violations:
            found[url] = [str(v) for v in violations]
    return found


def report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{url}\n  " + "\n  ".join(violations) for url, violations in found.items())


def user(email: str) -> User:
    return User.objects.get(email=email)


def coordinator_structure() -> Structure:
    name, city = demo_data.COORDINATOR_STRUCTURE
    return Structure.objects.get(name=name, city=city)


def anonymous_urls() -> list[str]:
    offer = Offer.objects.filter(is_published=True).order_by("slug").first()
    return [
        reverse("home"),
        reverse("catalogue:index"),
        reverse("catalogue:index") + "?kind=guided_visit&accessibility=lsf",
        reverse("catalogue:index") + "?facile=1",
        reverse("catalogue:index") + "?month=pas-un-mois&kind=inconnu",
        reverse("catalogue:offer", args=[offer.slug]),
        reverse("catalogue:offer", args=[offer.slug]) + "?facile=1",
        reverse("partners:login"),
        reverse("partners:register"),
        reverse("partners:password_reset"),
        reverse("partners:password_reset_done"),
        reverse("partners:password_reset_confirm", args=["MQ", "pas-un-jeton"]),  # the "link expired" page
        reverse("partners:password_reset_complete"),
        reverse("partners:register_done"),
        (reverse("partners:verify_email", args=["pas-un-jeton"]), 400),
        (reverse("partners:invitation_accept", args=["pas-un-jeton"]), 404),
        reverse("legal"),
        reverse("accessibility"),
        reverse("privacy"),
        ("/cette-page-n-existe-pas/", 404),
        ("/?q=%00", 400),  # a NUL byte in the URL: the 400 page
        reverse("admin:login"),
    ]


def test_every_anonymous_page_has_no_axe_violation(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", **DESKTOP)
    try:
        found = scan(context.new_page(), anonymous_urls())
    finally:
        context.close()

    assert found == {}, report(found)


def bookable_session(structure: Structure, *, kind: str | None = None, exclude: list[int] = ()) -> Session:
    """A session open for booking, with ten free seats at least, which the structure has not booked."""
    sessions = bookable_sessions().exclude(bookings__structure=structure).exclude(pk__in=exclude)
    if kind:
        sessions = sessions.filter(offer__kind=kind)
    return sessions.filter(capacity__gte=F("seats_taken") + 10).first()


def coordinator_urls() -> list[str]:
    """Every page of a coordinator, with objects of the demo's coordinator structure."""
    structure = coordinator_structure()
    bookings = Booking.objects.filter(structure=structure)
    now = timezone.now()
    confirmed = bookings.filter(status=BookingStatus.CONFIRMED, session__start__gt=now + dt.timedelta(days=7))
    confirmed = confirmed.order_by("session__start").first()
    past = bookings.filter(session__start__lt=now).order_by("-session__start").first()
    # A waiting-list place with a seat offered now (the demo has none at every date: add one).
    waiting = Booking.objects.create(
        session=bookable_session(structure),
        structure=structure,
        booked_by=user(demo_data.COORDINATOR["email"]),
        status=BookingStatus.WAITLISTED,
        participants=6,
        accompanying_staff=1,
        contact_name="Sophie Lemaire",
        contact_phone="06 12 34 56 78",
        waitlist_offer_expires_at=now + dt.timedelta(days=1),
    )
    request = ProjectRequest.objects.filter(structure=structure).order_by("pk").first()
    if request is None:  # the demo structure has none: one like those the others have
        request = ProjectRequestFactory(structure=structure, created_by=user(demo_data.COORDINATOR["email"]))
    project = Project.objects.filter(partners=structure).order_by("pk").first()
    if project is None:  # a demo project, with its sessions and other partners, becomes theirs too
        project = Project.objects.order_by("pk").first()
        project.partners.add(structure)
    return [
        reverse("home"),
        reverse("catalogue:index"),
        reverse("bookings:list"),
        reverse("bookings:detail", args=[confirmed.pk]),
        reverse("bookings:done", args=[confirmed.pk]),
        reverse("bookings:change", args=[confirmed.pk]),
        reverse("bookings:cancel", args=[confirmed.pk]),
        reverse("bookings:detail", args=[past.pk]),
        reverse("bookings:detail", args=[waiting.pk]),
        reverse("bookings:waitlist_confirm", args=[waiting.pk]),
        reverse("bookings:waitlist_leave", args=[waiting.pk]),
        reverse("bookings:create", args=[bookable_session(structure).pk]),
        reverse("bookings:requests"),
        reverse("bookings:request_create"),
        reverse("bookings:request_detail", args=[request.pk]),
        reverse("partners:my_structure"),
        reverse("partners:invitation_new"),
        reverse("partners:leave", args=[structure.pk]),
        reverse("partners:training"),
        reverse("partners:password_change"),
        reverse("partners:password_change_done"),
        reverse("projects:list"),
        reverse("projects:detail", args=[project.slug]),
        reverse("planning:subscribe"),
        reverse("accessibility"),
    ]


def test_every_coordinator_page_has_no_axe_violation(browser, live_server, demo):
    coordinator = user(demo_data.COORDINATOR["email"])
    # A second structure, so that "My structure" shows the structure switcher.
    MembershipFactory(user=coordinator, structure=StructureFactory(name="Mission locale de Liévin"))
    urls = coordinator_urls()
    context = logged_in_context(browser, live_server, coordinator, **DESKTOP)
    try:
        found = scan(context.new_page(), urls)
    finally:
        context.close()

    assert found == {}, report(found)


def mediator_urls() -> list[str]:
    mediator = user(demo_data.MEDIATOR["email"])
    sessions = Session.objects.filter(assignments__mediator=mediator, bookings__isnull=False).distinct()
    now = timezone.now()
    past = sessions.filter(start__lt=now).order_by("-start").first()
    future = sessions.filter(start__gt=now).order_by("start").first()
    day = timezone.localdate(future.start)
    year, week, _ = day.isocalendar()
    return [
        reverse("planning:index"),
        reverse("planning:index") + f"?semaine={year}-W{week:02d}",
        reverse("planning:day", kwargs={"year": day.year, "month": day.month, "day": day.day}),
        reverse("planning:session", args=[future.pk]),
        reverse("planning:session", args=[past.pk]),
        reverse("planning:attendance", args=[past.pk]),
        reverse("planning:attendance", args=[future.pk]),
        reverse("planning:subscribe"),
        reverse("partners:password_change"),
    ]


def test_every_mediator_page_has_no_axe_violation(browser, live_server, demo):
    urls = mediator_urls()
    context = logged_in_context(browser, live_server, user(demo_data.MEDIATOR["email"]), **DESKTOP)
    try:
        found = scan(context.new_page(), urls)
    finally:
        context.close()

    assert found == {}, report(found)


def staff_urls() -> list[str]:
    session = Session.objects.filter(bookings__isnull=False).order_by("pk").first()
    structure = coordinator_structure()
    booking = Booking.objects.order_by("pk").first()
    year = timezone.localdate().year
    return [
        reverse("dashboard:index"),
        reverse("dashboard:report", args=[year]),
        reverse("dashboard:report", args=[year - 1]),
        reverse("dashboard:privacy"),
        reverse("dashboard:privacy") + "?q=lemaire",
        reverse("dashboard:privacy_erase", args=[structure.pk]),
        reverse("planning:index"),
        reverse("planning:session", args=[session.pk]),
        reverse("projects:list"),
        reverse("admin:index"),
        reverse("admin:bookings_booking_changelist"),
        reverse("admin:bookings_booking_change", args=[booking.pk]),
        reverse("admin:partners_structure_changelist"),
        reverse("admin:partners_structure_change", args=[structure.pk]),
        reverse("admin:partners_structure_history", args=[structure.pk]),
        reverse("admin:programmes_session_changelist"),
        reverse("admin:programmes_session_change", args=[session.pk]),
        reverse("admin:programmes_session_add"),
        reverse("admin:programmes_offer_changelist"),
        reverse("admin:programmes_closingday_changelist"),
        reverse("admin:programmes_season_plan"),
        reverse("admin:bookings_projectrequest_changelist"),
        reverse("admin:bookings_projectrequest_change", args=[ProjectRequest.objects.earliest("pk").pk]),
        reverse("admin:programmes_offer_change", args=[Offer.objects.get(slug="visite-en-lsf").pk]),
        reverse("admin:programmes_project_change", args=[Project.objects.order_by("pk").first().pk]),
        reverse("admin:programmes_exhibition_changelist"),
        reverse("admin:programmes_unstaffedsession_changelist"),
        reverse("admin:programmes_mediatorunavailability_add"),
        reverse("admin:partners_user_changelist"),
        reverse("admin:partners_user_change", args=[user(demo_data.COORDINATOR["email"]).pk]),
        reverse("admin:partners_trainingrecord_changelist"),
        reverse("admin:notifications_outboxmessage_changelist"),
        reverse("admin:bookings_reminderpolicy_changelist"),
        reverse("planning:index") + f"?mediateur={user(demo_data.MEDIATOR['email']).pk}",
    ]


def test_every_staff_page_has_no_axe_violation(browser, live_server, demo):
    urls = staff_urls()
    context = logged_in_context(browser, live_server, user(demo_data.STAFF["email"]), **DESKTOP)
    try:
        found = scan(context.new_page(), urls)
    finally:
        context.close()

    assert found == {}, report(found)


def test_pages_in_english_have_no_axe_violation(browser, live_server, demo):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **DESKTOP)
    context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    try:
        page = context.new_page()
        found = scan(page, [reverse("home"), reverse("catalogue:index"), reverse("accessibility")])
        assert page.evaluate("document.documentElement.lang") == "en"
    finally:
        context.close()

    assert found == {}, report(found)
