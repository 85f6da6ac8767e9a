"""What the bookings app adds to its emails when the outbox renders them.

The outbox (`notifications`) knows no booking: it renders an email from its template, its stored
context and what the app that queued it registers in `notifications.registry`. `register()`, called
from `BookingsConfig.ready()`, registers for the bookings app's emails:

- `booking`, `session` and `booking_url` for every email about one booking (`BOOKING_TEMPLATES`,
  queued with `booking_id`);
- the booking's `.ics` attached to the emails that change what a calendar holds (`ICS_TEMPLATES`);
- the reminder's own facts, and its last check before sending (`bookings/reminders.py`);
- a preload: a batch of messages is loaded with its bookings, sessions, offers, structures,
  attendees and accessibility needs (two queries for the whole batch), so that rendering a batch
  costs a fixed number of queries plus one per message (marked sent).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse

from notifications.models import OutboxMessage
from notifications.registry import (
    register_attachments,
    register_context,
    register_obsolete_check,
    register_preload,
)

from .calendar import booking_ics
from .reminders import REMINDER_TEMPLATE, reminder_context, reminder_obsolete

# The emails about one booking: queued with `booking_id`, they read `booking` and `session`.
BOOKING_TEMPLATES = (
    "booking_confirmed",
    "booking_changed",
    "booking_cancelled",
    "waitlist_joined",
    "waitlist_offer",
    "waitlist_offer_expired",
    "waitlist_cleared",
    "session_changed",
    "session_cancelled",
    REMINDER_TEMPLATE,
)
# Emails that carry the booking's calendar file (a cancellation carries it too: STATUS:CANCELLED
# with a higher SEQUENCE removes the event from the calendar that holds it).
ICS_TEMPLATES = (
    "booking_confirmed",
    "booking_changed",
    "booking_cancelled",
    "session_changed",
    "session_cancelled",
    REMINDER_TEMPLATE,
)


def booking_url(booking_id: int) -> str:
    """The booking's page in the portal, as a full address for an email."""
    try:
        path = reverse("bookings:detail", args=[booking_id])
    except NoReverseMatch:
        path = f"/reservations/{booking_id}/"
    return settings.SITE_URL + path


def with_bookings(messages: QuerySet[OutboxMessage]) -> QuerySet[OutboxMessage]:
    """A batch of messages loaded with what the providers below read (no query per message)."""
    return messages.select_related(
        "booking__session__offer", "booking__structure", "booking__attendee"
    ).prefetch_related("booking__accessibility_needs")


def booking_context(message: OutboxMessage) -> dict:
    """`booking`, `session` and `booking_url` for an email about a booking."""
    booking = message.booking
    if booking is None:
        return {}
    return {"booking": booking, "session": booking.session, "booking_url": booking_url(booking.pk)}


def booking_ics_attachment(message: OutboxMessage) -> list[tuple[str, bytes, str]]:
    """The booking's event as an .ics file."""
    if message.booking_id is None:
        return []
    return [("louvre-lens.ics", booking_ics(message.booking), "text/calendar")]


def register() -> None:
    """Called from `BookingsConfig.ready()`: what the bookings app adds to its emails."""
    register_preload(with_bookings)
    register_context(BOOKING_TEMPLATES, booking_context)
    register_attachments(ICS_TEMPLATES, booking_ics_attachment)
    register_context(REMINDER_TEMPLATE, reminder_context)
    register_obsolete_check(REMINDER_TEMPLATE, reminder_obsolete)
