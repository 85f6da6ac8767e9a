"""booking_create, booking_change, booking_cancel: each rule and each rejection."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from bookings import services
from bookings.enums import BookingStatus
from bookings.models import Booking
from bookings.services import BookingError
from notifications.models import OutboxMessage
from partners.enums import StructureStatus
from partners.selectors import booking_refusal_reason
from programmes.enums import AccessibilityFeature, OfferKind, SessionStatus
from programmes.models import AccessibilityOption
from tests.bookings.factories import BookingFactory
from tests.partners.factories import MembershipFactory, UserFactory
from tests.programmes.factories import OfferFactory, SessionFactory

from .conftest import abc_record, group, regroup
from .seats import seats_taken

pytestmark = pytest.mark.django_db


def book(session, structure, user, **overrides):
    return services.booking_create(session=session, structure=structure, user=user, group=group(**overrides))


# --- booking_create: the happy paths ------------------------------------------------------------


def test_booking_create_confirms_the_group_and_queues_the_confirmation(session, structure, coordinator):
    lsf, _ = AccessibilityOption.objects.get_or_create(code=AccessibilityFeature.LSF)

    booking = book(session, structure, coordinator, accessibility_needs=[lsf], wheelchair_users=1)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert (booking.participants, booking.accompanying_staff, booking.wheelchair_users) == (8, 2, 1)
    assert booking.booked_by == coordinator
    assert booking.attendee is None
    assert list(booking.accessibility_needs.all()) == [lsf]
    assert seats_taken(session.pk) == 10
    message = OutboxMessage.objects.get()
    assert (message.template, message.to, message.booking_id) == (
        "booking_confirmed",
        coordinator.email,
        booking.pk,
    )
    assert message.context["offer_title"] == session.offer.title


def test_booking_create_takes_exactly_the_last_seats(offer, structure, coordinator):
    session = SessionFactory(offer=offer, capacity=20)
    BookingFactory(session=session, participants=8, accompanying_staff=2)

    booking = book(session, structure, coordinator, participants=8, accompanying_staff=2)

    assert booking.status == BookingStatus.CONFIRMED
    assert seats_taken(session.pk) == 20


def test_booking_create_per_person_offer_books_the_relais_themselves(structure, coordinator):
    session = SessionFactory(offer=OfferFactory(kind=OfferKind.ABC, min_group_size=1, max_group_size=1))
    colleague = MembershipFactory(structure=structure).user

    mine = book(session, structure, coordinator, participants=1, accompanying_staff=0)
    theirs = book(session, structure, colleague, participants=1, accompanying_staff=0)

    assert (mine.attendee, theirs.attendee) == (coordinator, colleague)
    assert seats_taken(session.pk) == 2


def test_booking_create_autonomous_visit_allowed_after_the_abc_module(structure, coordinator):
    session = SessionFactory(offer=OfferFactory(kind=OfferKind.AUTONOMOUS_VISIT, requires_abc_training=True))
    abc_record(coordinator)

    booking = book(session, structure, coordinator)

    assert booking.status == BookingStatus.CONFIRMED


def test_booking_create_staff_ratio_met_is_accepted(structure, coordinator):
    session = SessionFactory(offer=OfferFactory(participants_per_staff=8))

    booking = book(session, structure, coordinator, participants=16, accompanying_staff=2)

    assert booking.accompanying_staff == 2


# --- booking_create: each rejection ----------------------------------------------------------


def assert_refused(exc_info, code, field=None):
    assert exc_info.value.code == code
    assert exc_info.value.field == field
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED, booked_by__isnull=False).count() == 0


@pytest.mark.parametrize(
    "status", [StructureStatus.PENDING, StructureStatus.SUSPENDED, StructureStatus.ARCHIVED]
)
def test_booking_create_refused_when_structure_not_active(session, structure, coordinator, status):
    structure.status = status
    structure.save()

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator)

    assert_refused(exc_info, "structure_inactive")
    assert exc_info.value.message == booking_refusal_reason(coordinator, structure)


def test_booking_create_refused_when_user_is_not_a_coordinator_of_the_structure(session, structure):
    outsider = MembershipFactory().user

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, outsider)

    assert_refused(exc_info, "not_coordinator")
    assert exc_info.value.message == gettext(
        "You are not a coordinator of this structure, so you cannot act for it."
    )


def test_booking_create_refused_when_email_not_verified(session, structure, coordinator):
    coordinator.email_verified = False
    coordinator.save()

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator)

    assert_refused(exc_info, "cannot_book")


def test_booking_create_refused_when_session_cancelled(offer, structure, coordinator):
    session = SessionFactory(offer=offer, status=SessionStatus.CANCELLED)

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator)

    assert_refused(exc_info, "session_cancelled")
    assert exc_info.value.message == gettext("This session has been cancelled: please choose another date.")


def test_booking_create_refused_when_session_in_the_past(offer, structure, coordinator):
    start = timezone.now() - dt.timedelta(days=1)
    session = SessionFactory(offer=offer, start=start, booking_deadline=start - dt.timedelta(days=2))

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator)

    assert_refused(exc_info, "session_past")


def test_booking_create_refused_after_booking_deadline(offer, structure, coordinator):
    start = timezone.now() + dt.timedelta(hours=20)
    session = SessionFactory(offer=offer, start=start, booking_deadline=start - dt.timedelta(hours=24))

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator)

    assert_refused(exc_info, "deadline_passed")


def test_booking_create_refused_when_group_too_small(session, structure, coordinator):
    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator, participants=3)

    assert_refused(exc_info, "group_too_small", "participants")
    assert exc_info.value.message == gettext("This offer is for groups of at least %(min)d participants.") % {
        "min": 4
    }


def test_booking_create_refused_when_group_too_large(session, structure, coordinator):
    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator, participants=21)

    assert_refused(exc_info, "group_too_large", "participants")


def test_booking_create_refused_when_staff_ratio_not_met(structure, coordinator):
    session = SessionFactory(offer=OfferFactory(participants_per_staff=8))

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator, participants=16, accompanying_staff=1)

    assert_refused(exc_info, "staff_ratio", "accompanying_staff")
    assert "2" in exc_info.value.message


def test_booking_create_refused_when_more_wheelchairs_than_people(session, structure, coordinator):
    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator, participants=4, accompanying_staff=1, wheelchair_users=6)

    assert_refused(exc_info, "wheelchairs", "wheelchair_users")


def test_booking_create_refused_when_not_enough_seats_left(offer, structure, coordinator):
    session = SessionFactory(offer=offer, capacity=12)
    BookingFactory(session=session, participants=8, accompanying_staff=2)

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator, participants=4, accompanying_staff=0)

    assert exc_info.value.code == "no_seats"
    assert "2" in exc_info.value.message
    assert Booking.objects.filter(session=session).count() == 1


def test_booking_create_refused_when_session_full_says_waiting_list(offer, structure, coordinator):
    session = SessionFactory(offer=offer, capacity=10)
    BookingFactory(session=session, participants=8, accompanying_staff=2)

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator, participants=4, accompanying_staff=0)

    assert exc_info.value.code == "no_seats"
    assert exc_info.value.message == gettext(
        "This session is full. You can join its waiting list: we will email you if seats free up."
    )


def test_booking_create_counts_seats_held_by_a_live_waitlist_offer(offer, structure, coordinator):
    session = SessionFactory(offer=offer, capacity=10)
    BookingFactory(
        session=session,
        status=BookingStatus.WAITLISTED,
        participants=8,
        accompanying_staff=2,
        waitlist_offer_expires_at=timezone.now() + dt.timedelta(hours=10),
    )

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator, participants=4, accompanying_staff=0)

    assert exc_info.value.code == "no_seats"


def test_booking_create_refused_when_structure_already_booked_the_session(session, structure, coordinator):
    book(session, structure, coordinator)
    colleague = MembershipFactory(structure=structure).user

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, colleague, participants=5)

    assert exc_info.value.code == "already_booked"
    assert "change" in gettext(
        "Your structure has already booked this session. To change the number of people, change "
        "that booking instead of making a new one."
    )
    assert exc_info.value.message == gettext(
        "Your structure has already booked this session. To change the number of people, change "
        "that booking instead of making a new one."
    )
    assert Booking.objects.filter(session=session).count() == 1


def test_booking_create_after_a_cancelled_booking_is_allowed(session, structure, coordinator):
    BookingFactory(session=session, structure=structure, status=BookingStatus.CANCELLED)

    booking = book(session, structure, coordinator)

    assert booking.status == BookingStatus.CONFIRMED


def test_booking_create_refused_per_person_offer_with_a_group(structure, coordinator):
    session = SessionFactory(offer=OfferFactory(kind=OfferKind.DEEPENING, min_group_size=1, max_group_size=1))

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator, participants=5, accompanying_staff=1)

    assert_refused(exc_info, "per_person", "participants")


def test_booking_create_refused_per_person_offer_twice_for_the_same_relais(structure, coordinator):
    session = SessionFactory(offer=OfferFactory(kind=OfferKind.ABC, min_group_size=1, max_group_size=1))
    book(session, structure, coordinator, participants=1, accompanying_staff=0)

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator, participants=1, accompanying_staff=0)

    assert exc_info.value.code == "already_booked"
    assert exc_info.value.message == gettext("You already have a seat in this session.")


def test_booking_create_refused_autonomous_visit_without_the_abc_module(structure, coordinator):
    session = SessionFactory(offer=OfferFactory(kind=OfferKind.AUTONOMOUS_VISIT, requires_abc_training=True))

    with pytest.raises(BookingError) as exc_info:
        book(session, structure, coordinator)

    assert_refused(exc_info, "abc_required")


def test_booking_rules_each_have_their_own_message(offer, structure, coordinator):
    """One message per rule: no two rejections read the same."""
    ratio_session = SessionFactory(offer=OfferFactory(participants_per_staff=8))
    abc_session = SessionFactory(offer=OfferFactory(requires_abc_training=True))
    relais_session = SessionFactory(
        offer=OfferFactory(kind=OfferKind.ABC, min_group_size=1, max_group_size=1)
    )
    cancelled = SessionFactory(offer=offer, status=SessionStatus.CANCELLED)
    start = timezone.now() + dt.timedelta(hours=20)
    closed = SessionFactory(offer=offer, start=start, booking_deadline=start - dt.timedelta(hours=24))
    start = timezone.now() - dt.timedelta(days=1)
    past = SessionFactory(offer=offer, start=start, booking_deadline=start - dt.timedelta(hours=24))
    full = SessionFactory(offer=offer, capacity=10, place="Salle 4")
    BookingFactory(session=full, participants=8, accompanying_staff=2)
    attempts = [
        (cancelled, {}),
        (past, {}),
        (closed, {}),
        (SessionFactory(offer=offer, place="Salle 1"), {"participants": 2}),
        (SessionFactory(offer=offer, place="Salle 2"), {"participants": 30}),
        (ratio_session, {"participants": 16, "accompanying_staff": 0}),
        (abc_session, {}),
        (relais_session, {}),
        (full, {}),
        (
            SessionFactory(offer=offer, place="Salle 3"),
            {"participants": 4, "accompanying_staff": 0, "wheelchair_users": 5},
        ),
    ]
    messages = set()
    for session, overrides in attempts:
        with pytest.raises(BookingError) as exc_info:
            book(session, structure, coordinator, **overrides)
        messages.add(exc_info.value.message)

    assert len(messages) == len(attempts)


# --- booking_change ------------------------------------------------------------------------------


@pytest.fixture
def booking(session, structure, coordinator):
    return book(session, structure, coordinator)


def test_booking_change_larger_group_within_seats(booking, coordinator):
    changed = services.booking_change(
        booking=booking, user=coordinator, group=regroup(booking, participants=12, accompanying_staff=3)
    )

    booking.refresh_from_db()
    assert (booking.participants, booking.accompanying_staff) == (12, 3)
    assert changed.seats == 15
    assert OutboxMessage.objects.filter(template="booking_changed", booking=booking).count() == 1


def test_booking_change_refused_beyond_the_seats_left(offer, structure, coordinator):
    session = SessionFactory(offer=offer, capacity=20)
    BookingFactory(session=session, participants=8, accompanying_staff=2)
    booking = book(session, structure, coordinator, participants=6, accompanying_staff=2)

    with pytest.raises(BookingError) as exc_info:
        services.booking_change(
            booking=booking, user=coordinator, group=regroup(booking, participants=10, accompanying_staff=2)
        )

    assert exc_info.value.code == "no_seats"
    booking.refresh_from_db()
    assert booking.participants == 6


def test_booking_change_refused_outside_the_group_limits(booking, coordinator):
    with pytest.raises(BookingError) as exc_info:
        services.booking_change(
            booking=booking, user=coordinator, group=regroup(booking, participants=2, accompanying_staff=1)
        )

    assert exc_info.value.code == "group_too_small"


def test_booking_change_refused_after_the_cancellation_deadline(offer, structure, coordinator):
    start = timezone.now() + dt.timedelta(hours=30)
    session = SessionFactory(offer=offer, start=start, booking_deadline=start - dt.timedelta(hours=1))
    booking = book(session, structure, coordinator)

    with pytest.raises(BookingError) as exc_info:
        services.booking_change(
            booking=booking, user=coordinator, group=regroup(booking, participants=5, accompanying_staff=1)
        )

    assert exc_info.value.code == "deadline_passed"
    assert "03 21 18 62 62" in exc_info.value.message


def test_booking_change_after_booking_deadline_may_shrink_not_grow(offer, structure, coordinator):
    start = timezone.now() + dt.timedelta(hours=60)
    session = SessionFactory(offer=offer, start=start, booking_deadline=start - dt.timedelta(hours=1))
    booking = book(session, structure, coordinator)
    session.booking_deadline = timezone.now() - dt.timedelta(hours=1)
    session.save()

    with pytest.raises(BookingError) as exc_info:
        services.booking_change(
            booking=booking, user=coordinator, group=regroup(booking, participants=12, accompanying_staff=2)
        )
    smaller = services.booking_change(
        booking=booking, user=coordinator, group=regroup(booking, participants=5, accompanying_staff=1)
    )

    assert exc_info.value.code == "deadline_passed"
    assert smaller.seats == 6


def test_booking_change_refused_for_a_cancelled_booking(booking, coordinator):
    services.booking_cancel(booking=booking, user=coordinator)

    with pytest.raises(BookingError) as exc_info:
        services.booking_change(
            booking=booking, user=coordinator, group=regroup(booking, participants=5, accompanying_staff=1)
        )

    assert exc_info.value.code == "not_confirmed"


def test_booking_change_refused_to_a_coordinator_of_another_structure(booking):
    outsider = MembershipFactory().user

    with pytest.raises(BookingError) as exc_info:
        services.booking_change(
            booking=booking, user=outsider, group=regroup(booking, participants=5, accompanying_staff=1)
        )

    assert exc_info.value.code == "not_coordinator"


# --- booking_cancel ------------------------------------------------------------------------------


def test_booking_cancel_frees_the_seats_and_queues_the_email(booking, coordinator, session):
    cancelled = services.booking_cancel(booking=booking, user=coordinator)

    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.cancelled_at is not None
    assert seats_taken(session.pk) == 0
    assert OutboxMessage.objects.filter(template="booking_cancelled", booking=booking).count() == 1


def test_booking_cancel_refused_after_the_deadline_gives_the_museum_contact(
    offer, structure, coordinator, settings
):
    start = timezone.now() + dt.timedelta(hours=30)
    session = SessionFactory(offer=offer, start=start, booking_deadline=start - dt.timedelta(hours=1))
    booking = book(session, structure, coordinator)

    with pytest.raises(BookingError) as exc_info:
        services.booking_cancel(booking=booking, user=coordinator)

    assert exc_info.value.code == "deadline_passed"
    assert settings.MUSEUM_PHONE in exc_info.value.message
    assert settings.MUSEUM_CONTACT_EMAIL in exc_info.value.message
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_booking_cancel_twice_is_refused(booking, coordinator):
    services.booking_cancel(booking=booking, user=coordinator)

    with pytest.raises(BookingError) as exc_info:
        services.booking_cancel(booking=booking, user=coordinator)

    assert exc_info.value.code == "not_active"


def test_booking_cancel_refused_to_a_coordinator_of_another_structure(booking):
    with pytest.raises(BookingError) as exc_info:
        services.booking_cancel(booking=booking, user=UserFactory())

    assert exc_info.value.code == "not_coordinator"


def test_booking_cancel_email_goes_to_every_coordinator_of_the_structure(booking, structure):
    colleague = MembershipFactory(structure=structure).user

    services.booking_cancel(booking=booking, user=colleague)

    recipients = OutboxMessage.objects.filter(template="booking_cancelled").values_list("to", flat=True)
    assert sorted(recipients) == sorted([booking.booked_by.email, colleague.email])


def test_booking_cancel_email_goes_to_every_coordinator_once_the_booker_has_left(booking, structure):
    colleagues = [MembershipFactory(structure=structure).user for _ in range(2)]
    booking.booked_by.memberships.filter(structure=structure).delete()

    services.booking_cancel(booking=booking, user=colleagues[0])

    recipients = OutboxMessage.objects.filter(template="booking_cancelled").values_list("to", flat=True)
    assert sorted(recipients) == sorted(user.email for user in colleagues)
