"""Every database constraint rejects bad data at the database level, and lets the valid case through.

Writes go through `QuerySet.update()` or `create()`, which skip the forms' and models' validation:
what is tested here is the last line of defence, the database itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from bookings.enums import BookingStatus
from bookings.models import Booking, Reminder, ReminderPolicy
from notifications.models import OutboxMessage
from partners.models import Invitation, Membership, TrainingRecord, User
from programmes.models import AccessibilityOption, Assignment, ClosingDay, MediatorUnavailability, Session
from tests.factories import (
    BookingFactory,
    ExhibitionFactory,
    OfferFactory,
    ProjectFactory,
    ProjectRequestFactory,
    SessionFactory,
    StructureFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

APPS = ["partners", "programmes", "bookings", "notifications"]


def rejected(write: Callable[[], object]) -> bool:
    """True when the database refuses the write (the transaction is rolled back)."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


def accepted(write: Callable[[], object]) -> bool:
    return not rejected(write)


def update(obj, **values) -> Callable[[], int]:
    return lambda: type(obj).objects.filter(pk=obj.pk).update(**values)


# --------------------------------------------------------------------------------------------
# Check constraints: (constraint, make a valid row, bad values, good values)
# --------------------------------------------------------------------------------------------


def _invitation():
    return Invitation.objects.create(
        structure=StructureFactory(),
        email="collegue@exemple.fr",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )


def _unavailability():
    start = timezone.now() + dt.timedelta(days=3)
    return MediatorUnavailability.objects.create(
        mediator=UserFactory(), start=start, end=start + dt.timedelta(hours=8), reason="Formation"
    )


def _outbox():
    return OutboxMessage.objects.create(
        dedupe_key="test", template="structure_approve", to="a@exemple.fr", not_before=timezone.now()
    )


def _reminder():
    return Reminder.objects.create(booking=BookingFactory(), kind="first", due_at=timezone.now())


CHECKS = [
    (
        "structure_status_valid",
        StructureFactory,
        lambda o: {"status": "closed"},
        lambda o: {"status": "archived"},
    ),
    ("structure_kind_valid", StructureFactory, lambda o: {"kind": "zoo"}, lambda o: {"kind": "esat"}),
    (
        "structure_siret_14_digits",
        StructureFactory,
        lambda o: {"siret": "1234567890123A"},
        lambda o: {"siret": "12345678901234"},
    ),
    (
        "structure_postcode_5_digits",
        StructureFactory,
        lambda o: {"postcode": "6230"},
        lambda o: {"postcode": "59000"},
    ),
    (
        "invitation_expires_after_creation",
        _invitation,
        lambda o: {"expires_at": o.created_at},
        lambda o: {"expires_at": o.created_at + dt.timedelta(seconds=1)},
    ),
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
    ("outbox_state_valid", _outbox, lambda o: {"state": "lost"}, lambda o: {"state": "sent"}),
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


# --------------------------------------------------------------------------------------------
# Unique constraints (with conditions)
# --------------------------------------------------------------------------------------------


def test_structure_unique_siret_rejects_a_second_structure_with_the_same_siret():
    StructureFactory(siret="12345678901234")

    assert rejected(lambda: StructureFactory(siret="12345678901234"))
    assert accepted(lambda: [StructureFactory(siret=""), StructureFactory(siret="")])


def test_structure_unique_name_city_rejects_the_same_name_in_the_same_city_whatever_the_case():
    StructureFactory(name="Centre social La Ruche", city="Harnes")

    assert rejected(lambda: StructureFactory(name="CENTRE SOCIAL LA RUCHE", city="harnes"))
    assert accepted(lambda: StructureFactory(name="Centre social La Ruche", city="Lens"))


def test_membership_unique_user_structure_rejects_a_second_membership():
    user, structure = UserFactory(), StructureFactory()
    Membership.objects.create(user=user, structure=structure)

    assert rejected(lambda: Membership.objects.create(user=user, structure=structure))
    assert accepted(lambda: Membership.objects.create(user=user, structure=StructureFactory()))


def test_training_unique_per_day_rejects_the_same_module_twice_the_same_day():
    user, day = UserFactory(), timezone.localdate()
    TrainingRecord.objects.create(user=user, module="abc", completed_on=day, source="staff")

    assert rejected(
        lambda: TrainingRecord.objects.create(user=user, module="abc", completed_on=day, source="staff")
    )
    assert accepted(
        lambda: TrainingRecord.objects.create(user=user, module="deepening", completed_on=day, source="staff")
    )


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


# --------------------------------------------------------------------------------------------
# Unique fields
# --------------------------------------------------------------------------------------------

UNIQUE_FIELDS = [
    ("partners.User.email", lambda: UserFactory(email="a@exemple.fr"), lambda o: UserFactory(email=o.email)),
    (
        "partners.User.calendar_token",
        UserFactory,
        lambda o: UserFactory(calendar_token=o.calendar_token),
    ),
    (
        "partners.Invitation.token",
        _invitation,
        lambda o: Invitation.objects.create(
            structure=o.structure, email="b@exemple.fr", token=o.token, expires_at=o.expires_at
        ),
    ),
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
    (
        "notifications.OutboxMessage.dedupe_key",
        _outbox,
        lambda o: OutboxMessage.objects.create(
            dedupe_key=o.dedupe_key, template="x", to="b@exemple.fr", not_before=timezone.now()
        ),
    ),
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


# --------------------------------------------------------------------------------------------
# Nothing is left untested
# --------------------------------------------------------------------------------------------

UNIQUE_TESTED = {
    "structure_unique_siret",
    "structure_unique_name_city",
    "membership_unique_user_structure",
    "training_unique_per_day",
    "session_unique_offer_start_place",
    "assignment_unique_session_mediator",
    "booking_one_active_group_per_structure_session",
    "booking_one_active_seat_per_relais_session",
    "reminder_unique_booking_kind",
}


def test_every_constraint_of_the_models_has_a_test_here():
    declared = set()
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            if model._meta.proxy or model.__name__.startswith("Historical"):
                continue
            declared |= {constraint.name for constraint in model._meta.constraints}
            declared |= {
                f"{model._meta.label}.{field.name}"
                for field in model._meta.local_fields
                if field.unique and not field.primary_key
            }
    tested = {check[0] for check in CHECKS} | UNIQUE_TESTED | {unique[0] for unique in UNIQUE_FIELDS}

    assert declared - tested == set(), "constraints without a test"
    assert tested - declared == set(), "tests of constraints that no longer exist"


def test_user_email_duplicate_is_rejected_even_through_the_manager():
    User.objects.create_user(email="Camille@Exemple.fr", password="x")

    assert rejected(lambda: User.objects.create_user(email="camille@exemple.fr", password="x"))
