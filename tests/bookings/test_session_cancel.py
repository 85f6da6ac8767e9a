"""A session cancelled by the museum: every booked structure and every mediator told, waiting list cleared."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from bookings.enums import BookingStatus
from bookings.sessions import session_cancel
from notifications.enums import MessageState
from notifications.models import OutboxMessage
from programmes.models import Assignment
from tests.bookings.factories import booking_with_coordinators
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_session_cancel_tells_everyone_and_clears_the_waiting_list(django_capture_on_commit_callbacks):
    first, first_users = booking_with_coordinators(coordinators=2, start_in=dt.timedelta(days=10))
    session = first.session
    second, second_users = booking_with_coordinators(session=session)
    waiting, waiting_users = booking_with_coordinators(session=session, status=BookingStatus.WAITLISTED)
    gone, gone_users = booking_with_coordinators(session=session, status=BookingStatus.CANCELLED)
    mediators = [UserFactory(), UserFactory()]
    for mediator in mediators:
        Assignment.objects.create(session=session, mediator=mediator)

    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(session=session, reason="Fermeture exceptionnelle du musée pour travaux.")

    sent = {(m.template, m.to) for m in OutboxMessage.objects.all()}
    assert sent == (
        {("session_cancelled", u.email) for u in first_users + second_users}
        | {("waitlist_cleared", u.email) for u in waiting_users}
        | {("mediator_session_cancelled", m.email) for m in mediators}
    )
    assert not {u.email for u in gone_users} & {to for _, to in sent}
    assert sorted(to for m in mail.outbox for to in m.to) == sorted(to for _, to in sent)
    for booking in (first, second, waiting):
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
    states = set(
        OutboxMessage.objects.filter(template__in=["session_cancelled", "waitlist_cleared"]).values_list(
            "state", flat=True
        )
    )
    assert states == {MessageState.SENT}


def test_session_cancelled_email_gives_the_reason_and_cancels_the_calendar_event(
    django_capture_on_commit_callbacks,
):
    booking, (user,) = booking_with_coordinators(start_in=dt.timedelta(days=10))

    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(session=booking.session, reason="Fermeture exceptionnelle du musée.")

    (email,) = [m for m in mail.outbox if m.to == [user.email]]
    assert booking.session.offer.title in email.subject
    assert "Fermeture exceptionnelle du musée." in email.body
    assert booking.structure.name in email.body
    assert "Fermeture exceptionnelle du musée." in email.alternatives[0][0]
    ((filename, content, _mimetype),) = email.attachments
    text = content.decode() if isinstance(content, bytes) else content
    assert "STATUS:CANCELLED" in text


def test_waitlist_cleared_email_says_the_waiting_list_is_closed(django_capture_on_commit_callbacks):
    booking, (user,) = booking_with_coordinators(
        start_in=dt.timedelta(days=10), status=BookingStatus.WAITLISTED
    )

    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(session=booking.session, reason="Intervenant indisponible.")

    (email,) = mail.outbox
    assert email.to == [user.email]
    assert "Intervenant indisponible." in email.body
    assert "waiting list" in email.subject.lower() or "attente" in email.subject.lower()
    assert OutboxMessage.objects.get().template == "waitlist_cleared"
