"""Attendance: after a session its mediator records, per booking, who actually came.

These figures are the programme's count of people accompanied (the home page sums the present
participants of ATTENDED bookings). Every recording and correction is kept in AttendanceChange.

Rules (each decided here only: pages and services ask these functions):
- recording opens when the session has started (a mediator may fill it in at the end of the
  visit) and closes `ATTENDANCE_CORRECTION_DAYS` days after its end, for everyone; never for a
  cancelled session (`attendance_window`, `attendance_is_open`, `attendance_deadline`);
- only the session's mediators (and staff) record (`can_record_attendance`);
- a sheet (every group of a session) is saved whole or not at all (`attendance_sheet_record`);
- a group with nobody present is ABSENT; otherwise ATTENDED;
- a relais present at a training session (L'ABC du musée...) gets the module on their record; a
  correction to absent takes back that record (not one entered by staff);
- the margin: up to `booked + max(2, 20 % of booked, rounded up)` may be counted present, for
  participants and for staff alike (a few more people than announced often come; far more is a
  typing mistake). Negative counts are refused.
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.cache import content_changed
from partners.enums import TrainingModule, TrainingSource
from partners.services import training_record_add, training_record_withdraw
from programmes.enums import PER_PERSON_KINDS, SessionStatus

from .enums import BookingStatus
from .models import AttendanceChange, Booking
from .services import BookingError

RECORDABLE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.ATTENDED, BookingStatus.ABSENT)
MARGIN_MINIMUM = 2
MARGIN_SHARE = 0.2


class AttendanceError(BookingError):
    """Attendance cannot be recorded as given; `field` names the form field the message belongs to."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "attendance") -> None:
        super().__init__(code, field=field, message=message)


def attendance_margin(booked: int) -> int:
    """How many more people than booked may be counted present."""
    return max(MARGIN_MINIMUM, math.ceil(booked * MARGIN_SHARE))


class AttendanceWindow(enum.Enum):
    """Where a session stands for recording its attendance."""

    CANCELLED = "cancelled"  # nothing to record, ever
    NOT_YET = "not_yet"  # the session has not started
    OPEN = "open"
    CLOSED = "closed"  # the time to correct it is over

    @property
    def is_open(self) -> bool:
        return self is AttendanceWindow.OPEN


def attendance_deadline(session) -> dt.datetime:
    """Until when the attendance of a session may be recorded or corrected."""
    return session.end + dt.timedelta(days=settings.ATTENDANCE_CORRECTION_DAYS)


def attendance_window(session, *, now: dt.datetime | None = None) -> AttendanceWindow:
    """Whether attendance may be recorded for this session now, or why not."""
    now = now or timezone.now()
    if session.status == SessionStatus.CANCELLED:
        return AttendanceWindow.CANCELLED
    if session.start > now:
        return AttendanceWindow.NOT_YET
    if now > attendance_deadline(session):
        return AttendanceWindow.CLOSED
    return AttendanceWindow.OPEN


def attendance_is_open(session, *, now: dt.datetime | None = None) -> bool:
    return attendance_window(session, now=now).is_open


def can_record_attendance(*, user, session) -> bool:
    """Staff and the session's mediators record its attendance."""
    if user.is_staff:
        return True
    return session.assignments.filter(mediator=user).exists()


def _window_error(window: AttendanceWindow) -> AttendanceError:
    if window is AttendanceWindow.CANCELLED:
        return AttendanceError(_("This session was cancelled: there is no attendance to record."))
    if window is AttendanceWindow.NOT_YET:
        return AttendanceError(
            _("This session has not taken place yet: attendance is recorded once it has started.")
        )
    return AttendanceError(
        _("Attendance can be corrected for %(days)d days after the session; that time is over.")
        % {"days": settings.ATTENDANCE_CORRECTION_DAYS}
    )


def _check_count(value, *, booked: int, field: str, label: str) -> int:
    if value is None or value == "":
        raise AttendanceError(
            _("Give the number of %(what)s present, or mark the group absent.") % {"what": label}, field=field
        )
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise AttendanceError(_("Write a whole number."), field=field) from None
    if number < 0:
        raise AttendanceError(_("A number of people cannot be negative."), field=field)
    allowed = booked + attendance_margin(booked)
    if number > allowed:
        raise AttendanceError(
            _(
                "%(number)d is far more than the %(booked)d booked: at most %(allowed)d can be counted. "
                "Check the figure, or ask the team to correct the booking."
            )
            % {"number": number, "booked": booked, "allowed": allowed},
            field=field,
        )
    return number


