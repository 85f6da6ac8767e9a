"""Booking: create (or join the waiting list: the same insert), change, cancel.

Bookings of one session wait for each other at the session's lock (`seats.lock_session`), so a new
booking checks everything it can before the lock (the coordinator, the offer's training, the group,
the session's dates, an active booking of the structure); under the lock it only re-reads the
session, decides on its seats, and writes. The partial unique constraints on `Booking` are the last
line against a double submit. The pages' content version is bumped after commit.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from common.cache import content_changed
from notifications.services import message_queue
from partners.models import Structure, User
from programmes.enums import SessionStatus
from programmes.models import Session

from .. import selectors
from ..enums import BookingStatus
from ..mediators import notify_mediators_of_booking_change
from ..models import Booking
from ..selectors import booking_recipients
from .emails import booking_facts, notify, stamp
from .errors import BookingError
from .errors import BookingErrorCode as Code
from .group import Group
from .rules import (
    abc_error,
    already_booked_error,
    booking_blocker,
    check_coordinator,
    deadline_error,
    group_blocker,
    is_integrity_of_active_booking,
    seats_blocker,
    session_closed_error,
    structure_memberships,
)
from .seats import lock_booking, lock_session, seats_add
from .waitlist import leave, offer_freed_seats


def booking_create(
    *, session: Session, structure: Structure, user: User, group: Group, _lock: bool = True
) -> Booking:
    """Book seats of a session for a structure's group (or, for relais offers, for the user).

    `_lock=False` exists only for the test that shows the race the lock prevents.
    """
    return _booking_insert(
        status=BookingStatus.CONFIRMED,
        session=session,
        structure=structure,
        user=user,
        group=group,
        lock=_lock,
    )


def waitlist_join(*, session: Session, structure: Structure, user: User, group: Group) -> Booking:
    """Put a group on the waiting list of a session that has not enough seats left for it."""
    return _booking_insert(
        status=BookingStatus.WAITLISTED,
        session=session,
        structure=structure,
        user=user,
        group=group,
        lock=True,
    )


def _booking_insert(
    *, status: str, session: Session, structure: Structure, user: User, group: Group, lock: bool
) -> Booking:
    # Before the lock: every refusal that a plain read can decide (refusing early is always safe).
    memberships = structure_memberships(structure)
    blocker = booking_blocker(session=session, structure=structure, user=user, memberships=memberships)
    if blocker is None:
        blocker = group_blocker(offer=session.offer, group=group)
    if blocker is not None:
        raise blocker
    offer = session.offer
    per_person = offer.is_per_person
    existing = selectors.active_booking_of(session=session, structure=structure, user=user)
    if existing is not None:
        raise already_booked_error(existing, per_person=per_person)
    seats = group.seats
    booking = Booking(
        session=session,
        structure=structure,
        booked_by=user,
        attendee=user if per_person else None,
        status=status,
        participants=group.participants,
        accompanying_staff=group.accompanying_staff,
        wheelchair_users=group.wheelchair_users,
        accessibility_notes=group.accessibility_notes.strip(),
        contact_name=group.contact_name.strip(),
        contact_phone=group.contact_phone.strip(),
        comment=group.comment.strip(),
    )
    # The emails say what they say of the booking as written here (its id and links are added once
    # inserted), to the recipients known already: nothing of them is read under the lock.
    template = "booking_confirmed" if status == BookingStatus.CONFIRMED else "waitlist_joined"
    recipients = booking_recipients(booking, memberships=memberships)
    facts = {language: booking_facts(booking, language) for language in {u.language for u in recipients}}
    try:
        with transaction.atomic():
            # Under the lock, only what must be: the session as it is now, its seats, the writes.
            # A second active booking of the structure, checked above without the lock, is stopped
            # by the partial unique constraints (see the IntegrityError below).
            locked = lock_session(session.pk, lock=lock, offer=offer)
            closed = session_closed_error(locked, timezone.now())
            if closed is not None:
                raise closed
            if status == BookingStatus.CONFIRMED:
                no_seats = seats_blocker(locked, seats=seats)
                if no_seats is not None:
                    raise no_seats
            else:
                if seats <= locked.seats_left:
                    raise BookingError(Code.SEATS_AVAILABLE)
                if seats > locked.capacity:
                    raise BookingError(
                        Code.LARGER_THAN_SESSION, field="participants", capacity=locked.capacity
                    )
            booking.session = locked
            booking.save(force_insert=True)
            if group.accessibility_needs:
                booking.accessibility_needs.set(group.accessibility_needs)
            if status == BookingStatus.CONFIRMED:
                seats_add(locked, seats)
            notify(booking, template=template, key="", recipients=recipients, facts=facts, new_booking=True)
            if status == BookingStatus.CONFIRMED:
                # A group joining the waiting list changes nothing for the mediators of the day.
                notify_mediators_of_booking_change(booking=booking)
            content_changed()
    except IntegrityError as exc:
        # Two submits of the same form that both passed the check: the database kept one.
        if is_integrity_of_active_booking(exc):
            existing = selectors.active_booking_of(session=session, structure=structure, user=user)
            raise already_booked_error(existing, per_person=per_person) from exc
        raise
    return booking


def booking_change(*, booking: Booking, user: User, group: Group) -> Booking:
    """Change a confirmed booking's group (and details). Freed seats go to the waiting list."""
    memberships = check_coordinator(structure=booking.structure, user=user)
    offer = booking.session.offer
    blocker = abc_error(offer, booking.attendee or user) or group_blocker(offer=offer, group=group)
    if blocker is not None:
        raise blocker
    with transaction.atomic():
        session, locked = lock_booking(booking)
        now = timezone.now()
        if locked.status != BookingStatus.CONFIRMED:
            raise BookingError(Code.NOT_CONFIRMED)
        if session.status != SessionStatus.PLANNED or session.start <= now:
            raise session_closed_error(session, now)
        if now >= session.cancellation_deadline:
            raise deadline_error(session, action="change")
        more = group.seats - locked.seats
        if more > 0:
            if session.booking_deadline <= now:
                raise BookingError(Code.DEADLINE_PASSED, variant="grow", field="participants")
            no_seats = seats_blocker(session, seats=more)
            if no_seats is not None:
                raise no_seats
        locked.participants = group.participants
        locked.accompanying_staff = group.accompanying_staff
        locked.wheelchair_users = group.wheelchair_users
        locked.accessibility_notes = group.accessibility_notes.strip()
        locked.contact_name = group.contact_name.strip()
        locked.contact_phone = group.contact_phone.strip()
        locked.comment = group.comment.strip()
        locked.save(
            update_fields=[
                "participants",
                "accompanying_staff",
                "wheelchair_users",
                "accessibility_notes",
                "contact_name",
                "contact_phone",
                "comment",
                "updated_at",
            ]
        )
        locked.accessibility_needs.set(group.accessibility_needs)
        seats_add(session, more)
        if more < 0:
            offer_freed_seats(session, now)
        notify(
            locked,
            template="booking_changed",
            key=stamp(),
            recipients=booking_recipients(locked, memberships=memberships),
        )
        notify_mediators_of_booking_change(booking=locked)
        content_changed()
    return locked


