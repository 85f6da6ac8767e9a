"""The database constraints of the bookings app reject bad data, and let the valid case through.

Writes go through `QuerySet.update()` or `create()`, which skip the forms' and models' validation:
what is tested here is the last line of defence, the database itself. tests/common/test_constraints.py
checks that every constraint of the models has its test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bookings.enums import BookingStatus
from bookings.models import Reminder, ReminderPolicy
from tests.bookings.factories import BookingFactory, ProjectRequestFactory
from tests.constraints import accepted, rejected, update
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db


def _reminder():
    return Reminder.objects.create(booking=BookingFactory(), kind="first", due_at=timezone.now())


# Check constraints: (constraint, make a valid row, bad values, good values)
CHECKS = [
    (
        "booking_participants_positive",
        BookingFactory,
        lambda o: {"participants": 0},
        lambda o: {"participants": 1},
    ),
    (
        "booking_wheelchairs_within_group",
        BookingFactory,
        lambda o: {"wheelchair_users": o.participants + o.accompanying_staff + 1},
        lambda o: {"wheelchair_users": o.participants + o.accompanying_staff},
    ),
    ("booking_status_valid", BookingFactory, lambda o: {"status": "maybe"}, lambda o: {"status": "absent"}),
    (
        "request_period_ordered",
        ProjectRequestFactory,
        lambda o: {"wished_end": o.wished_start - dt.timedelta(days=1)},
        lambda o: {"wished_end": o.wished_start},
    ),
    (
        "request_participants_positive",
        ProjectRequestFactory,
        lambda o: {"participants": 0},
        lambda o: {"participants": 1},
    ),
    (
        "request_status_valid",
        ProjectRequestFactory,
        lambda o: {"status": "lost"},
        lambda o: {"status": "declined"},
    ),
    (
        "reminder_policy_kind_valid",
        lambda: ReminderPolicy.objects.create(offer_kind="abc"),
        lambda o: {"offer_kind": "concert"},
        lambda o: {"offer_kind": "workshop"},
    ),
    (
        "reminder_policy_first_before_last",
        lambda: ReminderPolicy.objects.create(offer_kind="abc"),
        lambda o: {"first_days_before": 2, "last_days_before": 2},
        lambda o: {"first_days_before": 3, "last_days_before": 2},
    ),
    (
        "reminder_policy_first_positive",
        lambda: ReminderPolicy.objects.create(offer_kind="abc", last_days_before=None),
        lambda o: {"first_days_before": 0},
        lambda o: {"first_days_before": 1},
    ),
    (
        "reminder_policy_last_positive",
        lambda: ReminderPolicy.objects.create(offer_kind="abc", first_days_before=None),
        lambda o: {"last_days_before": 0},
        lambda o: {"last_days_before": 1},
    ),
    ("reminder_kind_valid", _reminder, lambda o: {"kind": "third"}, lambda o: {"kind": "last"}),
]


@pytest.mark.parametrize(("name", "make", "bad", "good"), CHECKS, ids=[check[0] for check in CHECKS])
def test_check_constraint_rejects_bad_data_and_accepts_good_data(name, make, bad, good):
    obj = make()

    assert rejected(update(obj, **bad(obj))), f"{name} let bad data through"
    assert accepted(update(obj, **good(obj))), f"{name} refused good data"


# Unique constraints (with conditions), each tested below
UNIQUE_TESTED = {
    "booking_one_active_group_per_structure_session",
    "booking_one_active_seat_per_relais_session",
    "reminder_unique_booking_kind",
}


@pytest.mark.parametrize("second_status", [BookingStatus.CONFIRMED, BookingStatus.WAITLISTED])
def test_booking_one_active_group_per_structure_session_rejects_a_second_active_booking(second_status):
    first = BookingFactory()

    assert rejected(
        lambda: BookingFactory(session=first.session, structure=first.structure, status=second_status)
    )


def test_booking_one_active_group_per_structure_session_accepts_a_new_booking_after_a_cancellation():
    first = BookingFactory(status=BookingStatus.CANCELLED)

    assert accepted(lambda: BookingFactory(session=first.session, structure=first.structure))
    assert accepted(
        lambda: BookingFactory(
            session=first.session, structure=first.structure, status=BookingStatus.CANCELLED
        )
    )


def test_booking_one_active_seat_per_relais_session_rejects_the_same_relais_twice():
    relais = UserFactory()
    first = BookingFactory(attendee=relais, participants=1, accompanying_staff=0)

    assert rejected(lambda: BookingFactory(session=first.session, attendee=relais, participants=1))
    # Two relais of the same structure may each take a seat.
    assert accepted(
        lambda: BookingFactory(
            session=first.session, structure=first.structure, attendee=UserFactory(), participants=1
        )
    )


def test_booking_one_active_seat_per_relais_session_accepts_a_seat_again_after_a_cancellation():
    relais = UserFactory()
    first = BookingFactory(attendee=relais, participants=1, status=BookingStatus.CANCELLED)

    assert accepted(lambda: BookingFactory(session=first.session, attendee=relais, participants=1))


def test_reminder_unique_booking_kind_rejects_a_second_reminder_of_the_same_kind():
    reminder = _reminder()

    assert rejected(
        lambda: Reminder.objects.create(booking=reminder.booking, kind="first", due_at=timezone.now())
    )
    assert accepted(
        lambda: Reminder.objects.create(booking=reminder.booking, kind="last", due_at=timezone.now())
    )


# Unique fields
UNIQUE_FIELDS = [
    (
        "bookings.ReminderPolicy.offer_kind",
        lambda: ReminderPolicy.objects.create(offer_kind="abc"),
        lambda o: ReminderPolicy.objects.create(offer_kind=o.offer_kind),
    ),
]


@pytest.mark.parametrize(("name", "make", "duplicate"), UNIQUE_FIELDS, ids=[u[0] for u in UNIQUE_FIELDS])
def test_unique_field_rejects_a_duplicate(name, make, duplicate):
    obj = make()

    assert rejected(lambda: duplicate(obj)), f"{name} accepted a duplicate"
