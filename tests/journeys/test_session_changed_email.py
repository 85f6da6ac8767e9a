"""Staff move a session: the coordinators of the booked structures get an email with the new time
and place, sent through the outbox, with the updated calendar file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import formats, timezone, translation
from icalendar import Calendar

from bookings.enums import BookingStatus
from bookings.sessions import session_update
from notifications.enums import MessageState
from notifications.models import OutboxMessage
from notifications.services import outbox_send, render_message
from tests.bookings.factories import BookingFactory
from tests.conftest import serious_axe_violations
from tests.partners.factories import MembershipFactory, UserFactory
from tests.programmes.factories import OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moved():
    """A booked session moved by two hours, to another room; returns what the test needs."""
    offer = OfferFactory(title="Visite en langue des signes")
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=20)
    session = SessionFactory(
        offer=offer, start=start, end=start + dt.timedelta(minutes=90), place="Hall d'accueil"
    )
    coordinator = MembershipFactory(user=UserFactory(first_name="Nadia", language="fr")).user
    structure = coordinator.memberships.get().structure
    booking = BookingFactory(session=session, structure=structure, booked_by=coordinator)
    BookingFactory(session=session, status=BookingStatus.CANCELLED)  # a cancelled one hears nothing
    new_start = start + dt.timedelta(hours=2)

    session_update(
        session=session,
        start=new_start,
        end=new_start + dt.timedelta(minutes=90),
        place="Salle de l'atelier pédagogique",
        capacity=session.capacity,
    )
    return {"booking": booking, "coordinator": coordinator, "new_start": new_start}


def test_session_update_queues_the_change_for_the_booked_structures_coordinator(moved):
    message = OutboxMessage.objects.get(template="session_changed")

    assert message.to == moved["coordinator"].email
    assert message.booking_id == moved["booking"].pk
    assert message.state == MessageState.QUEUED
    assert message.context["place"] == "Salle de l'atelier pédagogique"
    assert message.context["old_place"] == "Hall d'accueil"


def test_session_changed_email_says_the_new_time_and_place(moved):
    message = OutboxMessage.objects.get(template="session_changed")

    report = outbox_send(message_ids=[message.pk])

    assert (report.sent, len(mail.outbox)) == (1, 1)
    email = mail.outbox[0]
    html = email.alternatives[0][0]
    with translation.override("fr"):
        new_time = formats.date_format(timezone.localtime(moved["new_start"]), "DATETIME_FORMAT")
    assert email.to == [moved["coordinator"].email]
    assert "Visite en langue des signes" in email.subject
    assert new_time in email.subject
    for body in (email.body, html):
        assert new_time in body
        assert "Salle de l'atelier pédagogique" in body or "Salle de l&#x27;atelier pédagogique" in body
        assert "Nadia" in body
        assert f"/reservations/{moved['booking'].pk}/" in body
        assert "{{" not in body and "{%" not in body
    message.refresh_from_db()
    assert message.state == MessageState.SENT


def test_session_changed_email_carries_the_updated_calendar_event(moved):
    message = OutboxMessage.objects.get(template="session_changed")

    outbox_send(message_ids=[message.pk])

    ((filename, content, mimetype),) = mail.outbox[0].attachments
    event = Calendar.from_ical(content).walk("VEVENT")[0]
    assert (filename, mimetype) == ("louvre-lens.ics", "text/calendar")
    assert event.decoded("dtstart") == moved["new_start"]
    # A higher revision than the first .ics, so that calendars replace the event they hold.
    assert event.decoded("sequence") == 1
    assert "Salle de l'atelier pédagogique" in str(event.get("description"))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_session_changed_email_renders_in_each_language(moved, language):
    message = OutboxMessage.objects.get(template="session_changed")
    message.language = language
    message.context = {**message.context, "first_name": ""}
    message.save(update_fields=["language", "context"])

    outbox_send(message_ids=[message.pk])

    email = mail.outbox[0]
    assert email.subject.strip()
    assert "Hello ," not in email.body and "Bonjour ," not in email.body


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_session_changed_email_html_has_no_serious_accessibility_violation(moved, browser):
    html = render_message(OutboxMessage.objects.get(template="session_changed")).alternatives[0][0]
    page = browser.new_page()
    try:
        page.set_content(html)

        violations = serious_axe_violations(page)

        assert page.locator("html").get_attribute("lang") == "fr"
        assert violations == []
    finally:
        page.close()
