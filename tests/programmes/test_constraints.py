"""The database constraints of the programmes app reject bad data, and let the valid case through.

Writes go through `QuerySet.update()` or `create()`, which skip the forms' and models' validation:
what is tested here is the last line of defence, the database itself. tests/common/test_constraints.py
checks that every constraint of the models has its test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F
from django.utils import timezone

from bookings.models import Booking
from programmes.models import AccessibilityOption, Assignment, ClosingDay, MediatorUnavailability, Session
from tests.bookings.factories import BookingFactory
from tests.constraints import accepted, rejected, update
from tests.partners.factories import UserFactory
from tests.programmes.factories import ExhibitionFactory, OfferFactory, ProjectFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _unavailability():
    start = timezone.now() + dt.timedelta(days=3)
    return MediatorUnavailability.objects.create(
        mediator=UserFactory(), start=start, end=start + dt.timedelta(hours=8), reason="Formation"
    )


# Check constraints: (constraint, make a valid row, bad values, good values)
CHECKS = [
    (
        "exhibition_end_after_start",
        ExhibitionFactory,
        lambda o: {"end_date": o.start_date - dt.timedelta(days=1)},
        lambda o: {"end_date": o.start_date},
    ),
    (
        "exhibition_kind_valid",
        ExhibitionFactory,
        lambda o: {"kind": "virtual"},
        lambda o: {"kind": "permanent"},
    ),
    (
        "offer_duration_positive",
        OfferFactory,
        lambda o: {"duration_minutes": 0},
        lambda o: {"duration_minutes": 1},
    ),
    (
        "offer_min_group_positive",
        OfferFactory,
        lambda o: {"min_group_size": 0},
        lambda o: {"min_group_size": 1},
    ),
    (
        "offer_max_group_at_least_min",
        OfferFactory,
        lambda o: {"max_group_size": o.min_group_size - 1},
        lambda o: {"max_group_size": o.min_group_size},
    ),
    (
        "offer_staff_ratio_positive",
        OfferFactory,
        lambda o: {"participants_per_staff": 0},
        lambda o: {"participants_per_staff": 1},
    ),
    ("offer_kind_valid", OfferFactory, lambda o: {"kind": "concert"}, lambda o: {"kind": "workshop"}),
    (
        "offer_audience_valid",
        OfferFactory,
        lambda o: {"audience": "everyone"},
        lambda o: {"audience": "relais"},
    ),
    (
        "project_end_after_start",
        ProjectFactory,
        lambda o: {"end_date": o.start_date - dt.timedelta(days=1)},
        lambda o: {"end_date": o.start_date},
    ),
    ("session_capacity_positive", SessionFactory, lambda o: {"capacity": 0}, lambda o: {"capacity": 1}),
    (
        "session_seats_within_capacity",
        SessionFactory,
        lambda o: {"seats_taken": o.capacity + 1},
        lambda o: {"seats_taken": o.capacity},
    ),
    (
        "session_end_after_start",
        SessionFactory,
        lambda o: {"end": o.start},
        lambda o: {"end": o.start + dt.timedelta(minutes=1)},
    ),
    (
        "session_deadline_before_start",
        SessionFactory,
        lambda o: {"booking_deadline": o.start + dt.timedelta(seconds=1)},
        lambda o: {"booking_deadline": o.start},
    ),
    (
        "session_status_valid",
        SessionFactory,
        lambda o: {"status": "postponed"},
        lambda o: {"status": "cancelled"},
    ),
    (
        "unavailability_end_after_start",
        _unavailability,
        lambda o: {"end": o.start},
        lambda o: {"end": o.start + dt.timedelta(minutes=1)},
    ),
]


@pytest.mark.parametrize(("name", "make", "bad", "good"), CHECKS, ids=[check[0] for check in CHECKS])
def test_check_constraint_rejects_bad_data_and_accepts_good_data(name, make, bad, good):
    obj = make()

    assert rejected(update(obj, **bad(obj))), f"{name} let bad data through"
    assert accepted(update(obj, **good(obj))), f"{name} refused good data"


# Unique constraints (with conditions), each tested below
UNIQUE_TESTED = {
    "session_unique_offer_start_place",
    "assignment_unique_session_mediator",
}


def test_session_seats_within_capacity_rejects_an_overbooking_written_directly():
    session = SessionFactory(capacity=10)
    BookingFactory(session=session, participants=8, accompanying_staff=2)

    # One more seat counted on the full session, or one more group inserted and its seats counted.
    assert rejected(update(session, seats_taken=F("seats_taken") + 1))
    assert rejected(lambda: BookingFactory(session=session, participants=1, accompanying_staff=0))
    assert Session.objects.get(pk=session.pk).seats_taken == 10
    assert Booking.objects.filter(session=session).count() == 1


def test_session_unique_offer_start_place_rejects_a_duplicate_session():
    session = SessionFactory()

    assert rejected(lambda: SessionFactory(offer=session.offer, start=session.start, place=session.place))
    assert accepted(
        lambda: SessionFactory(offer=session.offer, start=session.start, place="Pavillon de verre")
    )


def test_assignment_unique_session_mediator_rejects_assigning_a_mediator_twice():
    session, mediator = SessionFactory(), UserFactory()
    Assignment.objects.create(session=session, mediator=mediator)

    assert rejected(lambda: Assignment.objects.create(session=session, mediator=mediator))
    assert accepted(lambda: Assignment.objects.create(session=session, mediator=UserFactory()))


# Unique fields
UNIQUE_FIELDS = [
    (
        "programmes.AccessibilityOption.code",
        lambda: AccessibilityOption.objects.get_or_create(code="lsf")[0],
        lambda o: AccessibilityOption.objects.create(code=o.code),
    ),
    ("programmes.Exhibition.slug", ExhibitionFactory, lambda o: ExhibitionFactory(slug=o.slug)),
    ("programmes.Offer.slug", OfferFactory, lambda o: OfferFactory(slug=o.slug)),
    ("programmes.Project.slug", ProjectFactory, lambda o: ProjectFactory(slug=o.slug)),
    (
        "programmes.ClosingDay.date",
        lambda: ClosingDay.objects.create(date=dt.date(2030, 12, 25), label="Noël"),
        lambda o: ClosingDay.objects.create(date=o.date, label="Encore Noël"),
    ),
]


@pytest.mark.parametrize(("name", "make", "duplicate"), UNIQUE_FIELDS, ids=[u[0] for u in UNIQUE_FIELDS])
def test_unique_field_rejects_a_duplicate(name, make, duplicate):
    obj = make()

    assert rejected(lambda: duplicate(obj)), f"{name} accepted a duplicate"