def booking_cancel(*, booking: Booking, user: User) -> Booking:
    """Cancel a booking before the offer's cancellation deadline; freed seats go to the waiting list."""
    memberships = check_coordinator(structure=booking.structure, user=user, need_active=False)
    with transaction.atomic():
        session, locked = lock_booking(booking)
        if locked.status == BookingStatus.WAITLISTED:
            return leave(session, locked)
        if locked.status != BookingStatus.CONFIRMED:
            raise BookingError(Code.NOT_ACTIVE)
        now = timezone.now()
        if now >= session.cancellation_deadline:
            raise deadline_error(session, action="cancel")
        locked.status = BookingStatus.CANCELLED
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at", "updated_at"])
        seats_add(session, -locked.seats)
        offer_freed_seats(session, now)
        notify(
            locked,
            template="booking_cancelled",
            key="",
            recipients=booking_recipients(locked, memberships=memberships),
        )
        notify_mediators_of_booking_change(booking=locked)
        content_changed()
    return locked


def booking_session_cancelled(*, booking: Booking, reason: str) -> Booking:
    """The museum cancelled the session of an active booking: the booking is cancelled, its seats
    given back, and its recipients told (a waiting group hears that the waiting list is cleared).

    Called for each booking by `bookings.sessions.session_cancel`, which holds the session's lock
    and sets `booking.session` to the locked session. A cancelled session holds no seats: once its
    last booking is cancelled, its `seats_taken` is 0.
    """
    was_waiting = booking.status == BookingStatus.WAITLISTED
    if booking.holds_seats:
        seats_add(booking.session, -booking.seats)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.waitlist_offer_expires_at = None
    booking.save(update_fields=["status", "cancelled_at", "waitlist_offer_expires_at", "updated_at"])
    template = "waitlist_cleared" if was_waiting else "session_cancelled"
    for user in booking_recipients(booking):
        message_queue(
            template=template,
            to=user.email,
            language=user.language,
            booking_id=booking.pk,
            dedupe_key=f"{template}:booking-{booking.pk}:user-{user.pk}",
            context={"booking_id": booking.pk, "session_id": booking.session_id, "reason": reason},
        )
    content_changed()
    return booking
