"""The seats taken kept on the session: written with every change of seats, read by every page.

`seats_taken(session)` (tests/bookings/seats.py) checks the column against a count of the bookings
each time it is read, so every assertion below also checks that the column was kept right.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from bookings import services
from bookings.enums import BookingStatus
from bookings.models import Booking
from bookings.services import BookingError
from bookings.sessions import session_cancel
from programmes.enums import SessionStatus
from programmes.models import Session
from tests.bookings.factories import BookingFactory
from tests.partners.factories import MembershipFactory
from tests.programmes.factories import SessionFactory

from .conftest import group, regroup
from .seats import seats_counted, seats_taken

pytestmark = pytest.mark.django_db


def member():
    """A coordinator of another active structure: (user, structure)."""
    membership = MembershipFactory()
    return membership.user, membership.structure


def test_seats_taken_follow_every_change_of_seats(session, structure, coordinator):
    """Capacity 25: a group of 10, grown to 15 then 12; a waiting group of 16 is offered the seats
    freed by a cancellation, leaves, and the seats go back."""
    booking = services.booking_create(session=session, structure=structure, user=coordinator, group=group())
    assert seats_taken(session) == 10

    services.booking_change(
        booking=booking, user=coordinator, group=regroup(booking, participants=12, accompanying_staff=3)
    )
    assert seats_taken(session) == 15
    services.booking_change(
        booking=booking, user=coordinator, group=regroup(booking, participants=10, accompanying_staff=2)
    )
    assert seats_taken(session) == 12

    user, other = member()
    waiting = services.waitlist_join(
        session=session, structure=other, user=user, group=group(participants=14, accompanying_staff=2)
    )
    assert seats_taken(session) == 12  # waiting without an offer holds nothing

    services.booking_cancel(booking=booking, user=coordinator)
    waiting.refresh_from_db()
    assert waiting.waitlist_offer_expires_at is not None
    assert seats_taken(session) == 16  # the seats offered are held for the waiting group

    services.waitlist_leave(booking=waiting, user=user)
    assert seats_taken(session) == 0


def test_a_confirmed_offer_keeps_the_seats_it_held(session, structure, coordinator):
    seated = BookingFactory(session=session, participants=20, accompanying_staff=5)
    user, other = member()
    waiting = services.waitlist_join(session=session, structure=other, user=user, group=group())
    Booking.objects.filter(pk=seated.pk).update(status=BookingStatus.CANCELLED)  # as staff would in SQL
    services.session_seats_recount(session_ids=[session.pk])
    services.waitlist_offer_next(session=session)
    assert seats_taken(session) == 10

    services.waitlist_confirm(booking=waiting, user=user)

    assert seats_taken(session) == 10


def test_a_cancelled_session_holds_no_seats(session, structure, coordinator):
    services.booking_create(session=session, structure=structure, user=coordinator, group=group())
    user, other = member()
    services.booking_create(session=session, structure=other, user=user, group=group(participants=13))

    session_cancel(session=session, reason="Fermeture exceptionnelle.")

    assert seats_taken(session) == 0
    assert Session.objects.get(pk=session.pk).status == SessionStatus.CANCELLED


def test_an_offer_run_out_keeps_its_seats_for_pages_and_lock_alike_until_it_is_taken_back(
    logged_in, offer, structure, coordinator
):
    """The page says full and the lock refuses alike; once the periodic task takes the offer back,
    the seats go to the next waiting group, in the order they joined."""
    session = SessionFactory(offer=offer, capacity=10)
    seated = BookingFactory(session=session, participants=8, accompanying_staff=2)
    (first_user, first), (next_user, following) = member(), member()
    offered = services.waitlist_join(session=session, structure=first, user=first_user, group=group())
    services.waitlist_join(session=session, structure=following, user=next_user, group=group())
    services.booking_cancel(booking=seated, user=MembershipFactory(structure=seated.structure).user)
    Booking.objects.filter(pk=offered.pk).update(
        waitlist_offer_expires_at=timezone.now() - dt.timedelta(seconds=1)
    )

    page = logged_in.get(reverse("bookings:create", args=[session.pk]))
    with pytest.raises(BookingError) as refused:
        services.booking_create(session=session, structure=structure, user=coordinator, group=group())

    assert page.context["session"].seats_left == 0
    assert refused.value.code == "no_seats"
    assert seats_taken(session) == 10

    assert services.waitlist_expire_offers() == 1

    assert seats_taken(session) == 10  # taken back, and offered to the next group
    assert list(
        Booking.objects.filter(session=session, waitlist_offer_expires_at__gt=timezone.now()).values_list(
            "structure", flat=True
        )
    ) == [following.pk]


def test_a_session_saved_from_an_old_copy_keeps_its_seats_taken(session, structure, coordinator):
    old_copy = Session.objects.get(pk=session.pk)
    services.booking_create(session=session, structure=structure, user=coordinator, group=group())

    old_copy.place = "Pavillon de verre"
    old_copy.save()

    assert seats_taken(session) == 10
    assert Session.objects.get(pk=session.pk).place == "Pavillon de verre"


def test_session_seats_recount_counts_the_bookings_written_directly(session):
    seated = BookingFactory(session=session, participants=6, accompanying_staff=1)
    Booking.objects.filter(pk=seated.pk).update(participants=9)  # written without the services
    assert Session.objects.get(pk=session.pk).seats_taken == 7

    assert services.session_seats_recount(session_ids=[session.pk]) == 1

    assert seats_taken(session) == seats_counted(session.pk) == 10


def test_bookable_sessions_are_the_sessions_open_for_booking():
    now = timezone.now()
    soon = now + dt.timedelta(days=3)
    sessions = {
        "open": SessionFactory(),
        "cancelled": SessionFactory(status=SessionStatus.CANCELLED),
        "deadline passed": SessionFactory(start=soon, booking_deadline=now - dt.timedelta(minutes=1)),
        "begun": SessionFactory(
            start=now - dt.timedelta(minutes=5), booking_deadline=now - dt.timedelta(days=1)
        ),
    }

    bookable = set(Session.objects.bookable(now).values_list("pk", flat=True))

    assert {name for name, s in sessions.items() if s.pk in bookable} == {"open"}
    assert {name for name, s in sessions.items() if s.is_open_for_booking(now)} == {"open"}


def test_a_live_offer_is_the_same_for_the_booking_and_the_queryset(session):
    now = timezone.now()
    bookings = {
        "live": BookingFactory(
            status=BookingStatus.WAITLISTED, waitlist_offer_expires_at=now + dt.timedelta(hours=1)
        ),
        "run out": BookingFactory(status=BookingStatus.WAITLISTED, waitlist_offer_expires_at=now),
        "no offer": BookingFactory(status=BookingStatus.WAITLISTED),
        "confirmed": BookingFactory(),
    }

    live = set(Booking.objects.with_live_offer(now).values_list("pk", flat=True))
    run_out = set(Booking.objects.with_offer_run_out(now).values_list("pk", flat=True))

    assert {name for name, b in bookings.items() if b.pk in live} == {"live"}
    assert {name for name, b in bookings.items() if b.offer_is_live(now)} == {"live"}
    assert {name for name, b in bookings.items() if b.pk in run_out} == {"run out"}
    assert {name for name, b in bookings.items() if b.holds_seats} == {"live", "run out", "confirmed"}


def test_capacity_error_refuses_a_capacity_below_the_seats_taken(session):
    BookingFactory(session=session, participants=8, accompanying_staff=2)
    session.refresh_from_db()

    assert session.capacity_error(9) == gettext(
        "%(taken)d seats are already booked: the capacity cannot be lower."
    ) % {"taken": 10}
    assert session.capacity_error(10) is None
