"""Every write and state change about bookings, the waiting list and project requests.

Capacity is never exceeded: every change that takes or gives back seats runs inside
`transaction.atomic()`, locks the session row (`SELECT ... FOR NO KEY UPDATE`, which still lets other
transactions insert bookings pointing at the session), reads the session's `seats_taken` there,
decides, then writes the booking and the new `seats_taken` in the same transaction. The CHECK
constraint `seats_taken <= capacity` is the last line against a bug, the partial unique constraints
on `Booking` the last line against a double submit. Emails are rows of the outbox queued in the same
transaction; they are sent after commit, and the pages' content version is bumped after commit.

What `seats_taken` counts (`Booking.holds_seats`): the seated bookings, and the waiting groups
offered freed seats until they confirm them, leave, or a write takes back an offer that ran out
(the periodic `waitlist_expire_offers`, or any change that offers seats in the session). Until then
an offer that ran out keeps its seats, for the pages and for the lock alike: what a page shows is
what the lock decides.

Bookings of one session wait for each other at the lock, so a new booking checks everything it can
before the lock (the coordinator, the offer's training, the group, the session's dates, an active
booking of the structure); under the lock it only re-reads the session, decides on its seats, and
writes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from common.cache import content_changed
from notifications.services import message_queue, messages_queue_many
from partners.enums import TrainingModule
from partners.models import Membership, Structure, User
from partners.selectors import booking_refusal_reason, has_completed
from programmes.enums import SessionStatus
from programmes.models import AccessibilityOption, Exhibition, Offer, Session

from . import selectors
from .enums import BookingStatus, RequestKind, RequestStatus
from .mediators import notify_mediators_of_booking_change
from .models import Booking, ProjectRequest
from .selectors import booking_recipients

# Names of the partial unique constraints that stop a second active booking (see models.py).
_UNIQUE_ACTIVE = (
    "booking_one_active_group_per_structure_session",
    "booking_one_active_seat_per_relais_session",
)
# The codes of a refusal about who books, not about the session (the booking page shows its
# message in place of the form).
COORDINATOR_CODES = ("not_coordinator", "structure_inactive", "cannot_book")


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


# --- Rules shared by the services and the pages -----------------------------------------------


def _museum_contact() -> dict[str, str]:
    return {"phone": settings.MUSEUM_PHONE, "email": settings.MUSEUM_CONTACT_EMAIL}


def _structure_memberships(structure: Structure) -> list[Membership]:
    """The structure's memberships with their users and the structure, read from the database."""
    return list(
        Membership.objects.filter(structure=structure).select_related("user", "structure").order_by("pk")
    )


def _coordinator_error(
    *, structure: Structure | None, user: User, memberships: Iterable[Membership], need_active: bool = True
) -> BookingError | None:
    """Why the user may not act for the structure (may not book for it, with `need_active`), or None.

    `memberships`: memberships with their structure that include the user's one in the structure,
    if they have one (the user's own, or the structure's).
    """
    if structure is None or user is None or not user.is_authenticated:
        return BookingError(booking_refusal_reason(user, structure), code="not_coordinator")
    mine = next((m for m in memberships if m.structure_id == structure.pk and m.user_id == user.pk), None)
    if mine is None:
        return BookingError(
            _("You are not a coordinator of this structure, so you cannot act for it."),
            code="not_coordinator",
        )
    if not need_active:
        return None
    reason = booking_refusal_reason(user, mine.structure, memberships=[mine])
    if reason is None:
        return None
    return BookingError(reason, code="structure_inactive" if not mine.structure.is_active else "cannot_book")


def _check_coordinator(*, structure: Structure, user: User, need_active: bool = True) -> list[Membership]:
    """The user coordinates the structure, and it may book (`need_active`), read from the database:
    the caller's objects may be older than this decision. Returns the structure's memberships."""
    memberships = _structure_memberships(structure)
    error = _coordinator_error(
        structure=structure, user=user, memberships=memberships, need_active=need_active
    )
    if error is not None:
        raise error
    return memberships


def _abc_error(offer: Offer, user: User) -> BookingError | None:
    if offer.requires_abc_training and not has_completed(user, TrainingModule.ABC):
        return BookingError(
            _(
                "Visits you lead yourself are open to relais who attended L'ABC du musée. Book an ABC "
                "session first: once the museum has recorded your attendance, you can book this visit."
            ),
            code="abc_required",
        )
    return None


