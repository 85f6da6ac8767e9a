"""The refusals of the booking services: a code for each rule, and their messages in one table.

A service raises `BookingError(BookingErrorCode.NO_SEATS, field="participants", left=3)`; the error
builds its translated message from `ERROR_MESSAGES` with those parameters. A code whose wording
depends on the case has variants, keyed `(code, variant)`: `BookingError(code, variant="cancel")`.
Views show `exc.message` at `exc.field` (or above the form); tests and views tell rules apart by
`exc.code`, a `BookingErrorCode` (a str: `exc.code == "no_seats"` holds).
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from bookings.models import Booking


class BookingErrorCode(StrEnum):
    # Who books (the booking page shows these instead of the form: COORDINATOR_CODES).
    NOT_COORDINATOR = "not_coordinator"
    STRUCTURE_INACTIVE = "structure_inactive"
    CANNOT_BOOK = "cannot_book"
    STAFF_ONLY = "staff_only"
    # The offer's training, the session.
    ABC_REQUIRED = "abc_required"
    SESSION_CANCELLED = "session_cancelled"
    SESSION_PAST = "session_past"
    DEADLINE_PASSED = "deadline_passed"
    # The group and the seats.
    NO_SEATS = "no_seats"
    PER_PERSON = "per_person"
    GROUP_TOO_SMALL = "group_too_small"
    GROUP_TOO_LARGE = "group_too_large"
    STAFF_RATIO = "staff_ratio"
    WHEELCHAIRS = "wheelchairs"
    ALREADY_BOOKED = "already_booked"
    ALREADY_WAITING = "already_waiting"
    SEATS_AVAILABLE = "seats_available"
    LARGER_THAN_SESSION = "larger_than_session"
    # A booking's state.
    NOT_CONFIRMED = "not_confirmed"
    NOT_ACTIVE = "not_active"
    NOT_WAITING = "not_waiting"
    ALREADY_CONFIRMED = "already_confirmed"
    NO_OFFER = "no_offer"
    OFFER_EXPIRED = "offer_expired"
    # Project requests.
    KIND_INVALID = "kind_invalid"
    PERIOD_PAST = "period_past"
    PERIOD_ORDER = "period_order"
    PARTICIPANTS = "participants"
    STATUS_INVALID = "status_invalid"
    ANSWER_MISSING = "answer_missing"


Code = BookingErrorCode

# The refusals about who books, not about the session.
COORDINATOR_CODES = (Code.NOT_COORDINATOR, Code.STRUCTURE_INACTIVE, Code.CANNOT_BOOK)

ERROR_MESSAGES: dict[Code | tuple[Code, str], Promise] = {
    Code.NOT_COORDINATOR: _("You are not a coordinator of this structure, so you cannot act for it."),
    Code.STAFF_ONLY: _("Only museum staff can erase a structure's data."),
    Code.ABC_REQUIRED: _(
        "Visits you lead yourself are open to relais who attended L'ABC du musée. Book an ABC "
        "session first: once the museum has recorded your attendance, you can book this visit."
    ),
    Code.SESSION_CANCELLED: _("This session has been cancelled: please choose another date."),
    Code.SESSION_PAST: _("This session has already taken place: please choose a date to come."),
    Code.DEADLINE_PASSED: _(
        "Bookings for this session closed on %(date)s. To come anyway, call the museum on %(phone)s "
        "or write to %(email)s."
    ),
    (Code.DEADLINE_PASSED, "cancel"): _(
        "Bookings of this offer can be cancelled online up to %(hours)d hours before the session. "
        "Please call the museum on %(phone)s or write to %(email)s."
    ),
    (Code.DEADLINE_PASSED, "change"): _(
        "Bookings of this offer can be changed online up to %(hours)d hours before the session. "
        "Please call the museum on %(phone)s or write to %(email)s."
    ),
    (Code.DEADLINE_PASSED, "grow"): _(
        "Bookings for this session are closed: you can make the group smaller, not larger."
    ),
    Code.NO_SEATS: _(
        "This session is full. You can join its waiting list: we will email you if seats free up."
    ),
    (Code.NO_SEATS, "some_left"): _(
        "Only %(left)d seats are left in this session (participants and accompanying staff together). "
        "Make the group smaller, or join the waiting list."
    ),
    Code.PER_PERSON: _("This offer is for relais: each person books one seat, for themselves only."),
    Code.GROUP_TOO_SMALL: _("This offer is for groups of at least %(min)d participants."),
    Code.GROUP_TOO_LARGE: _(
        "This offer is for groups of at most %(max)d participants. For a larger group, book two "
        "sessions or contact us."
    ),
    Code.STAFF_RATIO: _(
        "This offer needs at least one accompanying professional for every %(ratio)d "
        "participants: for %(participants)d participants, come with at least %(needed)d."
    ),
    Code.WHEELCHAIRS: _("There cannot be more wheelchair users than people in the group."),
    Code.ALREADY_BOOKED: _(
        "Your structure has already booked this session. To change the number of people, change "
        "that booking instead of making a new one."
    ),
    (Code.ALREADY_BOOKED, "per_person"): _("You already have a seat in this session."),
    Code.ALREADY_WAITING: _("Your structure is already on the waiting list for this session."),
    Code.SEATS_AVAILABLE: _("There are enough seats left for your group: book them directly."),
    Code.LARGER_THAN_SESSION: _("Your group is larger than the whole session (%(capacity)d seats)."),
    Code.NOT_CONFIRMED: _("Only a confirmed booking can be changed."),
    Code.NOT_ACTIVE: _("This booking is not active any more: there is nothing to cancel."),
    Code.NOT_WAITING: _("This group is not on the waiting list."),
    (Code.NOT_WAITING, "taken"): _(
        "This group is not on the waiting list any more: the seats were offered to another group."
    ),
    Code.ALREADY_CONFIRMED: _("This booking is already confirmed."),
    Code.NO_OFFER: _(
        "No seats have been offered to your group yet: we will email you as soon as some free up."
    ),
    Code.OFFER_EXPIRED: _(
        "The offer of seats has expired: they were offered to the next group on the waiting list."
    ),
    Code.KIND_INVALID: _("Choose what you are asking for."),
    Code.PERIOD_PAST: _("The wished period must start after today."),
    Code.PERIOD_ORDER: _("The end of the wished period must be on or after its start."),
    Code.PARTICIPANTS: _("A group has at least one participant."),
    Code.STATUS_INVALID: _("Choose the answer: in discussion, accepted or declined."),
    Code.ANSWER_MISSING: _("Write the answer: it is emailed to the structure."),
}


class BookingError(Exception):
    """A booking rule was broken; `message` is translated, for the user.

    `code` tells views and tests which rule (e.g. "no_seats" lets the page offer the waiting list);
    `variant` picks the wording of the code's case in `ERROR_MESSAGES`, `params` fill it in; `field`
    names the form field the message belongs to, when there is one; `booking`: the structure's
    active booking that stands in the way ("already_booked", "already_waiting"). `message`: a
    refusal worded elsewhere (partners' booking refusals, attendance errors), instead of the table's.
    """

    def __init__(
        self,
        code: BookingErrorCode | str,
        *,
        variant: str = "",
        field: str | None = None,
        booking: Booking | None = None,
        message: str | None = None,
        **params,
    ) -> None:
        if message is None:
            template = str(ERROR_MESSAGES[(code, variant) if variant else code])
            message = template % params if params else template
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.booking = booking

    def __str__(self) -> str:
        return self.message
