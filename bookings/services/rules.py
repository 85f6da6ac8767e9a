"""The booking rules shared by the services and the pages: who may book, the session open, the
group's size, the seats. Each returns the refusal (a `BookingError`) or None; the services raise it."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError
from django.utils import formats, timezone

from partners.enums import TrainingModule
from partners.models import Membership, Structure, User
from partners.selectors import booking_refusal_reason, has_completed
from programmes.enums import SessionStatus
from programmes.models import Offer, Session

from ..enums import BookingStatus
from ..models import Booking
from .errors import BookingError
from .errors import BookingErrorCode as Code
from .group import Group

# Names of the partial unique constraints that stop a second active booking (see models.py).
_UNIQUE_ACTIVE = (
    "booking_one_active_group_per_structure_session",
    "booking_one_active_seat_per_relais_session",
)


def museum_contact() -> dict[str, str]:
    return {"phone": settings.MUSEUM_PHONE, "email": settings.MUSEUM_CONTACT_EMAIL}


def structure_memberships(structure: Structure) -> list[Membership]:
    """The structure's memberships with their users and the structure, read from the database."""
    return list(
        Membership.objects.filter(structure=structure).select_related("user", "structure").order_by("pk")
    )


def coordinator_error(
    *, structure: Structure | None, user: User, memberships: Iterable[Membership], need_active: bool = True
) -> BookingError | None:
    """Why the user may not act for the structure (may not book for it, with `need_active`), or None.

    `memberships`: memberships with their structure that include the user's one in the structure,
    if they have one (the user's own, or the structure's).
    """
    if structure is None or user is None or not user.is_authenticated:
        return BookingError(Code.NOT_COORDINATOR, message=booking_refusal_reason(user, structure))
    mine = next((m for m in memberships if m.structure_id == structure.pk and m.user_id == user.pk), None)
    if mine is None:
        return BookingError(Code.NOT_COORDINATOR)
    if not need_active:
        return None
    reason = booking_refusal_reason(user, mine.structure, memberships=[mine])
    if reason is None:
        return None
    code = Code.STRUCTURE_INACTIVE if not mine.structure.is_active else Code.CANNOT_BOOK
    return BookingError(code, message=reason)


def check_coordinator(*, structure: Structure, user: User, need_active: bool = True) -> list[Membership]:
    """The user coordinates the structure, and it may book (`need_active`), read from the database:
    the caller's objects may be older than this decision. Returns the structure's memberships."""
    memberships = structure_memberships(structure)
    error = coordinator_error(
        structure=structure, user=user, memberships=memberships, need_active=need_active
    )
    if error is not None:
        raise error
    return memberships


def abc_error(offer: Offer, user: User) -> BookingError | None:
    if offer.requires_abc_training and not has_completed(user, TrainingModule.ABC):
        return BookingError(Code.ABC_REQUIRED)
    return None


def session_closed_error(session: Session, now: dt.datetime) -> BookingError | None:
    """Why the session is not open for booking (`Session.is_open_for_booking`), or None."""
    if session.is_open_for_booking(now):
        return None
    if session.status != SessionStatus.PLANNED:
        return BookingError(Code.SESSION_CANCELLED)
    if session.start <= now:
        return BookingError(Code.SESSION_PAST)
    date = formats.date_format(timezone.localtime(session.booking_deadline), "DATETIME_FORMAT")
    return BookingError(Code.DEADLINE_PASSED, date=date, **museum_contact())


def booking_blocker(
    *,
    session: Session,
    structure: Structure | None,
    user: User,
    now: dt.datetime | None = None,
    memberships: Iterable[Membership] | None = None,
) -> BookingError | None:
    """Why `user` may not book `session` for `structure` now, or None when nothing stands in the way
    but the group and the seats: who books (a coordinator of an active structure, codes
    COORDINATOR_CODES), the offer's training ("abc_required"), the session open for booking
    ("session_cancelled", "session_past", "deadline_passed"), in this order.

    The booking page shows it instead of the form; the booking services raise it before the lock
    (and check the session again under it). `memberships`: the user's memberships with their
    structures when at hand (the page's, read once per request); else the structure's are read from
    the database, as the services do.
    """
    if memberships is None:
        memberships = structure_memberships(structure) if structure is not None else []
    error = coordinator_error(structure=structure, user=user, memberships=memberships)
    if error is None:
        error = abc_error(session.offer, user)
    if error is None:
        error = session_closed_error(session, now or timezone.now())
    return error


def seats_blocker(session: Session, *, seats: int) -> BookingError | None:
    """The refusal of a group of `seats` that does not fit in the seats left of `session`, or None.
    The services ask it of the session read under its lock: granting seats on any other read
    would not be safe."""
    left = session.seats_left
    if seats <= left:
        return None
    if left <= 0:
        return BookingError(Code.NO_SEATS, field="participants")
    return BookingError(Code.NO_SEATS, variant="some_left", field="participants", left=left)


def group_blocker(*, offer: Offer, group: Group) -> BookingError | None:
    """Why the group does not fit the offer (its size, its staff, its wheelchair users), or None."""
    participants, staff = group.participants, group.accompanying_staff
    if offer.is_per_person:
        if participants != 1 or staff != 0:
            return BookingError(Code.PER_PERSON, field="participants")
    else:
        if participants < offer.min_group_size:
            return BookingError(Code.GROUP_TOO_SMALL, field="participants", min=offer.min_group_size)
        if participants > offer.max_group_size:
            return BookingError(Code.GROUP_TOO_LARGE, field="participants", max=offer.max_group_size)
        if offer.participants_per_staff:
            needed = math.ceil(participants / offer.participants_per_staff)
            if staff < needed:
                return BookingError(
                    Code.STAFF_RATIO,
                    field="accompanying_staff",
                    ratio=offer.participants_per_staff,
                    participants=participants,
                    needed=needed,
                )
    if group.wheelchair_users > participants + staff:
        return BookingError(Code.WHEELCHAIRS, field="wheelchair_users")
    return None


def already_booked_error(existing: Booking | None, *, per_person: bool) -> BookingError:
    if existing is not None and existing.status == BookingStatus.WAITLISTED:
        return BookingError(Code.ALREADY_WAITING, booking=existing)
    return BookingError(Code.ALREADY_BOOKED, variant="per_person" if per_person else "", booking=existing)


def is_integrity_of_active_booking(exc: IntegrityError) -> bool:
    text = str(exc)
    return any(name in text for name in _UNIQUE_ACTIVE)


def booking_can_be_cancelled(booking: Booking, *, now: dt.datetime | None = None) -> bool:
    """Whether the portal still lets the structure cancel or change it (else they call the museum)."""
    now = now or timezone.now()
    return (
        booking.status in (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
        and booking.session.status == SessionStatus.PLANNED
        and now < booking.session.cancellation_deadline
    )


def deadline_error(session: Session, *, action: str) -> BookingError:
    """The refusal to `action` ("cancel" or "change") a booking after the offer's deadline."""
    hours = session.offer.cancellation_deadline_hours
    return BookingError(Code.DEADLINE_PASSED, variant=action, hours=hours, **museum_contact())