def _session_closed_error(session: Session, now: dt.datetime) -> BookingError | None:
    """Why the session is not open for booking (`Session.is_open_for_booking`), or None."""
    if session.is_open_for_booking(now):
        return None
    if session.status != SessionStatus.PLANNED:
        return BookingError(
            _("This session has been cancelled: please choose another date."), code="session_cancelled"
        )
    if session.start <= now:
        return BookingError(
            _("This session has already taken place: please choose a date to come."), code="session_past"
        )
    return BookingError(
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
        memberships = _structure_memberships(structure) if structure is not None else []
    error = _coordinator_error(structure=structure, user=user, memberships=memberships)
    if error is None:
        error = _abc_error(session.offer, user)
    if error is None:
        error = _session_closed_error(session, now or timezone.now())
    return error


def seats_blocker(session: Session, *, seats: int) -> BookingError | None:
    """The refusal of a group of `seats` that does not fit in the seats left of `session`, or None.
    The services ask it of the session read under its lock: granting seats on any other read
    would not be safe."""
    left = session.seats_left
    if seats <= left:
        return None
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


def _check_group(*, offer: Offer, participants: int, accompanying_staff: int, wheelchair_users: int) -> None:
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


def _is_integrity_of_active_booking(exc: IntegrityError) -> bool:
    text = str(exc)
    return any(name in text for name in _UNIQUE_ACTIVE)


# --- Seats: kept on the session, written under its lock ---------------------------------------


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


def _seats_add(session: Session, seats: int) -> None:
    """Count `seats` more in the session's `seats_taken` (fewer when negative), in the database and
    on `session`. The caller holds the session's lock and has decided that they fit."""
    if seats:
        Session.objects.filter(pk=session.pk).update(seats_taken=F("seats_taken") + seats)
        session.seats_taken += seats


def _seats_counted() -> Subquery:
    """The seats held by the bookings of the session of the outer query (`Booking.holds_seats`)."""
    return Subquery(
        Booking.objects.holding_seats()
        .filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(seats=Sum(F("participants") + F("accompanying_staff")))
        .values("seats")
    )


def _seats_recount(session: Session) -> None:
    """Set the session's `seats_taken` to the seats its bookings hold, counted again (under its lock)."""
    Session.objects.filter(pk=session.pk).update(seats_taken=Coalesce(_seats_counted(), Value(0)))
    session.refresh_from_db(fields=["seats_taken"])


def session_seats_recount(*, session_ids: Iterable[int] | None = None) -> int:
    """Count the seats of sessions (every session without `session_ids`) again from their bookings.

    For the writers that put bookings in the database without these services (the demo's past, the
    benchmarks' data, the tests' factories); the services keep the count themselves. Each session is
    locked as the services lock it. Returns how many sessions were counted.
    """
    with transaction.atomic():
        sessions = Session.objects.all()
        if session_ids is not None:
            sessions = sessions.filter(pk__in=list(session_ids))
        ids = list(sessions.select_for_update(no_key=True).order_by("pk").values_list("pk", flat=True))
        Session.objects.filter(pk__in=ids).update(seats_taken=Coalesce(_seats_counted(), Value(0)))
        content_changed()
    return len(ids)


# --- Emails -----------------------------------------------------------------------------------


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
    """Queue the email of `template` to each recipient (`booking_recipients(booking)` unless given), once.

    `facts`: `_booking_facts` by language, when written beforehand (a new booking: before the lock).
    `new_booking`: the booking was inserted by this transaction, so no email of it is queued yet.
    """
    facts = {} if facts is None else facts
    links = _booking_links(booking.pk)
    messages = []
    for user in booking_recipients(booking) if recipients is None else recipients:
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
    _lock: bool = True,
) -> Booking:
    """Book seats of a session for a structure's group (or, for relais offers, for the user).

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
    lock: bool,
) -> Booking:
    # Before the lock: every refusal that a plain read can decide (refusing early is always safe).
    memberships = _structure_memberships(structure)
    blocker = booking_blocker(session=session, structure=structure, user=user, memberships=memberships)
    if blocker is not None:
        raise blocker
    offer = session.offer
    per_person = offer.is_per_person
    _check_group(
        offer=offer,
        participants=participants,
        accompanying_staff=accompanying_staff,
        wheelchair_users=wheelchair_users,
    )
    existing = selectors.active_booking_of(session=session, structure=structure, user=user)
    if existing is not None:
        raise _already_booked_error(existing, per_person=per_person)
    seats = participants + accompanying_staff
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
    # The emails say what they say of the booking as written here (its id and links are added once
    # inserted), to the recipients known already: nothing of them is read under the lock.
    template = "booking_confirmed" if status == BookingStatus.CONFIRMED else "waitlist_joined"
    recipients = booking_recipients(booking, memberships=memberships)
    facts = {language: _booking_facts(booking, language) for language in {u.language for u in recipients}}
    try:
        with transaction.atomic():
            # Under the lock, only what must be: the session as it is now, its seats, the writes.
            # A second active booking of the structure, checked above without the lock, is stopped
            # by the partial unique constraints (see the IntegrityError below).
            locked = _lock_session(session.pk, lock=lock, offer=offer)
            closed = _session_closed_error(locked, timezone.now())
            if closed is not None:
                raise closed
            if status == BookingStatus.CONFIRMED:
                no_seats = seats_blocker(locked, seats=seats)
                if no_seats is not None:
                    raise no_seats
            else:
                if seats <= locked.seats_left:
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
            if status == BookingStatus.CONFIRMED:
                _seats_add(locked, seats)
            _notify(booking, template=template, key="", recipients=recipients, facts=facts, new_booking=True)
            if status == BookingStatus.CONFIRMED:
                # A group joining the waiting list changes nothing for the mediators of the day.
                notify_mediators_of_booking_change(booking=booking)
            content_changed()
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


def booking_can_be_cancelled(booking: Booking, *, now: dt.datetime | None = None) -> bool:
    """Whether the portal still lets the structure cancel or change it (else they call the museum)."""
    now = now or timezone.now()
    return (
        booking.status in (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
        and booking.session.status == SessionStatus.PLANNED
        and now < booking.session.cancellation_deadline
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
    memberships = _check_coordinator(structure=booking.structure, user=user)
    offer = booking.session.offer
    abc = _abc_error(offer, booking.attendee or user)
    if abc is not None:
        raise abc
    _check_group(
        offer=offer,
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
            raise _session_closed_error(session, now)
        if now >= session.cancellation_deadline:
            raise _deadline_error(session, action="change")
        more = participants + accompanying_staff - locked.seats
        if more > 0:
            if session.booking_deadline <= now:
                raise BookingError(
                    _("Bookings for this session are closed: you can make the group smaller, not larger."),
                    code="deadline_passed",
                    field="participants",
                )
            no_seats = seats_blocker(session, seats=more)
            if no_seats is not None:
                raise no_seats
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
        _seats_add(session, more)
        if more < 0:
            _offer_freed_seats(session, now)
        _notify(
            locked,
            template="booking_changed",
            key=_stamp(),
            recipients=booking_recipients(locked, memberships=memberships),
        )
        notify_mediators_of_booking_change(booking=locked)
        content_changed()
    return locked


def booking_cancel(*, booking: Booking, user: User) -> Booking:
    """Cancel a booking before the offer's cancellation deadline; freed seats go to the waiting list."""
    memberships = _check_coordinator(structure=booking.structure, user=user, need_active=False)
    with transaction.atomic():
        session, locked = _lock_booking(booking)
        if locked.status == BookingStatus.WAITLISTED:
            return _leave(session, locked)
        if locked.status != BookingStatus.CONFIRMED:
            raise BookingError(
                _("This booking is not active any more: there is nothing to cancel."), code="not_active"
            )
        now = timezone.now()
        if now >= session.cancellation_deadline:
            raise _deadline_error(session, action="cancel")
        locked.status = BookingStatus.CANCELLED
        locked.cancelled_at = now
        locked.save(update_fields=["status", "cancelled_at", "updated_at"])
        _seats_add(session, -locked.seats)
        _offer_freed_seats(session, now)
        _notify(
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
        _seats_add(booking.session, -booking.seats)
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


# --- Waiting list -----------------------------------------------------------------------------


def _leave(session: Session, booking: Booking) -> Booking:
    had_offer = booking.holds_seats
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.save(update_fields=["status", "cancelled_at", "updated_at"])
    if had_offer:
        _seats_add(session, -booking.seats)
        _offer_freed_seats(session, booking.cancelled_at)
    content_changed()
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
        _notify(booking, template="waitlist_offer_expired", key="")
    if expired:
        _seats_recount(session)
        content_changed()
    return len(expired)


def _offer_freed_seats(session: Session, now: dt.datetime) -> list[Booking]:
    """Offer the seats left to the waiting groups, in the order they joined, while they fit.

    The caller holds the session lock. The seats offered are held (`Booking.holds_seats`).
    """
    if not session.is_open_for_booking(now):
        return []
    _expire_offers_of(session, now)
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
        _notify(booking, template="waitlist_offer", key="")
    if offered:
        _seats_add(session, sum(booking.seats for booking in offered))
        content_changed()
    return offered


def waitlist_offer_next(*, session: Session) -> list[Booking]:
    """Seats freed up: offer them to the first waiting groups that fit. Returns the groups offered."""
    with transaction.atomic():
        locked = _lock_session(session.pk)
        return _offer_freed_seats(locked, timezone.now())


def waitlist_confirm(*, booking: Booking, user: User) -> Booking:
    """A waiting group takes the seats it was offered, before the offer runs out (they are held for
    it already: the seats taken do not change)."""
    memberships = _check_coordinator(structure=booking.structure, user=user)
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
        if not locked.offer_is_live(now):
            if locked.waitlist_offer_expires_at is None:
                raise BookingError(
                    _(
                        "No seats have been offered to your group yet: "
                        "we will email you as soon as some free up."
                    ),
                    code="no_offer",
                )
            raise BookingError(
                _("The offer of seats has expired: they were offered to the next group on the waiting list."),
                code="offer_expired",
            )
        if session.status != SessionStatus.PLANNED or session.start <= now:
            raise _session_closed_error(session, now)
        locked.status = BookingStatus.CONFIRMED
        locked.waitlist_offer_expires_at = None
        locked.save(update_fields=["status", "waitlist_offer_expires_at", "updated_at"])
        _notify(
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
