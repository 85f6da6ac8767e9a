"""A session cancelled or changed, and what follows for its bookings.

The programme's part (status, time, place, capacity, the mediators told) is `programmes.services`;
this module wraps it in one transaction with the session's row locked, then goes through each
booking with the bookings services, one booking at a time. The capacity is checked there against the
session's `seats_taken`, read under the lock that every change of seats takes.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from common.cache import content_changed
from notifications.services import message_queue
from programmes import services as programme_services
from programmes.models import Session

from .enums import ACTIVE_STATUSES
from .models import Booking
from .selectors import booking_recipients
from .services import booking_session_cancelled, waitlist_offer_next


def session_cancel(*, session: Session, reason: str) -> Session:
    """Cancel a session: its mediators and every booked or waiting structure are told, and the
    waiting list is cleared."""
    with transaction.atomic():
        locked = programme_services.session_cancel(session=session, reason=reason)
        bookings = (
            Booking.objects.select_for_update(of=("self",))
            .filter(session=locked, status__in=ACTIVE_STATUSES)
            .select_related("structure", "attendee")
            .order_by("pk")
        )
        for booking in bookings:
            booking.session = locked
            booking_session_cancelled(booking=booking, reason=locked.cancellation_reason)
        content_changed()
    return locked


def session_update(
    *,
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    place: str,
    capacity: int,
    booking_deadline: dt.datetime | None = None,
    by=None,
) -> Session:
    """Change a session's time, place or capacity (never below the seats taken).

    A new time or place is told to the mediators and to every structure with an active booking;
    new seats are offered to the waiting list once the change is committed.
    """
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        change = programme_services.session_update(
            session=locked,
            start=start,
            end=end,
            place=place,
            capacity=capacity,
            booking_deadline=booking_deadline,
            by=by,
        )
        changed = change.session
        if change.moved or change.relocated:
            _tell_booked_structures(change)
        if change.capacity_raised:
            transaction.on_commit(lambda: _offer_freed_seats(changed.pk))
        content_changed()
    return changed


def _tell_booked_structures(change: programme_services.SessionChange) -> None:
    session = change.session
    bookings = (
        Booking.objects.filter(session=session, status__in=ACTIVE_STATUSES)
        .select_related("structure", "attendee")
        .order_by("pk")
    )
    for booking in bookings:
        for user in booking_recipients(booking):
            message_queue(
                template="session_changed",
                to=user.email,
                language=user.language,
                booking_id=booking.pk,
                dedupe_key=f"session_changed:booking-{booking.pk}:user-{user.pk}:{change.revision_key}",
                context={
                    "booking_id": booking.pk,
                    "session_id": session.pk,
                    "first_name": user.first_name,
                    "structure": booking.structure.name,
                    **programme_services.session_facts(session, language=user.language),
                    **change.before(user.language),
                },
            )


def _offer_freed_seats(session_id: int) -> None:
    session = Session.objects.filter(pk=session_id).first()
    if session is not None:
        waitlist_offer_next(session=session)
