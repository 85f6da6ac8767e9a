"""Fixtures of the notification tests: coordinators with bookings, an SMTP sink, email settings."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from programmes.enums import OfferKind
from tests.factories import BookingFactory, MembershipFactory, SessionFactory, StructureFactory

from .smtp_sink import SmtpSink


def booking_with_coordinators(
    *,
    coordinators: int = 1,
    start_in: dt.timedelta = dt.timedelta(days=20),
    booked_ago: dt.timedelta = dt.timedelta(days=30),
    offer_kind: str = OfferKind.GUIDED_VISIT,
    session=None,
    **extra,
):
    """A confirmed booking of a session starting in `start_in`, made `booked_ago`, with its coordinators."""
    structure = extra.pop("structure", None) or StructureFactory()
    users = [MembershipFactory(structure=structure).user for _ in range(coordinators)]
    if session is None:
        start = timezone.now().replace(microsecond=0) + start_in
        session = SessionFactory(
            start=start, booking_deadline=min(start, timezone.now()), offer__kind=offer_kind
        )
    booking = BookingFactory(session=session, structure=structure, **extra)
    type(booking).objects.filter(pk=booking.pk).update(created_at=timezone.now() - booked_ago)
    booking.refresh_from_db()
    return booking, users


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_to_sink(settings, sink):
    """Send through Django's real SMTP backend to the local sink."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = sink.host
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return sink
