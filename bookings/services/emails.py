"""The booking emails: who receives them, what they say of the booking, its links, queued once.

Emails are rows of the outbox queued in the transaction of the change; they are sent after commit.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone, translation

from notifications.services import messages_queue_many
from partners.models import User

from ..models import Booking
from ..selectors import booking_recipients


def booking_facts(booking: Booking, language: str) -> dict:
    """What an email says of a booking, but its id and links (so that it can be written before the insert)."""
    session = booking.session
    with translation.override(language):
        when = formats.date_format(timezone.localtime(session.start), "DATETIME_FORMAT")
        expires = (
            formats.date_format(timezone.localtime(booking.waitlist_offer_expires_at), "DATETIME_FORMAT")
            if booking.waitlist_offer_expires_at
            else ""
        )
    return {
        "offer_title": session.offer.title,
        "session_when": when,
        "place": session.place,
        "meeting_point": session.offer.meeting_point or session.place,
        "participants": booking.participants,
        "accompanying_staff": booking.accompanying_staff,
        "per_person": session.offer.is_per_person,
        "structure_name": booking.structure.name,
        "offer_expires": expires,
        "museum_address": settings.MUSEUM_ADDRESS,
        "museum_phone": settings.MUSEUM_PHONE,
        "museum_email": settings.MUSEUM_CONTACT_EMAIL,
    }


def booking_links(booking_id: int) -> dict:
    return {
        "booking_id": booking_id,
        "booking_url": settings.SITE_URL + reverse("bookings:detail", args=[booking_id]),
        "confirm_url": settings.SITE_URL + reverse("bookings:waitlist_confirm", args=[booking_id]),
    }


def notify(
    booking: Booking,
    *,
    template: str,
    key: str,
    recipients: list[User] | None = None,
    facts: dict[str, dict] | None = None,
    new_booking: bool = False,
) -> None:
    """Queue the email of `template` to each recipient (`booking_recipients(booking)` unless given), once.

    `facts`: `booking_facts` by language, when written beforehand (a new booking: before the lock).
    `new_booking`: the booking was inserted by this transaction, so no email of it is queued yet.
    """
    facts = {} if facts is None else facts
    links = booking_links(booking.pk)
    messages = []
    for user in booking_recipients(booking) if recipients is None else recipients:
        if user.language not in facts:
            facts[user.language] = booking_facts(booking, user.language)
        messages.append(
            {
                "template": template,
                "to": user.email,
                "language": user.language,
                "booking_id": booking.pk,
                "dedupe_key": f"{template}:booking-{booking.pk}:user-{user.pk}{key}",
                "context": {**facts[user.language], **links, "first_name": user.first_name},
            }
        )
    messages_queue_many(messages=messages, keys_are_new=new_booking)


def stamp() -> str:
    return ":" + timezone.now().strftime("%Y%m%d%H%M%S%f")
