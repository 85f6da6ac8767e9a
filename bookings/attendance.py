"""Attendance: after a session its mediator records, per booking, who actually came.

These figures are the programme's count of people accompanied (the home page sums the present
participants of ATTENDED bookings). Every recording and correction is kept in AttendanceChange.

Rules:
- recording opens when the session has started (a mediator may fill it in at the end of the
  visit) and closes `ATTENDANCE_CORRECTION_DAYS` days after its end, for everyone;
- only the session's mediators (and staff) record;
- a group with nobody present is ABSENT; otherwise ATTENDED;
- a relais present at a training session (L'ABC du musée...) gets the module on their record; a
  correction to absent takes back that record (not one entered by staff);
- the margin: up to `booked + max(2, 20 % of booked, rounded up)` may be counted present, for
  participants and for staff alike (a few more people than announced often come; far more is a
  typing mistake). Negative counts are refused.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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
        super().__init__(message, code=code, field=field)


def attendance_margin(booked: int) -> int:
    """How many more people than booked may be counted present."""
    return max(MARGIN_MINIMUM, math.ceil(booked * MARGIN_SHARE))


def attendance_deadline(session) -> dt.datetime:
    return session.end + dt.timedelta(days=settings.ATTENDANCE_CORRECTION_DAYS)


def attendance_is_open(session, *, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return session.status == SessionStatus.PLANNED and session.start <= now <= attendance_deadline(session)


def can_record_attendance(*, user, session) -> bool:
    if user.is_staff:
        return True
    return session.assignments.filter(mediator=user).exists()


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
        if session.status == SessionStatus.CANCELLED:
            raise AttendanceError(_("This session was cancelled: there is no attendance to record."))
        if session.start > now:
            raise AttendanceError(
                _("This session has not taken place yet: attendance is recorded once it has started.")
            )
        if now > attendance_deadline(session):
            raise AttendanceError(
                _("Attendance can be corrected for %(days)d days after the session; that time is over.")
                % {"days": settings.ATTENDANCE_CORRECTION_DAYS}
            )
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
    return locked


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
