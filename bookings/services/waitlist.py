"""The waiting list: seats freed are offered to the waiting groups in the order they joined.

What `seats_taken` counts (`Booking.holds_seats`): the seated bookings, and the waiting groups
offered freed seats until they confirm them, leave, or a write takes back an offer that ran out
(the periodic `waitlist_expire_offers`, or any change that offers seats in the session). Until then
an offer that ran out keeps its seats, for the pages and for the lock alike: what a page shows is
what the lock decides. A group joins the waiting list through the insert (`booking.waitlist_join`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from common.cache import content_changed
from partners.models import User
from programmes.enums import SessionStatus
from programmes.models import Session

from ..enums import BookingStatus
from ..mediators import notify_mediators_of_booking_change
from ..models import Booking
from ..selectors import booking_recipients
from .emails import notify
from .errors import BookingError
from .errors import BookingErrorCode as Code
from .rules import check_coordinator, session_closed_error
from .seats import lock_booking, lock_session, seats_add, seats_recount


def leave(session: Session, booking: Booking) -> Booking:
    had_offer = booking.holds_seats
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.save(update_fields=["status", "cancelled_at", "updated_at"])
    if had_offer:
        seats_add(session, -booking.seats)
        offer_freed_seats(session, booking.cancelled_at)
    content_changed()
    return booking


def waitlist_leave(*, booking: Booking, user: User) -> Booking:
    """Take a group off a session's waiting list (seats it was offered go to the next group)."""
    check_coordinator(structure=booking.structure, user=user, need_active=False)
    with transaction.atomic():
        session, locked = lock_booking(booking)
        if locked.status != BookingStatus.WAITLISTED:
            raise BookingError(Code.NOT_WAITING)
        return leave(session, locked)


def expire_offers_of(session: Session, now: dt.datetime) -> int:
    """Take back the offers of seats that ran out in the session (the caller holds its lock); their
    seats are counted again from the bookings, which also sets right an offer that ran out before
    the session kept its seats (see the migration that added `seats_taken`)."""
    expired = list(
        Booking.objects.with_offer_run_out(now)
        .select_for_update(of=("self",))
        .select_related("structure", "attendee", "booked_by")
        .filter(session=session)
    )
    for booking in expired:
        booking.session = session
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at", "updated_at"])
        notify(booking, template="waitlist_offer_expired", key="")
    if expired:
        seats_recount(session)
        content_changed()
    return len(expired)


def offer_freed_seats(session: Session, now: dt.datetime) -> list[Booking]:
    """Offer the seats left to the waiting groups, in the order they joined, while they fit.

    The caller holds the session lock. The seats offered are held (`Booking.holds_seats`).
    """
    if not session.is_open_for_booking(now):
        return []
    expire_offers_of(session, now)
    left = session.seats_left
    if left <= 0:
        return []
    waiting = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("structure", "attendee", "booked_by")
        .filter(session=session, status=BookingStatus.WAITLISTED, waitlist_offer_expires_at__isnull=True)
        .order_by("created_at", "pk")
    )
    expires = min(now + dt.timedelta(hours=settings.WAITLIST_OFFER_HOURS), session.start)
    offered = []
    for booking in waiting:
        if left <= 0:
            break
        if booking.seats > left:
            continue
        booking.session = session
        booking.waitlist_offer_expires_at = expires
        booking.save(update_fields=["waitlist_offer_expires_at", "updated_at"])
        left -= booking.seats
        offered.append(booking)
        notify(booking, template="waitlist_offer", key="")
    if offered:
        seats_add(session, sum(booking.seats for booking in offered))
        content_changed()
    return offered


def waitlist_offer_next(*, session: Session) -> list[Booking]:
    """Seats freed up: offer them to the first waiting groups that fit. Returns the groups offered."""
    with transaction.atomic():
        locked = lock_session(session.pk)
        return offer_freed_seats(locked, timezone.now())


def waitlist_confirm(*, booking: Booking, user: User) -> Booking:
    """A waiting group takes the seats it was offered, before the offer runs out (they are held for
    it already: the seats taken do not change)."""
    memberships = check_coordinator(structure=booking.structure, user=user)
    with transaction.atomic():
        session, locked = lock_booking(booking)
        now = timezone.now()
        if locked.status == BookingStatus.CONFIRMED:
            raise BookingError(Code.ALREADY_CONFIRMED)
        if locked.status != BookingStatus.WAITLISTED:
            raise BookingError(Code.NOT_WAITING, variant="taken")
        if not locked.offer_is_live(now):
            if locked.waitlist_offer_expires_at is None:
                raise BookingError(Code.NO_OFFER)
            raise BookingError(Code.OFFER_EXPIRED)
        if session.status != SessionStatus.PLANNED or session.start <= now:
            raise session_closed_error(session, now)
        locked.status = BookingStatus.CONFIRMED
        locked.waitlist_offer_expires_at = None
        locked.save(update_fields=["status", "waitlist_offer_expires_at", "updated_at"])
        notify(
            locked,
            template="booking_confirmed",
            key="",
            recipients=booking_recipients(locked, memberships=memberships),
        )
        notify_mediators_of_booking_change(booking=locked)
        content_changed()
    return locked


def waitlist_expire_offers() -> int:
    """Periodic: offers not confirmed in time pass to the next waiting group. Returns how many expired."""
    now = timezone.now()
    session_ids = sorted(set(Booking.objects.with_offer_run_out(now).values_list("session_id", flat=True)))
    expired = 0
    for session_id in session_ids:
        with transaction.atomic():  # one session at a time: a short lock each
            session = lock_session(session_id)
            expired += expire_offers_of(session, now)
            offer_freed_seats(session, now)
    return expired
