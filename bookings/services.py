"""Every write and state change about bookings, the waiting list and project requests.

Capacity is never exceeded: every change that takes seats runs inside `transaction.atomic()`,
locks the session row (`SELECT ... FOR NO KEY UPDATE`, which still lets other transactions insert
bookings pointing at the session), counts the seats from the bookings themselves, then writes.
The partial unique constraints on `Booking` are the last line against a double submit.
Emails are rows of the outbox queued in the same transaction; they are sent after commit.

Bookings of one session wait for each other at the lock, so what runs while it is held bounds how
many bookings a session takes per second: a new booking checks everything it can before the lock
(the coordinator, the group, the session's dates, an active booking of the structure, and, when the
caller has just read it, a session already too full), so that most refusals never wait; under the
lock it only re-reads the session, counts the seats and writes. Granting seats is always decided
under the lock, from the bookings themselves.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from notifications.services import message_queue, messages_queue_many
from partners.enums import TrainingModule
from partners.models import Structure, User
from partners.selectors import booking_refusal_reason, has_completed, memberships_of
from programmes.enums import SessionStatus
from programmes.models import AccessibilityOption, Exhibition, Offer, Session

from . import selectors
from .enums import BookingStatus, RequestKind, RequestStatus
from .mediators import notify_mediators_of_booking_change
from .models import Booking, ProjectRequest

# Names of the partial unique constraints that stop a second active booking (see models.py).
_UNIQUE_ACTIVE = (
    "booking_one_active_group_per_structure_session",
    "booking_one_active_seat_per_relais_session",
)


class BookingError(Exception):
    """A booking rule was broken; the message is translated, for the user.

    `code` tells views and tests which rule (e.g. "no_seats" lets the page offer the waiting
    list); `field` names the form field the message belongs to, when there is one; `booking`: the
    structure's active booking that stands in the way ("already_booked", "already_waiting").
    """

    def __init__(
        self, message: str, *, code: str = "invalid", field: str | None = None, booking: Booking | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.booking = booking

    def __str__(self) -> str:
        return self.message


# --- Rules shared by the services ------------------------------------------------------------


def _museum_contact() -> dict[str, str]:
    return {"phone": settings.MUSEUM_PHONE, "email": settings.MUSEUM_CONTACT_EMAIL}


def _check_coordinator(*, structure: Structure, user: User, need_active: bool = True) -> None:
    """The user coordinates the structure, and it may book (`need_active`), read from the database:
    the caller's objects may come from the cache (the request's memberships), never this decision."""
    memberships = list(memberships_of(user))
    mine = next((m for m in memberships if m.structure_id == structure.pk), None)
    if mine is None:
        raise BookingError(
            _("You are not a coordinator of this structure, so you cannot act for it."),
            code="not_coordinator",
        )
    if need_active:
        reason = booking_refusal_reason(user, mine.structure, memberships=memberships)
        if reason is not None:
            code = "structure_inactive" if not mine.structure.is_active else "cannot_book"
            raise BookingError(reason, code=code)


def _check_session_open(session: Session, now: dt.datetime) -> None:
    if session.status != SessionStatus.PLANNED:
        raise BookingError(
            _("This session has been cancelled: please choose another date."), code="session_cancelled"
        )
    if session.start <= now:
        raise BookingError(
            _("This session has already taken place: please choose a date to come."), code="session_past"
        )
    if session.booking_deadline <= now:
        raise BookingError(
            _(
                "Bookings for this session closed on %(date)s. To come anyway, call the museum on %(phone)s "
                "or write to %(email)s."
            )
            % {
                "date": formats.date_format(timezone.localtime(session.booking_deadline), "DATETIME_FORMAT"),
                **_museum_contact(),
            },
            code="deadline_passed",
        )


def _check_group(
    *, offer: Offer, user: User, participants: int, accompanying_staff: int, wheelchair_users: int
) -> None:
    if offer.requires_abc_training and not has_completed(user, TrainingModule.ABC):
        raise BookingError(
            _(
                "Visits you lead yourself are open to relais who attended L'ABC du musée. Book an ABC "
                "session first: once the museum has recorded your attendance, you can book this visit."
            ),
            code="abc_required",
        )
    if offer.is_per_person:
        if participants != 1 or accompanying_staff != 0:
            raise BookingError(
                _("This offer is for relais: each person books one seat, for themselves only."),
                code="per_person",
                field="participants",
            )
    else:
        if participants < offer.min_group_size:
            raise BookingError(
                _("This offer is for groups of at least %(min)d participants.")
                % {"min": offer.min_group_size},
                code="group_too_small",
                field="participants",
            )
        if participants > offer.max_group_size:
            raise BookingError(
                _(
                    "This offer is for groups of at most %(max)d participants. For a larger group, book two "
                    "sessions or contact us."
                )
                % {"max": offer.max_group_size},
                code="group_too_large",
                field="participants",
            )
        if offer.participants_per_staff:
            needed = math.ceil(participants / offer.participants_per_staff)
            if accompanying_staff < needed:
                raise BookingError(
                    _(
                        "This offer needs at least one accompanying professional for every %(ratio)d "
                        "participants: for %(participants)d participants, come with at least %(needed)d."
                    )
                    % {"ratio": offer.participants_per_staff, "participants": participants, "needed": needed},
                    code="staff_ratio",
                    field="accompanying_staff",
                )
    if wheelchair_users > participants + accompanying_staff:
        raise BookingError(
            _("There cannot be more wheelchair users than people in the group."),
            code="wheelchairs",
            field="wheelchair_users",
        )


def _already_booked_error(existing: Booking | None, *, per_person: bool) -> BookingError:
    if existing is not None and existing.status == BookingStatus.WAITLISTED:
        return BookingError(
            _("Your structure is already on the waiting list for this session."),
            code="already_waiting",
            booking=existing,
        )
    if per_person:
        return BookingError(
            _("You already have a seat in this session."), code="already_booked", booking=existing
        )
    return BookingError(
        _(
            "Your structure has already booked this session. To change the number of people, change "
            "that booking instead of making a new one."
        ),
        code="already_booked",
        booking=existing,
    )


def _lock_session(session_id: int, *, lock: bool = True, offer: Offer | None = None) -> Session:
    """The session read again, its row locked; `offer`: its offer when at hand (not read again)."""
    sessions = Session.objects.all() if offer is not None else Session.objects.select_related("offer")
    if lock:
        # NO KEY UPDATE: concurrent bookings wait here, yet inserts referencing the row stay possible.
        sessions = sessions.select_for_update(no_key=True, of=("self",))
    session = sessions.get(pk=session_id)
    if offer is not None and offer.pk == session.offer_id:
        session.offer = offer
    return session


def _seats_left(session: Session) -> int:
    return session.capacity - selectors.seats_taken(session_id=session.pk)


def _no_seats_error(left: int) -> BookingError:
    if left <= 0:
        return BookingError(
            _("This session is full. You can join its waiting list: we will email you if seats free up."),
            code="no_seats",
            field="participants",
        )
    return BookingError(
        _(
            "Only %(left)d seats are left in this session (participants and accompanying staff together). "
            "Make the group smaller, or join the waiting list."
        )
        % {"left": left},
        code="no_seats",
        field="participants",
    )


def _is_integrity_of_active_booking(exc: IntegrityError) -> bool:
    text = str(exc)
    return any(name in text for name in _UNIQUE_ACTIVE)


# --- Emails -----------------------------------------------------------------------------------


def _recipients(booking: Booking) -> list[User]:
    """Who hears about a booking: the relais attending, else whoever booked, else every coordinator."""
    if booking.attendee_id:
        return [booking.attendee]
    coordinators = [m.user for m in booking.structure.memberships.select_related("user")]
    booker = [user for user in coordinators if user.pk == booking.booked_by_id]
    return booker or coordinators


def _booking_context(booking: Booking, language: str) -> dict:
    return {**_booking_facts(booking, language), **_booking_links(booking.pk)}


def _booking_facts(booking: Booking, language: str) -> dict:
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


def _booking_links(booking_id: int) -> dict:
    return {
        "booking_id": booking_id,
        "booking_url": settings.SITE_URL + reverse("bookings:detail", args=[booking_id]),
        "confirm_url": settings.SITE_URL + reverse("bookings:waitlist_confirm", args=[booking_id]),
    }


def _notify(
    booking: Booking,
    *,
    template: str,
    key: str,
    recipients: list[User] | None = None,
    facts: dict[str, dict] | None = None,
    new_booking: bool = False,
) -> None:
    """Queue the email of `template` to each recipient (`_recipients(booking)` unless given), once.

    `facts`: `_booking_facts` by language, when written beforehand (a new booking: before the lock).
    `new_booking`: the booking was inserted by this transaction, so no email of it is queued yet.
    """
    facts = {} if facts is None else facts
    links = _booking_links(booking.pk)
    messages = []
    for user in _recipients(booking) if recipients is None else recipients:
        if user.language not in facts:
            facts[user.language] = _booking_facts(booking, user.language)
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


def _stamp() -> str:
    return ":" + timezone.now().strftime("%Y%m%d%H%M%S%f")


# --- Booking ----------------------------------------------------------------------------------


def booking_create(
    *,
    session: Session,
    structure: Structure,
    user: User,
    participants: int,
    accompanying_staff: int = 0,
    wheelchair_users: int = 0,
    accessibility_needs: Iterable[AccessibilityOption] = (),
    accessibility_notes: str = "",
    contact_name: str,
    contact_phone: str,
    comment: str = "",
    seats_left_seen: int | None = None,
    _lock: bool = True,
) -> Booking:
    """Book seats of a session for a structure's group (or, for relais offers, for the user).

    `seats_left_seen`: the seats left as the caller has just read them, without the lock
    (the booking page's own query); a group that does not fit in them is refused at once, without
    waiting for the lock: refusing on a committed read is safe, granting never is (the seats are
    counted again under the lock).
    `_lock=False` exists only for the test that shows the race the lock prevents.
    """
    return _booking_insert(
        status=BookingStatus.CONFIRMED,
        session=session,
        structure=structure,
        user=user,
        participants=participants,
        accompanying_staff=accompanying_staff,
        wheelchair_users=wheelchair_users,
        accessibility_needs=accessibility_needs,
        accessibility_notes=accessibility_notes,
        contact_name=contact_name,
        contact_phone=contact_phone,
        comment=comment,
        seats_left_seen=seats_left_seen,
        lock=_lock,
    )


def waitlist_join(
    *,
    session: Session,
    structure: Structure,
    user: User,
    participants: int,
    accompanying_staff: int = 0,
    wheelchair_users: int = 0,
    accessibility_needs: Iterable[AccessibilityOption] = (),
    accessibility_notes: str = "",
    contact_name: str,
    contact_phone: str,
    comment: str = "",
) -> Booking:
    """Put a group on the waiting list of a session that has not enough seats left for it."""
    return _booking_insert(
        status=BookingStatus.WAITLISTED,
        session=session,
        structure=structure,
        user=user,
        participants=participants,
        accompanying_staff=accompanying_staff,
        wheelchair_users=wheelchair_users,
        accessibility_needs=accessibility_needs,
        accessibility_notes=accessibility_notes,
        contact_name=contact_name,
        contact_phone=contact_phone,
        comment=comment,
        seats_left_seen=None,
        lock=True,
    )


def _booking_insert(
    *,
    status: str,
    session: Session,
    structure: Structure,
    user: User,
    participants: int,
    accompanying_staff: int,
    wheelchair_users: int,
    accessibility_needs: Iterable[AccessibilityOption],
    accessibility_notes: str,
    contact_name: str,
    contact_phone: str,
    comment: str,
    seats_left_seen: int | None,
    lock: bool,
) -> Booking:
    # Before the lock: every refusal that a plain read can decide (refusing early is always safe).
    _check_coordinator(structure=structure, user=user)
    offer = session.offer
    per_person = offer.is_per_person
    _check_group(
        offer=offer,
        user=user,
        participants=participants,
        accompanying_staff=accompanying_staff,
        wheelchair_users=wheelchair_users,
    )
    _check_session_open(session, timezone.now())
    existing = selectors.active_booking_of(session=session, structure=structure, user=user)
    if existing is not None:
        raise _already_booked_error(existing, per_person=per_person)
    seats = participants + accompanying_staff
    if status == BookingStatus.CONFIRMED and seats_left_seen is not None and seats > seats_left_seen:
        raise _no_seats_error(seats_left_seen)
    needs = list(accessibility_needs)
    booking = Booking(
        session=session,
        structure=structure,
        booked_by=user,
        attendee=user if per_person else None,
        status=status,
        participants=participants,
        accompanying_staff=accompanying_staff,
        wheelchair_users=wheelchair_users,
        accessibility_notes=accessibility_notes.strip(),
        contact_name=contact_name.strip(),
        contact_phone=contact_phone.strip(),
        comment=comment.strip(),
    )
    # The user is a coordinator of the structure (checked above): the email goes to them, and
    # says what it says of the booking as written here (its id and links are added once inserted).
    template = "booking_confirmed" if status == BookingStatus.CONFIRMED else "waitlist_joined"
    facts = {user.language: _booking_facts(booking, user.language)}
    try:
        with transaction.atomic():
            # Under the lock, only what must be: the session as it is now, the seats, the writes.
            # A second active booking of the structure, checked above without the lock, is stopped
            # by the partial unique constraints (see the IntegrityError below).
            locked = _lock_session(session.pk, lock=lock, offer=offer)
            _check_session_open(locked, timezone.now())
            left = _seats_left(locked)
            if status == BookingStatus.CONFIRMED and seats > left:
                raise _no_seats_error(left)
            if status == BookingStatus.WAITLISTED:
                if seats <= left:
                    raise BookingError(
                        _("There are enough seats left for your group: book them directly."),
                        code="seats_available",
                    )
                if seats > locked.capacity:
                    raise BookingError(
                        _("Your group is larger than the whole session (%(capacity)d seats).")
                        % {"capacity": locked.capacity},
                        code="larger_than_session",
                        field="participants",
                    )
            booking.session = locked
            booking.save(force_insert=True)
            if needs:
                booking.accessibility_needs.set(needs)
            _notify(booking, template=template, key="", recipients=[user], facts=facts, new_booking=True)
            if status == BookingStatus.CONFIRMED:
                # A group joining the waiting list changes nothing for the mediators of the day.
                notify_mediators_of_booking_change(booking=booking)
    except IntegrityError as exc:
        # Two submits of the same form that both passed the check: the database kept one.
        if _is_integrity_of_active_booking(exc):
            existing = selectors.active_booking_of(session=session, structure=structure, user=user)
            raise _already_booked_error(existing, per_person=per_person) from exc
        raise
    return booking


def _lock_booking(booking: Booking) -> tuple[Session, Booking]:
    """Lock the session, then the booking (always in this order, so that two changes never deadlock)."""
    session = _lock_session(booking.session_id)
    locked = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("structure", "attendee", "booked_by")
        .get(pk=booking.pk)
    )
    locked.session = session
    return session, locked


def _before_cancellation_deadline(session: Session, now: dt.datetime) -> bool:
    return now < session.start - dt.timedelta(hours=session.offer.cancellation_deadline_hours)


def booking_can_be_cancelled(booking: Booking, *, now: dt.datetime | None = None) -> bool:
    """Whether the portal still lets the structure cancel or change it (else they call the museum)."""
    now = now or timezone.now()
    return (
        booking.status in (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
        and booking.session.status == SessionStatus.PLANNED
        and _before_cancellation_deadline(booking.session, now)
    )


def _deadline_error(session: Session, *, action: str) -> BookingError:
    hours = session.offer.cancellation_deadline_hours
    if action == "cancel":
        message = _(
            "Bookings of this offer can be cancelled online up to %(hours)d hours before the session. "
            "Please call the museum on %(phone)s or write to %(email)s."
        )
    else:
        message = _(
            "Bookings of this offer can be changed online up to %(hours)d hours before the session. "
            "Please call the museum on %(phone)s or write to %(email)s."
        )
    return BookingError(message % {"hours": hours, **_museum_contact()}, code="deadline_passed")


def booking_change(
    *,
    booking: Booking,
    user: User,
    participants: int,
    accompanying_staff: int,
    wheelchair_users: int = 0,
    accessibility_needs: Iterable[AccessibilityOption] | None = None,
    accessibility_notes: str | None = None,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    comment: str | None = None,
) -> Booking:
    """Change a confirmed booking's group (and details). Freed seats go to the waiting list."""
    _check_coordinator(structure=booking.structure, user=user)
    offer = booking.session.offer
    _check_group(
        offer=offer,
        user=booking.attendee or user,
        participants=participants,
        accompanying_staff=accompanying_staff,
        wheelchair_users=wheelchair_users,
    )
    with transaction.atomic():
        session, locked = _lock_booking(booking)
        now = timezone.now()
        if locked.status != BookingStatus.CONFIRMED:
            raise BookingError(_("Only a confirmed booking can be changed."), code="not_confirmed")
        if session.status != SessionStatus.PLANNED or session.start <= now:
            _check_session_open(session, now)
        if not _before_cancellation_deadline(session, now):
            raise _deadline_error(session, action="change")
        more = participants + accompanying_staff - locked.seats
        if more > 0:
            if session.booking_deadline <= now:
                raise BookingError(
                    _("Bookings for this session are closed: you can make the group smaller, not larger."),
                    code="deadline_passed",
                    field="participants",
                )
            left = _seats_left(session)
            if more > left:
                raise _no_seats_error(left)
        locked.participants = participants
        locked.accompanying_staff = accompanying_staff
        locked.wheelchair_users = wheelchair_users
        fields = ["participants", "accompanying_staff", "wheelchair_users", "updated_at"]
        for name, value in (
            ("accessibility_notes", accessibility_notes),
            ("contact_name", contact_name),
            ("contact_phone", contact_phone),
            ("comment", comment),
        ):
            if value is not None:
                setattr(locked, name, value.strip())
                fields.append(name)
        locked.save(update_fields=fields)
        if accessibility_needs is not None:
            locked.accessibility_needs.set(list(accessibility_needs))
        if more < 0:
            _offer_freed_seats(session, now)
        _notify(locked, template="booking_changed", key=_stamp())
        notify_mediators_of_booking_change(booking=locked)
    return locked


def booking_cancel(*, booking: Booking, user: User) -> Booking:
    """Cancel a booking before the offer's cancellation deadline; freed seats go to the waiting list."""
    _check_coordinator(structure=booking.structure, user=user, need_active=False)
    with transaction.atomic():
        session, locked = _lock_booking(booking)
        if locked.status == BookingStatus.WAITLISTED:
            return _leave(session, locked)
        if locked.status != BookingStatus.CONFIRMED:
            raise BookingError(
                _("This booking is not active any more: there is nothing to cancel."), code="not_active"
            )
        now = timezone.now()
        if not _before_cancellation_deadline(session, now):
            raise _deadline_error(session, action="cancel")
        locked.status = BookingStatus.CANCELLED
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at", "updated_at"])
        _offer_freed_seats(session, now)
        _notify(locked, template="booking_cancelled", key="")
        notify_mediators_of_booking_change(booking=locked)
    return locked


def session_capacity_change(*, session: Session, capacity: int) -> Session:
    """Staff change a session's capacity: never below the seats taken; new seats go to the waiting list."""
    if capacity < 1:
        raise BookingError(_("A session has at least one seat."), code="capacity_invalid", field="capacity")
    with transaction.atomic():
        locked = _lock_session(session.pk)
        taken = selectors.seats_taken(session_id=locked.pk)
        if capacity < taken:
            raise BookingError(
                _("%(taken)d seats are already taken in this session: the capacity cannot be lower.")
                % {"taken": taken},
                code="capacity_below_taken",
                field="capacity",
            )
        raised = capacity > locked.capacity
        locked.capacity = capacity
        locked.save(update_fields=["capacity", "updated_at"])
        if raised:
            _offer_freed_seats(locked, timezone.now())
    return locked


def booking_session_cancelled(*, booking: Booking, reason: str) -> Booking:
    """The museum cancelled the session of an active booking: the booking is cancelled and every
    coordinator of the structure told (a waiting group hears that the waiting list is cleared).

    Called for each booking by `bookings.sessions.session_cancel`, which holds the session's lock.
    """
    was_waiting = booking.status == BookingStatus.WAITLISTED
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.waitlist_offer_expires_at = None
    booking.save(update_fields=["status", "cancelled_at", "waitlist_offer_expires_at", "updated_at"])
    template = "waitlist_cleared" if was_waiting else "session_cancelled"
    for membership in booking.structure.memberships.select_related("user"):
        message_queue(
            template=template,
            to=membership.user.email,
            language=membership.user.language,
            booking_id=booking.pk,
            dedupe_key=f"{template}:booking-{booking.pk}:user-{membership.user_id}",
            context={"booking_id": booking.pk, "session_id": booking.session_id, "reason": reason},
        )
    return booking


# --- Waiting list -----------------------------------------------------------------------------


def _leave(session: Session, booking: Booking) -> Booking:
    had_offer = booking.waitlist_offer_expires_at is not None
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.save(update_fields=["status", "cancelled_at", "updated_at"])
    if had_offer:
        _offer_freed_seats(session, booking.cancelled_at)
    return booking


def waitlist_leave(*, booking: Booking, user: User) -> Booking:
    """Take a group off a session's waiting list (seats it was offered go to the next group)."""
    _check_coordinator(structure=booking.structure, user=user, need_active=False)
    with transaction.atomic():
        session, locked = _lock_booking(booking)
        if locked.status != BookingStatus.WAITLISTED:
            raise BookingError(_("This group is not on the waiting list."), code="not_waiting")
        return _leave(session, locked)


def _expire_offers_of(session: Session, now: dt.datetime) -> int:
    expired = list(
        Booking.objects.select_for_update(of=("self",))
        .select_related("structure", "attendee", "booked_by")
        .filter(session=session, status=BookingStatus.WAITLISTED, waitlist_offer_expires_at__lte=now)
    )
    for booking in expired:
        booking.session = session
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at", "updated_at"])
        _notify(booking, template="waitlist_offer_expired", key="")
    return len(expired)


def _offer_freed_seats(session: Session, now: dt.datetime) -> list[Booking]:
    """Offer the seats left to the waiting groups, in the order they joined, while they fit.

    The caller holds the session lock. A live offer holds its seats (see `seats_holding_q`).
    """
    if session.status != SessionStatus.PLANNED or session.booking_deadline <= now:
        return []
    _expire_offers_of(session, now)
    left = _seats_left(session)
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
        _notify(booking, template="waitlist_offer", key="")
    return offered


def waitlist_offer_next(*, session: Session) -> list[Booking]:
    """Seats freed up: offer them to the first waiting groups that fit. Returns the groups offered."""
    with transaction.atomic():
        locked = _lock_session(session.pk)
        return _offer_freed_seats(locked, timezone.now())


def waitlist_confirm(*, booking: Booking, user: User) -> Booking:
    """A waiting group takes the seats it was offered, before the offer expires."""
    _check_coordinator(structure=booking.structure, user=user)
    with transaction.atomic():
        session, locked = _lock_booking(booking)
        now = timezone.now()
        if locked.status == BookingStatus.CONFIRMED:
            raise BookingError(_("This booking is already confirmed."), code="already_confirmed")
        if locked.status != BookingStatus.WAITLISTED:
            raise BookingError(
                _("This group is not on the waiting list any more: the seats were offered to another group."),
                code="not_waiting",
            )
        if locked.waitlist_offer_expires_at is None:
            raise BookingError(
                _("No seats have been offered to your group yet: we will email you as soon as some free up."),
                code="no_offer",
            )
        if locked.waitlist_offer_expires_at <= now:
            raise BookingError(
                _("The offer of seats has expired: they were offered to the next group on the waiting list."),
                code="offer_expired",
            )
        if session.status != SessionStatus.PLANNED or session.start <= now:
            _check_session_open(session, now)
        locked.status = BookingStatus.CONFIRMED
        locked.waitlist_offer_expires_at = None
        locked.save(update_fields=["status", "waitlist_offer_expires_at", "updated_at"])
        _notify(locked, template="booking_confirmed", key="")
        notify_mediators_of_booking_change(booking=locked)
    return locked


def waitlist_expire_offers() -> int:
    """Periodic: offers not confirmed in time pass to the next waiting group. Returns how many expired."""
    now = timezone.now()
    session_ids = sorted(
        set(
            Booking.objects.filter(
                status=BookingStatus.WAITLISTED, waitlist_offer_expires_at__lte=now
            ).values_list("session_id", flat=True)
        )
    )
    expired = 0
    for session_id in session_ids:
        with transaction.atomic():  # one session at a time: a short lock each
            session = _lock_session(session_id)
            expired += _expire_offers_of(session, now)
            _offer_freed_seats(session, now)
    return expired


# --- Project requests ("Pensez-y !") ----------------------------------------------------------


def request_create(
    *,
    structure: Structure,
    user: User,
    kind: str,
    wished_start: dt.date,
    wished_end: dt.date,
    participants: int,
    group_description: str,
    goals: str,
    exhibition: Exhibition | None = None,
) -> ProjectRequest:
    """A structure asks for a co-built cycle or a date outside the calendar; staff are emailed."""
    _check_coordinator(structure=structure, user=user)
    if kind not in RequestKind.values:
        raise BookingError(_("Choose what you are asking for."), code="kind_invalid", field="kind")
    if wished_start <= timezone.localdate():
        raise BookingError(
            _("The wished period must start after today."), code="period_past", field="wished_start"
        )
    if wished_end < wished_start:
        raise BookingError(
            _("The end of the wished period must be on or after its start."),
            code="period_order",
            field="wished_end",
        )
    if participants < 1:
        raise BookingError(
            _("A group has at least one participant."), code="participants", field="participants"
        )
    with transaction.atomic():
        request = ProjectRequest.objects.create(
            structure=structure,
            created_by=user,
            kind=kind,
            wished_start=wished_start,
            wished_end=wished_end,
            participants=participants,
            group_description=group_description.strip(),
            goals=goals.strip(),
            exhibition=exhibition,
        )
        context = {
            "request_id": request.pk,
            "structure_name": structure.name,
            "kind": str(RequestKind(kind).label),
            "participants": participants,
            "admin_url": settings.SITE_URL + _admin_url(request),
        }
        for address in settings.STAFF_NOTIFICATION_EMAILS:
            message_queue(
                template="request_received",
                to=address,
                dedupe_key=f"request_received:request-{request.pk}:{address}",
                context=context,
            )
    return request


def _admin_url(request: ProjectRequest) -> str:
    try:
        return reverse("admin:bookings_projectrequest_change", args=[request.pk])
    except NoReverseMatch:  # the admin page is not registered (yet): the admin index still helps
        return reverse("admin:index")


def request_answer(*, request: ProjectRequest, status: str, answer: str, answered_by: User) -> ProjectRequest:
    """Staff answer a request (in discussion, accepted, declined); the coordinators are emailed."""
    answered = (RequestStatus.IN_DISCUSSION, RequestStatus.ACCEPTED, RequestStatus.DECLINED)
    if status not in answered:
        raise BookingError(
            _("Choose the answer: in discussion, accepted or declined."),
            code="status_invalid",
            field="status",
        )
    answer = answer.strip()
    if not answer:
        raise BookingError(
            _("Write the answer: it is emailed to the structure."), code="answer_missing", field="answer"
        )
    with transaction.atomic():
        locked = (
            ProjectRequest.objects.select_for_update(of=("self",))
            .select_related("structure")
            .get(pk=request.pk)
        )
        locked.status = status
        locked.answer = answer
        locked.answered_by = answered_by
        locked.answered_at = timezone.now()
        locked.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        stamp = _stamp()
        for membership in locked.structure.memberships.select_related("user"):
            user = membership.user
            with translation.override(user.language):
                status_label = str(RequestStatus(status).label)
                kind_label = str(RequestKind(locked.kind).label)
            message_queue(
                template="request_answered",
                to=user.email,
                language=user.language,
                dedupe_key=f"request_answered:request-{locked.pk}:user-{user.pk}{stamp}",
                context={
                    "request_id": locked.pk,
                    "first_name": user.first_name,
                    "structure_name": locked.structure.name,
                    "kind": kind_label,
                    "status": status,
                    "status_label": status_label,
                    "answer": answer,
                    "request_url": settings.SITE_URL + reverse("bookings:request_detail", args=[locked.pk]),
                },
            )
    return locked
