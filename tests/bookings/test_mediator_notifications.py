"""The mediators of a session hear about bookings made, changed or cancelled from the day before on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from bookings import services
from bookings.enums import BookingStatus
from bookings.models import Booking
from notifications.models import OutboxMessage
from partners.models import MEDIATORS_GROUP
from programmes.models import Assignment
from tests.partners.factories import MembershipFactory, UserFactory
from tests.programmes.factories import OfferFactory, SessionFactory

from .conftest import group, regroup

pytestmark = pytest.mark.django_db

TEMPLATE = "mediator_booking_changed"


def _at(days: int, hour: int):
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def mediator():
    user = UserFactory(first_name="Lou", email="lou.mediatrice@louvrelens.example")
    user.groups.add(Group.objects.get_or_create(name=MEDIATORS_GROUP)[0])
    return user


def _session(*, days: int, mediator, capacity: int = 25):
    # Changes and cancellations stay possible online up to 2 hours before, so the day before too.
    offer = OfferFactory(min_group_size=4, max_group_size=20, cancellation_deadline_hours=2)
    start = _at(days, 14)
    session = SessionFactory(
        offer=offer, start=start, booking_deadline=start - dt.timedelta(hours=3), capacity=capacity
    )
    Assignment.objects.create(session=session, mediator=mediator)
    return session


def _messages_to(mediator):
    return OutboxMessage.objects.filter(template=TEMPLATE, to=mediator.email)


def test_booking_made_the_day_before_queues_one_email_to_the_mediator(
    mediator, structure, coordinator, django_capture_on_commit_callbacks
):
    session = _session(days=1, mediator=mediator)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        booking = services.booking_create(
            session=session, structure=structure, user=coordinator, group=group()
        )

    message = _messages_to(mediator).get()
    assert message.context["booking_id"] == booking.pk
    assert message.context["structure"] == structure.name
    assert (message.context["participants"], message.context["accompanying_staff"]) == (8, 2)
    assert OutboxMessage.objects.filter(template=TEMPLATE).count() == 1
    # Sent after commit, like every email: one callback for the coordinators, one for the mediator
    # (and one that bumps the pages' content version).
    assert len(callbacks) == 3


def test_booking_made_two_weeks_ahead_queues_nothing_for_the_mediator(mediator, structure, coordinator):
    session = _session(days=14, mediator=mediator)

    services.booking_create(session=session, structure=structure, user=coordinator, group=group())

    assert OutboxMessage.objects.filter(template=TEMPLATE).count() == 0
    assert OutboxMessage.objects.filter(template="booking_confirmed").count() == 1


def test_refused_booking_the_day_before_queues_nothing(mediator, structure, coordinator):
    session = _session(days=1, mediator=mediator, capacity=5)

    with pytest.raises(services.BookingError) as refused:
        services.booking_create(session=session, structure=structure, user=coordinator, group=group())

    assert refused.value.code == "no_seats"
    assert OutboxMessage.objects.count() == 0


def test_group_size_changed_the_day_before_queues_a_new_email(mediator, structure, coordinator):
    session = _session(days=1, mediator=mediator)
    booking = services.booking_create(session=session, structure=structure, user=coordinator, group=group())

    services.booking_change(
        booking=booking, user=coordinator, group=regroup(booking, participants=5, accompanying_staff=1)
    )

    contexts = [m.context for m in _messages_to(mediator).order_by("pk")]
    assert [(c["participants"], c["accompanying_staff"]) for c in contexts] == [(8, 2), (5, 1)]


def test_booking_cancelled_the_day_before_tells_the_mediator(mediator, structure, coordinator):
    session = _session(days=1, mediator=mediator)
    booking = services.booking_create(session=session, structure=structure, user=coordinator, group=group())

    services.booking_cancel(booking=booking, user=coordinator)

    assert _messages_to(mediator).count() == 2
    last = _messages_to(mediator).order_by("pk").last()
    assert last.context["booking_status"] == str(BookingStatus.CANCELLED.label)


def test_waiting_group_is_not_announced_until_it_confirms_its_seats(mediator, structure, coordinator):
    session = _session(days=1, mediator=mediator, capacity=10)
    first = MembershipFactory()
    taken = services.booking_create(
        session=session, structure=first.structure, user=first.user, group=group()
    )
    waiting = services.waitlist_join(
        session=session,
        structure=structure,
        user=coordinator,
        group=group(participants=6, accompanying_staff=1),
    )
    assert _messages_to(mediator).count() == 1  # the first group only

    services.booking_cancel(booking=taken, user=first.user)  # seats offered to the waiting group
    services.waitlist_confirm(booking=waiting, user=coordinator)

    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.CONFIRMED
    booking_ids = list(_messages_to(mediator).order_by("pk").values_list("context__booking_id", flat=True))
    assert booking_ids == [taken.pk, taken.pk, waiting.pk]
    assert Booking.objects.filter(status=BookingStatus.WAITLISTED).count() == 0
