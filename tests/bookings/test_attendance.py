"""Attendance: recording after the session, corrections and their history, limits, refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from bookings.attendance import (
    AttendanceEntry,
    AttendanceError,
    AttendanceSheetError,
    AttendanceWindow,
    attendance_history,
    attendance_is_open,
    attendance_margin,
    attendance_record,
    attendance_sheet_record,
    attendance_window,
)
from bookings.enums import BookingStatus
from bookings.models import AttendanceChange
from bookings.selectors import home_figures
from common.cache import content_version
from partners.enums import TrainingModule, TrainingSource
from partners.models import TrainingRecord
from partners.selectors import has_completed
from partners.services import training_record_add
from programmes.enums import Audience, OfferKind, SessionStatus
from tests.bookings.factories import BookingFactory
from tests.partners.factories import MembershipFactory
from tests.programmes.factories import OfferFactory, assign, at, session_at

pytestmark = pytest.mark.django_db


def test_attendance_record_sets_status_counts_and_logs(past_booking, mediator):
    booking = attendance_record(booking=past_booking, by=mediator, present_participants=7, present_staff=2)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.ATTENDED
    assert (booking.present_participants, booking.present_staff) == (7, 2)
    assert booking.attendance_recorded_at is not None
    change = AttendanceChange.objects.get(booking=booking)
    assert change.changed_by == mediator
    assert (change.old_status, change.new_status) == (BookingStatus.CONFIRMED, BookingStatus.ATTENDED)
    assert (change.old_participants, change.new_participants) == (None, 7)
    assert (change.old_staff, change.new_staff) == (None, 2)


def test_attendance_record_absent_group(past_booking, mediator):
    booking = attendance_record(booking=past_booking, by=mediator, absent=True)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.ABSENT
    assert (booking.present_participants, booking.present_staff) == (0, 0)


def test_attendance_record_nobody_present_is_absent(past_booking, mediator):
    booking = attendance_record(booking=past_booking, by=mediator, present_participants=0, present_staff=0)

    assert booking.status == BookingStatus.ABSENT


def test_attendance_correction_is_logged_with_old_and_new(past_booking, mediator, staff):
    attendance_record(booking=past_booking, by=mediator, present_participants=7, present_staff=2)

    attendance_record(booking=past_booking, by=staff, present_participants=6, present_staff=1)

    history = attendance_history(booking=past_booking)
    assert len(history) == 2
    latest = history[0]
    assert latest.changed_by == staff
    assert (latest.old_participants, latest.new_participants) == (7, 6)
    assert (latest.old_staff, latest.new_staff) == (2, 1)
    assert (latest.old_status, latest.new_status) == (BookingStatus.ATTENDED, BookingStatus.ATTENDED)


def test_attendance_same_values_again_logs_nothing(past_booking, mediator):
    attendance_record(booking=past_booking, by=mediator, present_participants=7, present_staff=2)

    attendance_record(booking=past_booking, by=mediator, present_participants=7, present_staff=2)

    assert AttendanceChange.objects.filter(booking=past_booking).count() == 1


def test_attendance_refused_before_session(mediator):
    session = session_at(at(2, 10))
    assign(session, mediator)
    booking = BookingFactory(session=session)

    with pytest.raises(AttendanceError) as error:
        attendance_record(booking=booking, by=mediator, present_participants=5)

    assert error.value.message == gettext(
        "This session has not taken place yet: attendance is recorded once it has started."
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert AttendanceChange.objects.count() == 0


def test_attendance_correction_allowed_until_deadline_then_refused(past_booking, mediator, settings):
    settings.ATTENDANCE_CORRECTION_DAYS = 30
    session = past_booking.session
    session.start = timezone.now() - dt.timedelta(days=29, hours=23)
    session.end = session.start + dt.timedelta(minutes=90)
    session.booking_deadline = session.start - dt.timedelta(days=1)
    session.save()

    attendance_record(booking=past_booking, by=mediator, present_participants=8, present_staff=2)

    session.start = timezone.now() - dt.timedelta(days=31)
    session.end = session.start + dt.timedelta(minutes=90)
    session.booking_deadline = session.start - dt.timedelta(days=1)
    session.save()
    with pytest.raises(AttendanceError):
        attendance_record(booking=past_booking, by=mediator, present_participants=6, present_staff=2)
    past_booking.refresh_from_db()
    assert past_booking.present_participants == 8


def test_attendance_negative_count_refused_at_field(past_booking, mediator):
    with pytest.raises(AttendanceError) as error:
        attendance_record(booking=past_booking, by=mediator, present_participants=-1, present_staff=0)

    assert error.value.field == "present_participants"
    assert error.value.message == gettext("A number of people cannot be negative.")


@pytest.mark.parametrize(("present", "allowed"), [(10, True), (11, False)])
def test_attendance_participants_margin(past_booking, mediator, present, allowed):
    # 8 booked: margin max(2, 20 % of 8 rounded up = 2) = 2, so at most 10.
    assert attendance_margin(8) == 2
    if allowed:
        booking = attendance_record(
            booking=past_booking, by=mediator, present_participants=present, present_staff=2
        )
        assert booking.present_participants == present
    else:
        with pytest.raises(AttendanceError) as error:
            attendance_record(
                booking=past_booking, by=mediator, present_participants=present, present_staff=2
            )
        assert error.value.field == "present_participants"


def test_attendance_margin_grows_with_big_groups():
    assert attendance_margin(1) == 2
    assert attendance_margin(30) == 6


def test_attendance_staff_over_margin_refused_at_field(past_booking, mediator):
    with pytest.raises(AttendanceError) as error:
        attendance_record(booking=past_booking, by=mediator, present_participants=8, present_staff=5)

    assert error.value.field == "present_staff"


def test_attendance_refused_to_mediator_not_assigned(past_booking, other_mediator):
    with pytest.raises(AttendanceError):
        attendance_record(booking=past_booking, by=other_mediator, present_participants=8)

    assert AttendanceChange.objects.count() == 0


def test_attendance_refused_for_cancelled_booking(past_booking, mediator):
    past_booking.status = BookingStatus.CANCELLED
    past_booking.save()

    with pytest.raises(AttendanceError):
        attendance_record(booking=past_booking, by=mediator, present_participants=8)


def test_attendance_refused_for_cancelled_session(past_booking, mediator):
    session = past_booking.session
    session.status = SessionStatus.CANCELLED
    session.save()

    with pytest.raises(AttendanceError):
        attendance_record(booking=past_booking, by=mediator, present_participants=8)


def test_attendance_feeds_home_figures(past_booking, mediator, settings):
    settings.HOME_FIGURES_CACHE_SECONDS = 0  # figures computed each time, as they are without a cache
    before = home_figures()["people_accompanied"]

    attendance_record(booking=past_booking, by=mediator, present_participants=7, present_staff=2)

    assert home_figures()["people_accompanied"] == before + 7


def test_attendance_at_abc_session_adds_training_record(mediator):
    relais = MembershipFactory()
    offer = OfferFactory(kind=OfferKind.ABC, audience=Audience.RELAIS, min_group_size=1)
    session = session_at(timezone.now() - dt.timedelta(hours=3), offer=offer)
    assign(session, mediator)
    booking = BookingFactory(
        session=session,
        structure=relais.structure,
        attendee=relais.user,
        participants=1,
        accompanying_staff=0,
    )

    attendance_record(booking=booking, by=mediator, present_participants=1, present_staff=0)

    record = TrainingRecord.objects.get(user=relais.user)
    assert record.module == TrainingModule.ABC
    assert record.source == TrainingSource.ATTENDANCE
    assert record.session == session
    assert record.recorded_by == mediator
    assert record.completed_on == timezone.localdate(session.start)


def _abc_booking(mediator):
    relais = MembershipFactory()
    offer = OfferFactory(kind=OfferKind.ABC, audience=Audience.RELAIS, min_group_size=1)
    session = session_at(timezone.now() - dt.timedelta(hours=3), offer=offer)
    assign(session, mediator)
    return BookingFactory(
        session=session,
        structure=relais.structure,
        attendee=relais.user,
        participants=1,
        accompanying_staff=0,
    )


def test_abc_attendance_corrected_to_absent_takes_back_the_training_and_back_to_present_gives_it(mediator):
    booking = _abc_booking(mediator)
    relais = booking.attendee
    attendance_record(booking=booking, by=mediator, present_participants=1, present_staff=0)
    assert has_completed(relais, TrainingModule.ABC)

    attendance_record(booking=booking, by=mediator, absent=True)

    assert not has_completed(relais, TrainingModule.ABC)  # self-led visits are closed to them again
    attendance_record(booking=booking, by=mediator, present_participants=1, present_staff=0)
    assert has_completed(relais, TrainingModule.ABC)


def test_abc_attendance_corrected_to_absent_leaves_the_records_staff_entered(mediator, staff):
    booking = _abc_booking(mediator)
    relais = booking.attendee
    attendance_record(booking=booking, by=mediator, present_participants=1, present_staff=0)
    earlier = training_record_add(
        user=relais,
        module=TrainingModule.ABC,
        completed_on=timezone.localdate() - dt.timedelta(days=400),
        source=TrainingSource.STAFF,
        recorded_by=staff,
    )

    attendance_record(booking=booking, by=mediator, absent=True)

    assert list(TrainingRecord.objects.filter(user=relais)) == [earlier]


# --- The attendance window: one rule for the pages and the service ------------------------------


@pytest.mark.parametrize(
    ("hours_from_now", "status", "window"),
    [
        (2, SessionStatus.PLANNED, AttendanceWindow.NOT_YET),
        (2, SessionStatus.CANCELLED, AttendanceWindow.CANCELLED),
        (-2, SessionStatus.PLANNED, AttendanceWindow.OPEN),
        (-2, SessionStatus.CANCELLED, AttendanceWindow.CANCELLED),
        (-24 * 40, SessionStatus.PLANNED, AttendanceWindow.CLOSED),
    ],
)
def test_attendance_window_of_a_session(settings, hours_from_now, status, window):
    settings.ATTENDANCE_CORRECTION_DAYS = 30
    session = session_at(timezone.now() + dt.timedelta(hours=hours_from_now), status=status)

    assert attendance_window(session) is window
    assert attendance_is_open(session) is (window is AttendanceWindow.OPEN)


def test_attendance_window_closes_at_the_deadline_and_not_before(settings):
    settings.ATTENDANCE_CORRECTION_DAYS = 30
    session = session_at(timezone.now() - dt.timedelta(days=31))
    deadline = session.end + dt.timedelta(days=30)

    assert attendance_window(session, now=deadline) is AttendanceWindow.OPEN
    assert attendance_window(session, now=deadline + dt.timedelta(seconds=1)) is AttendanceWindow.CLOSED


# --- The attendance sheet: every group of a session, all or nothing -----------------------------


def test_attendance_sheet_record_saves_every_group(mediator):
    session = session_at(timezone.now() - dt.timedelta(hours=4))
    assign(session, mediator)
    first = BookingFactory(session=session, participants=8, accompanying_staff=2)
    second = BookingFactory(session=session, participants=5, accompanying_staff=1)

    saved = attendance_sheet_record(
        session=session,
        entries=[
            AttendanceEntry(booking=first, present_participants=7, present_staff=2),
            AttendanceEntry(booking=second, absent=True),
        ],
        by=mediator,
    )

    assert [(b.pk, b.status) for b in saved] == [
        (first.pk, BookingStatus.ATTENDED),
        (second.pk, BookingStatus.ABSENT),
    ]
    first.refresh_from_db()
    assert (first.present_participants, first.present_staff) == (7, 2)
    assert AttendanceChange.objects.count() == 2


def test_attendance_sheet_record_saves_nothing_and_names_each_group_refused(
    mediator, django_capture_on_commit_callbacks
):
    session = session_at(timezone.now() - dt.timedelta(hours=4), capacity=30)  # room for three groups
    assign(session, mediator)
    good = BookingFactory(session=session, participants=8, accompanying_staff=2)
    negative = BookingFactory(session=session, participants=8, accompanying_staff=2)
    too_many = BookingFactory(session=session, participants=8, accompanying_staff=2)

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(AttendanceSheetError) as error:
        attendance_sheet_record(
            session=session,
            entries=[
                AttendanceEntry(booking=good, present_participants=8, present_staff=2),
                AttendanceEntry(booking=negative, present_participants=-3, present_staff=2),
                AttendanceEntry(booking=too_many, present_participants=8, present_staff=9),
            ],
            by=mediator,
        )

    assert {pk: e.field for pk, e in error.value.errors.items()} == {
        negative.pk: "present_participants",
        too_many.pk: "present_staff",
    }
    assert error.value.errors[negative.pk].message == gettext("A number of people cannot be negative.")
    good.refresh_from_db()
    assert (good.status, good.present_participants) == (BookingStatus.CONFIRMED, None)
    assert AttendanceChange.objects.count() == 0
    assert callbacks == []  # nothing saved: the content version is not bumped either


def test_attendance_sheet_record_refuses_a_booking_of_another_session(mediator):
    session = session_at(timezone.now() - dt.timedelta(hours=4))
    other = session_at(timezone.now() - dt.timedelta(hours=5))
    assign(other, mediator)
    booking = BookingFactory(session=other)

    with pytest.raises(ValueError, match="is not one of session"):
        attendance_sheet_record(
            session=session, entries=[AttendanceEntry(booking=booking, absent=True)], by=mediator
        )

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_attendance_record_bumps_the_content_version(
    past_booking, mediator, django_capture_on_commit_callbacks
):
    before = content_version()

    with django_capture_on_commit_callbacks(execute=True):
        attendance_record(booking=past_booking, by=mediator, present_participants=7, present_staff=2)

    assert content_version() > before