def attendance_record(
    *,
    booking: Booking,
    by,
    absent: bool = False,
    present_participants: int | None = None,
    present_staff: int | None = None,
) -> Booking:
    """Record (or correct) who came for one booking. Returns the booking as saved."""
    with transaction.atomic():
        locked = (
            Booking.objects.select_for_update(of=("self",))
            .select_related("session__offer", "attendee")
            .get(pk=booking.pk)
        )
        session = locked.session
        now = timezone.now()
        if not can_record_attendance(user=by, session=session):
            raise AttendanceError(_("Only the mediators of this session can record its attendance."))
        window = attendance_window(session, now=now)
        if not window.is_open:
            raise _window_error(window)
        if locked.status not in RECORDABLE_STATUSES:
            raise AttendanceError(
                _("This booking is “%(status)s”: no attendance can be recorded for it.")
                % {"status": locked.get_status_display()}
            )
        if absent:
            participants, staff = 0, 0
        else:
            participants = _check_count(
                present_participants,
                booked=locked.participants,
                field="present_participants",
                label=_("participants"),
            )
            staff = _check_count(
                0 if present_staff in (None, "") else present_staff,
                booked=locked.accompanying_staff,
                field="present_staff",
                label=_("accompanying staff"),
            )
        new_status = BookingStatus.ATTENDED if participants > 0 else BookingStatus.ABSENT
        unchanged = (
            locked.attendance_recorded_at is not None
            and locked.status == new_status
            and locked.present_participants == participants
            and locked.present_staff == staff
        )
        if unchanged:
            return locked
        change = AttendanceChange(
            booking=locked,
            changed_by=by,
            old_status=locked.status,
            new_status=new_status,
            old_participants=locked.present_participants,
            new_participants=participants,
            old_staff=locked.present_staff,
            new_staff=staff,
        )
        was_attended = locked.status == BookingStatus.ATTENDED
        locked.status = new_status
        locked.present_participants = participants
        locked.present_staff = staff
        locked.attendance_recorded_at = now
        locked.save(
            update_fields=[
                "status",
                "present_participants",
                "present_staff",
                "attendance_recorded_at",
                "updated_at",
            ]
        )
        change.save()
        if new_status == BookingStatus.ATTENDED and not was_attended:
            _record_training(booking=locked, by=by)
        elif was_attended and new_status != BookingStatus.ATTENDED:
            _withdraw_training(booking=locked)
        content_changed()  # the figures of people accompanied count it
    return locked


@dataclass(frozen=True)
class AttendanceEntry:
    """What the sheet says of one group: absent, or how many came."""

    booking: Booking
    absent: bool = False
    present_participants: int | None = None
    present_staff: int | None = None


class AttendanceSheetError(AttendanceError):
    """A sheet was not saved: `errors` holds, by booking id, what is wrong with each group refused."""

    def __init__(self, errors: dict[int, AttendanceError]) -> None:
        first = next(iter(errors.values()))
        super().__init__(first.message, field=first.field, code=first.code)
        self.errors = errors


def attendance_sheet_record(*, session, entries: Sequence[AttendanceEntry], by) -> list[Booking]:
    """Record the attendance of several groups of a session, all or nothing: a half-saved sheet
    would be confusing to correct. Every group is tried, so that each refusal can be shown at its
    group; if any is refused, nothing is saved and `AttendanceSheetError` tells them all."""
    saved: list[Booking] = []
    errors: dict[int, AttendanceError] = {}
    with transaction.atomic():
        for entry in entries:
            if entry.booking.session_id != session.pk:
                raise ValueError(f"booking {entry.booking.pk} is not one of session {session.pk}")
            try:  # each group in a savepoint of its own (attendance_record's), the next still tried
                saved.append(
                    attendance_record(
                        booking=entry.booking,
                        by=by,
                        absent=entry.absent,
                        present_participants=entry.present_participants,
                        present_staff=entry.present_staff,
                    )
                )
            except AttendanceError as error:
                errors[entry.booking.pk] = error
        if errors:
            raise AttendanceSheetError(errors)  # leaving the block rolls every group back
    return saved


def _training_module(booking: Booking) -> str | None:
    """The training module a relais completes by attending this booking's session, if any."""

    if booking.session.offer.kind not in PER_PERSON_KINDS or booking.attendee_id is None:
        return None
    return TrainingModule(booking.session.offer.kind)


def _record_training(*, booking: Booking, by) -> None:
    """A relais who attended a training module has it on their record (the ABC unlocks autonomous visits)."""

    module = _training_module(booking)
    if module is None:
        return
    training_record_add(
        user=booking.attendee,
        module=module,
        completed_on=timezone.localdate(booking.session.start),
        source=TrainingSource.ATTENDANCE,
        session=booking.session,
        recorded_by=by,
    )


def _withdraw_training(*, booking: Booking) -> None:
    """Attendance corrected to absent: the relais no longer has the module this session gave them."""

    module = _training_module(booking)
    if module is not None:
        training_record_withdraw(user=booking.attendee, module=module, session=booking.session)


def attendance_history(*, booking: Booking) -> list[AttendanceChange]:
    """Every recording and correction of a booking's attendance, newest first."""
    return list(booking.attendance_changes.select_related("changed_by").order_by("-changed_at", "-pk"))
