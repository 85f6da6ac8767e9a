"""The waiting list: joining, order, offers of freed seats, confirmation, expiry, leaving."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from bookings import services
from bookings.enums import BookingStatus
from bookings.models import Booking
from bookings.services import BookingError
from bookings.sessions import session_update
from notifications.models import OutboxMessage
from programmes.services import ProgrammeError
from tests.bookings.factories import BookingFactory
from tests.partners.factories import MembershipFactory
from tests.programmes.factories import SessionFactory

from .conftest import group, regroup, seats_recounted
from .seats import seats_taken

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_session(offer):
    """10 seats, all taken by one group of 8 + 2."""
    session = SessionFactory(offer=offer, capacity=10)
    BookingFactory(session=session, participants=8, accompanying_staff=2)
    return session


def waiting(session, **sizes):
    """A coordinator of another structure joins the waiting list; returns (booking, user)."""
    user = MembershipFactory().user
    booking = services.waitlist_join(
        session=session, structure=user.memberships.get().structure, user=user, group=group(**sizes)
    )
    return booking, user


def test_waitlist_join_on_a_full_session(full_session, structure, coordinator):
    booking = services.waitlist_join(
        session=full_session, structure=structure, user=coordinator, group=group()
    )

    assert booking.status == BookingStatus.WAITLISTED
    assert booking.waitlist_offer_expires_at is None
    assert seats_taken(full_session.pk) == 10
    assert OutboxMessage.objects.filter(template="waitlist_joined", booking=booking).count() == 1


def test_waitlist_join_refused_when_the_group_fits(session, structure, coordinator):
    with pytest.raises(BookingError) as exc_info:
        services.waitlist_join(session=session, structure=structure, user=coordinator, group=group())

    assert exc_info.value.code == "seats_available"
    assert not Booking.objects.exists()


def test_waitlist_join_refused_when_the_group_is_larger_than_the_session(offer, structure, coordinator):
    session = SessionFactory(offer=offer, capacity=8)

    with pytest.raises(BookingError) as exc_info:
        services.waitlist_join(
            session=session,
            structure=structure,
            user=coordinator,
            group=group(participants=8, accompanying_staff=2),
        )

    assert exc_info.value.code == "larger_than_session"


def test_waitlist_join_twice_is_refused(full_session, structure, coordinator):
    services.waitlist_join(session=full_session, structure=structure, user=coordinator, group=group())

    with pytest.raises(BookingError) as exc_info:
        services.waitlist_join(session=full_session, structure=structure, user=coordinator, group=group())

    assert exc_info.value.code == "already_waiting"


def test_booking_while_on_the_waiting_list_is_refused_with_its_own_message(
    full_session, structure, coordinator
):
    services.waitlist_join(session=full_session, structure=structure, user=coordinator, group=group())

    with pytest.raises(BookingError) as exc_info:
        services.booking_create(session=full_session, structure=structure, user=coordinator, group=group())

    assert exc_info.value.code == "already_waiting"


def test_cancellation_offers_the_seats_to_the_first_waiting_group(full_session, settings):
    first, _ = waiting(full_session, participants=4, accompanying_staff=1)
    second, _ = waiting(full_session, participants=4, accompanying_staff=1)
    third, _ = waiting(full_session, participants=4, accompanying_staff=1)
    seated = Booking.objects.get(session=full_session, status=BookingStatus.CONFIRMED)
    owner = MembershipFactory(structure=seated.structure).user
    before = timezone.now()

    services.booking_cancel(booking=seated, user=owner)

    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    hours = dt.timedelta(hours=settings.WAITLIST_OFFER_HOURS)
    assert before + hours <= first.waitlist_offer_expires_at <= timezone.now() + hours
    assert second.waitlist_offer_expires_at == first.waitlist_offer_expires_at
    assert third.waitlist_offer_expires_at is None
    assert [first.status, second.status, third.status] == [BookingStatus.WAITLISTED] * 3
    # Live offers hold their seats.
    assert seats_taken(full_session.pk) == 10
    assert set(
        OutboxMessage.objects.filter(template="waitlist_offer").values_list("booking_id", flat=True)
    ) == {
        first.pk,
        second.pk,
    }


def test_freed_seats_skip_a_waiting_group_that_does_not_fit(full_session):
    big, _ = waiting(full_session, participants=8, accompanying_staff=2)
    small, _ = waiting(full_session, participants=4, accompanying_staff=1)
    seated = Booking.objects.get(session=full_session, status=BookingStatus.CONFIRMED)
    owner = MembershipFactory(structure=seated.structure).user

    services.booking_change(
        booking=seated, user=owner, group=regroup(seated, participants=4, accompanying_staff=1)
    )

    big.refresh_from_db()
    small.refresh_from_db()
    assert big.waitlist_offer_expires_at is None
    assert small.waitlist_offer_expires_at is not None


def capacity_changed(session, capacity: int):
    """Staff change the session's capacity (the admin's `session_update`), nothing else."""
    return session_update(
        session=session, start=session.start, end=session.end, place=session.place, capacity=capacity
    )


def test_waitlist_offer_next_serves_in_order_of_joining(full_session, django_capture_on_commit_callbacks):
    late, _ = waiting(full_session, participants=4, accompanying_staff=1)
    early, _ = waiting(full_session, participants=4, accompanying_staff=1)
    Booking.objects.filter(pk=early.pk).update(created_at=late.created_at - dt.timedelta(minutes=5))
    Booking.objects.filter(session=full_session, status=BookingStatus.CONFIRMED).update(
        status=BookingStatus.CANCELLED
    )
    seats_recounted(full_session)
    capacity_changed(full_session, 1)  # no seat for either

    with django_capture_on_commit_callbacks(execute=True):  # new seats are offered once committed
        changed = capacity_changed(full_session, 5)

    assert changed.capacity == 5
    early.refresh_from_db()
    late.refresh_from_db()
    assert early.waitlist_offer_expires_at is not None
    assert late.waitlist_offer_expires_at is None


def test_waitlist_offer_next_returns_the_groups_offered(full_session):
    first, _ = waiting(full_session, participants=4, accompanying_staff=1)
    Booking.objects.filter(session=full_session, status=BookingStatus.CONFIRMED).update(
        status=BookingStatus.CANCELLED
    )
    seats_recounted(full_session)

    offered = services.waitlist_offer_next(session=full_session)

    assert [b.pk for b in offered] == [first.pk]
    assert services.waitlist_offer_next(session=full_session) == []


def test_waitlist_confirm_within_the_delay(full_session):
    first, user = waiting(full_session, participants=4, accompanying_staff=1)
    Booking.objects.filter(session=full_session, status=BookingStatus.CONFIRMED).update(
        status=BookingStatus.CANCELLED
    )
    seats_recounted(full_session)
    services.waitlist_offer_next(session=full_session)

    confirmed = services.waitlist_confirm(booking=first, user=user)

    assert confirmed.status == BookingStatus.CONFIRMED
    assert confirmed.waitlist_offer_expires_at is None
    assert seats_taken(full_session.pk) == 5
    assert OutboxMessage.objects.filter(template="booking_confirmed", booking=first).count() == 1


def test_waitlist_confirm_refused_without_an_offer(full_session):
    first, user = waiting(full_session)

    with pytest.raises(BookingError) as exc_info:
        services.waitlist_confirm(booking=first, user=user)

    assert exc_info.value.code == "no_offer"


def test_waitlist_confirm_refused_after_expiry(full_session):
    first, user = waiting(full_session)
    Booking.objects.filter(pk=first.pk).update(
        waitlist_offer_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )

    with pytest.raises(BookingError) as exc_info:
        services.waitlist_confirm(booking=first, user=user)

    assert exc_info.value.code == "offer_expired"
    first.refresh_from_db()
    assert first.status == BookingStatus.WAITLISTED


def test_waitlist_confirm_refused_to_another_structure(full_session):
    first, _ = waiting(full_session)
    Booking.objects.filter(pk=first.pk).update(
        waitlist_offer_expires_at=timezone.now() + dt.timedelta(hours=1)
    )

    with pytest.raises(BookingError) as exc_info:
        services.waitlist_confirm(booking=first, user=MembershipFactory().user)

    assert exc_info.value.code == "not_coordinator"


def test_waitlist_expire_offers_passes_the_seats_to_the_next_group(full_session):
    first, _ = waiting(full_session, participants=4, accompanying_staff=1)
    second, _ = waiting(full_session, participants=4, accompanying_staff=1)
    Booking.objects.filter(session=full_session, status=BookingStatus.CONFIRMED).update(participants=3)
    seats_recounted(full_session)
    services.waitlist_offer_next(session=full_session)
    first.refresh_from_db()
    assert first.waitlist_offer_expires_at is not None
    Booking.objects.filter(pk=first.pk).update(
        waitlist_offer_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    expired = services.waitlist_expire_offers()

    first.refresh_from_db()
    second.refresh_from_db()
    assert expired == 1
    assert first.status == BookingStatus.CANCELLED
    assert second.waitlist_offer_expires_at is not None
    assert OutboxMessage.objects.filter(template="waitlist_offer_expired", booking=first).count() == 1
    assert OutboxMessage.objects.filter(template="waitlist_offer", booking=second).count() == 1


def test_waitlist_expire_offers_leaves_live_offers_alone(full_session):
    first, _ = waiting(full_session)
    Booking.objects.filter(pk=first.pk).update(
        waitlist_offer_expires_at=timezone.now() + dt.timedelta(hours=1)
    )

    assert services.waitlist_expire_offers() == 0

    first.refresh_from_db()
    assert first.status == BookingStatus.WAITLISTED


def test_waitlist_leave(full_session):
    first, user = waiting(full_session)

    left = services.waitlist_leave(booking=first, user=user)

    assert left.status == BookingStatus.CANCELLED


def test_waitlist_leave_with_a_live_offer_passes_it_on(full_session):
    first, user = waiting(full_session, participants=4, accompanying_staff=1)
    second, _ = waiting(full_session, participants=4, accompanying_staff=1)
    Booking.objects.filter(session=full_session, status=BookingStatus.CONFIRMED).update(participants=3)
    seats_recounted(full_session)
    services.waitlist_offer_next(session=full_session)

    services.waitlist_leave(booking=first, user=user)

    second.refresh_from_db()
    assert second.waitlist_offer_expires_at is not None


def test_waitlist_leave_refused_for_a_confirmed_booking(session, structure, coordinator):
    booking = services.booking_create(session=session, structure=structure, user=coordinator, group=group())

    with pytest.raises(BookingError) as exc_info:
        services.waitlist_leave(booking=booking, user=coordinator)

    assert exc_info.value.code == "not_waiting"


def test_session_capacity_change_refused_below_the_seats_taken(full_session):
    with pytest.raises(ProgrammeError) as exc_info:
        capacity_changed(full_session, 9)

    assert str(exc_info.value) == gettext(
        "%(taken)d seats are already booked: the capacity cannot be lower."
    ) % {"taken": 10}
    full_session.refresh_from_db()
    assert full_session.capacity == 10
