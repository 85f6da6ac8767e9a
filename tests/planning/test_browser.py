"""The mediator's journey in a real Chromium: log in, open the week, open a session, record
attendance; then staff see the figure. axe-core finds no serious or critical violation on the way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.enums import BookingStatus
from bookings.models import Booking
from tests.bookings.factories import BookingFactory
from tests.partners.factories import PASSWORD, StaffFactory, make_mediator
from tests.programmes.factories import OfferFactory, assign, session_at


def _log_in(page, email: str) -> None:
    page.goto(reverse("partners:login"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_mediator_records_attendance_and_staff_sees_it(page, browser, live_server, axe):
    mediator = make_mediator(first_name="Lou", last_name="Médiatrice")
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    session = session_at(start, offer=OfferFactory(title="Visite Galerie du temps"))
    assign(session, mediator)
    booking = BookingFactory(
        session=session, participants=8, accompanying_staff=2, contact_name="Alex Dupont", wheelchair_users=1
    )
    year, week, _ = timezone.localdate(start).isocalendar()

    _log_in(page, mediator.email)
    page.goto(f"{reverse('planning:index')}?semaine={year}-W{week:02d}")
    assert page.locator("h1").inner_text()
    assert axe(page) == []

    page.locator(".planning-week").get_by_role("link", name="Visite Galerie du temps").click()
    page.wait_for_url(f"**{reverse('planning:session', args=[session.pk])}")
    assert "Alex Dupont" in page.content()
    assert axe(page) == []

    page.locator(f"a[href='{reverse('planning:attendance', args=[session.pk])}']").click()
    page.wait_for_url(f"**{reverse('planning:attendance', args=[session.pk])}")
    assert axe(page) == []
    page.check(f"input[name='b{booking.pk}-presence'][value='present']")
    page.fill(f"input[name='b{booking.pk}-present_participants']", "7")
    page.fill(f"input[name='b{booking.pk}-present_staff']", "2")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{reverse('planning:session', args=[session.pk])}")
    assert page.locator(f".planning-attendance[data-booking='{booking.pk}']").count() == 1
    assert axe(page) == []

    saved = Booking.objects.get(pk=booking.pk)
    assert (saved.status, saved.present_participants, saved.present_staff) == (BookingStatus.ATTENDED, 7, 2)

    staff = StaffFactory()
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    staff_page = context.new_page()
    try:
        _log_in(staff_page, staff.email)
        staff_page.goto(reverse("planning:session", args=[session.pk]))
        figure = staff_page.locator(f".planning-attendance[data-booking='{booking.pk}']").inner_text()
        assert "7" in figure and "2" in figure
        assert axe(staff_page) == []
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_planning_week_on_phone_is_accessible(phone_page, axe):
    mediator = make_mediator()
    session = session_at(timezone.now() + dt.timedelta(days=1))
    assign(session, mediator)
    BookingFactory(session=session)

    _log_in(phone_page, mediator.email)
    phone_page.goto(reverse("planning:index"))

    assert phone_page.locator("[aria-current='date']").count() >= 1
    assert axe(phone_page) == []
    # The planning itself fits a 360 px screen (the site header is the base layout's business).
    widest = phone_page.evaluate(
        "Math.max(...Array.from(document.querySelectorAll('main *'))"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= 360
