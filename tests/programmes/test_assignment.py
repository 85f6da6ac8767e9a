"""Assignment rules: the Mediators group, overlaps with the set-up margin, unavailabilities, emails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import formats, timezone
from django.utils.translation import gettext

from bookings.enums import BookingStatus
from bookings.mediators import notify_mediators_of_booking_change
from bookings.sessions import session_cancel, session_update
from notifications.models import OutboxMessage
from programmes.enums import SessionStatus
from programmes.models import Assignment, MediatorUnavailability
from programmes.services import (
    ProgrammeError,
    mediator_assign,
    mediator_unassign,
    unavailability_create,
)
from tests.bookings.factories import BookingFactory
from tests.partners.factories import MembershipFactory, UserFactory
from tests.programmes.factories import OfferFactory, assign, at, session_at

pytestmark = pytest.mark.django_db


def _when(value):
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def test_mediator_assign_creates_assignment_and_queues_one_email(
    mediator, django_capture_on_commit_callbacks
):
    session = session_at(at(5, 10))

    with django_capture_on_commit_callbacks(execute=True):
        assignment = mediator_assign(session=session, mediator=mediator)

    assert Assignment.objects.filter(pk=assignment.pk, session=session, mediator=mediator).count() == 1
    messages = OutboxMessage.objects.filter(template="mediator_assigned", to=mediator.email)
    assert messages.count() == 1
    assert messages.get().context["offer"] == session.offer.title


def test_mediator_assign_refuses_user_outside_mediators_group(db):
    session = session_at(at(5, 10))
    user = UserFactory()

    with pytest.raises(ProgrammeError):
        mediator_assign(session=session, mediator=user)

    assert Assignment.objects.count() == 0


def test_mediator_assign_refuses_twice_the_same_session(mediator):
    session = session_at(at(5, 10))
    mediator_assign(session=session, mediator=mediator)

    with pytest.raises(ProgrammeError):
        mediator_assign(session=session, mediator=mediator)

    assert Assignment.objects.filter(session=session).count() == 1


def test_mediator_assign_refuses_cancelled_session(mediator):
    session = session_at(at(5, 10), status=SessionStatus.CANCELLED)

    with pytest.raises(ProgrammeError):
        mediator_assign(session=session, mediator=mediator)


def test_mediator_assign_refuses_overlap_and_names_the_other_session(mediator):
    first = session_at(at(5, 10), minutes=90, offer=OfferFactory(title="Galerie du temps en famille"))
    assign(first, mediator)
    second = session_at(at(5, 11))

    with pytest.raises(ProgrammeError) as error:
        mediator_assign(session=second, mediator=mediator)

    message = str(error.value)
    assert "Galerie du temps en famille" in message
    assert _when(first.start) in message
    assert not Assignment.objects.filter(session=second).exists()


@pytest.mark.parametrize(
    ("gap_minutes", "allowed"),
    [(0, False), (14, False), (15, True), (60, True)],
)
def test_mediator_assign_margin_after_other_session(mediator, settings, gap_minutes, allowed):
    settings.MEDIATOR_SETUP_MARGIN_MINUTES = 15
    first = session_at(at(5, 10), minutes=90)  # ends 11:30
    assign(first, mediator)
    second = session_at(first.end + dt.timedelta(minutes=gap_minutes))

    if allowed:
        mediator_assign(session=second, mediator=mediator)
        assert Assignment.objects.filter(session=second, mediator=mediator).count() == 1
    else:
        with pytest.raises(ProgrammeError):
            mediator_assign(session=second, mediator=mediator)
        assert Assignment.objects.filter(session=second).count() == 0


@pytest.mark.parametrize(("gap_minutes", "allowed"), [(14, False), (15, True)])
def test_mediator_assign_margin_before_other_session(mediator, settings, gap_minutes, allowed):
    settings.MEDIATOR_SETUP_MARGIN_MINUTES = 15
    later = session_at(at(5, 14), minutes=60)
    assign(later, mediator)
    earlier = session_at(later.start - dt.timedelta(minutes=60 + gap_minutes), minutes=60)

    if allowed:
        mediator_assign(session=earlier, mediator=mediator)
        assert Assignment.objects.filter(session=earlier).count() == 1
    else:
        with pytest.raises(ProgrammeError):
            mediator_assign(session=earlier, mediator=mediator)


def test_mediator_assign_margin_follows_the_setting(mediator, settings):
    settings.MEDIATOR_SETUP_MARGIN_MINUTES = 30
    first = session_at(at(5, 10), minutes=60)
    assign(first, mediator)
    second = session_at(first.end + dt.timedelta(minutes=20))

    with pytest.raises(ProgrammeError):
        mediator_assign(session=second, mediator=mediator)


def test_mediator_assign_ignores_cancelled_and_others_sessions(mediator, other_mediator):
    cancelled = session_at(at(5, 10), status=SessionStatus.CANCELLED)
    assign(cancelled, mediator)
    colleague = session_at(at(5, 10), offer=OfferFactory())
    assign(colleague, other_mediator)
    session = session_at(at(5, 10), offer=OfferFactory())

    mediator_assign(session=session, mediator=mediator)

    assert Assignment.objects.filter(session=session, mediator=mediator).count() == 1


def test_mediator_assign_refuses_during_unavailability_and_names_it(mediator):
    MediatorUnavailability.objects.create(
        mediator=mediator, start=at(5, 0), end=at(6, 0), reason="Congés annuels"
    )
    session = session_at(at(5, 10))

    with pytest.raises(ProgrammeError) as error:
        mediator_assign(session=session, mediator=mediator)

    assert "Congés annuels" in str(error.value)
    assert Assignment.objects.count() == 0


@pytest.mark.parametrize(("gap_minutes", "allowed"), [(10, False), (15, True)])
def test_mediator_assign_unavailability_margin(mediator, settings, gap_minutes, allowed):
    settings.MEDIATOR_SETUP_MARGIN_MINUTES = 15
    MediatorUnavailability.objects.create(
        mediator=mediator, start=at(5, 8), end=at(5, 10), reason="Formation"
    )
    session = session_at(at(5, 10) + dt.timedelta(minutes=gap_minutes))

    if allowed:
        mediator_assign(session=session, mediator=mediator)
        assert Assignment.objects.count() == 1
    else:
        with pytest.raises(ProgrammeError):
            mediator_assign(session=session, mediator=mediator)


def test_unavailability_create_refuses_period_with_assigned_session(mediator):
    session = session_at(at(5, 10), offer=OfferFactory(title="Atelier écriture"))
    assign(session, mediator)

    with pytest.raises(ProgrammeError) as error:
        unavailability_create(mediator=mediator, start=at(5, 0), end=at(6, 0), reason="Congés")

    assert "Atelier écriture" in str(error.value)
    assert MediatorUnavailability.objects.count() == 0


def test_unavailability_create_refuses_end_before_start(mediator):
    with pytest.raises(ProgrammeError) as error:
        unavailability_create(mediator=mediator, start=at(5, 10), end=at(5, 9), reason="Congés")

    assert str(error.value) == gettext("The end must be after the start.")


def test_mediator_unassign_deletes_and_queues_one_email(mediator, django_capture_on_commit_callbacks):
    session = session_at(at(5, 10))
    assign(session, mediator)

    with django_capture_on_commit_callbacks(execute=True):
        mediator_unassign(session=session, mediator=mediator)

    assert Assignment.objects.count() == 0
    assert OutboxMessage.objects.filter(template="mediator_unassigned", to=mediator.email).count() == 1


def test_mediator_unassign_refuses_when_not_assigned(mediator):
    session = session_at(at(5, 10))

    with pytest.raises(ProgrammeError):
        mediator_unassign(session=session, mediator=mediator)


def test_session_update_moves_session_raises_sequence_and_tells_everyone(booked_session, mediator):
    coordinator = MembershipFactory(structure=booked_session.bookings.get().structure).user
    new_start = booked_session.start + dt.timedelta(hours=3)

    updated = session_update(
        session=booked_session,
        start=new_start,
        end=new_start + dt.timedelta(minutes=90),
        place="Auditorium",
        capacity=booked_session.capacity,
    )

    updated.refresh_from_db()
    assert updated.sequence == 1
    assert updated.start == new_start
    assert updated.place == "Auditorium"
    assert OutboxMessage.objects.filter(template="mediator_session_changed", to=mediator.email).count() == 1
    assert OutboxMessage.objects.filter(template="session_changed", to=coordinator.email).count() == 1


def test_session_update_capacity_only_keeps_sequence_and_sends_nothing(booked_session):
    session_update(
        session=booked_session,
        start=booked_session.start,
        end=booked_session.end,
        place=booked_session.place,
        capacity=booked_session.capacity + 5,
    )

    booked_session.refresh_from_db()
    assert booked_session.sequence == 0
    assert booked_session.capacity == 30
    assert OutboxMessage.objects.count() == 0


def test_session_update_refuses_capacity_below_seats_taken(booked_session):
    with pytest.raises(ProgrammeError):
        session_update(
            session=booked_session,
            start=booked_session.start,
            end=booked_session.end,
            place=booked_session.place,
            capacity=5,
        )

    booked_session.refresh_from_db()
    assert booked_session.capacity == 25


def test_session_update_refuses_move_onto_mediator_other_session(booked_session, mediator):
    other = session_at(booked_session.start + dt.timedelta(days=1), offer=OfferFactory())
    assign(other, mediator)

    with pytest.raises(ProgrammeError):
        session_update(
            session=booked_session,
            start=other.start,
            end=other.end,
            place=booked_session.place,
            capacity=booked_session.capacity,
        )

    booked_session.refresh_from_db()
    assert booked_session.sequence == 0


def test_session_cancel_queues_mediator_email_once(
    booked_session, mediator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(session=booked_session, reason="Fermeture exceptionnelle")

    messages = OutboxMessage.objects.filter(template="mediator_session_cancelled", to=mediator.email)
    assert messages.count() == 1
    assert messages.get().context["reason"] == "Fermeture exceptionnelle"


def test_notify_booking_change_the_day_before_queues_one_email(mediator):
    session = session_at(at(1, 10))
    assign(session, mediator)
    booking = BookingFactory(session=session)

    notify_mediators_of_booking_change(booking=booking)
    notify_mediators_of_booking_change(booking=booking)

    assert OutboxMessage.objects.filter(template="mediator_booking_changed", to=mediator.email).count() == 1


def test_notify_booking_change_earlier_sends_nothing(mediator):
    session = session_at(at(3, 10))
    assign(session, mediator)
    booking = BookingFactory(session=session)

    notify_mediators_of_booking_change(booking=booking)

    assert OutboxMessage.objects.count() == 0


def test_outbox_renders_every_mediator_email(
    booked_session, mediator, django_capture_on_commit_callbacks, mailoutbox
):
    session = session_at(at(1, 10), offer=OfferFactory(title="Visite sensorielle"))
    with django_capture_on_commit_callbacks(execute=True):
        mediator_assign(session=session, mediator=mediator)
        notify_mediators_of_booking_change(booking=BookingFactory(session=session))
        session_update(
            session=session,
            start=session.start + dt.timedelta(hours=4),
            end=session.end + dt.timedelta(hours=4),
            place="Salle d'atelier",
            capacity=session.capacity,
        )
    with django_capture_on_commit_callbacks(execute=True):
        session_cancel(session=session, reason="Grève")
    with django_capture_on_commit_callbacks(execute=True):
        mediator_unassign(session=booked_session, mediator=mediator)

    templates = set(OutboxMessage.objects.filter(to=mediator.email).values_list("template", flat=True))
    assert templates == {
        "mediator_assigned",
        "mediator_booking_changed",
        "mediator_session_changed",
        "mediator_session_cancelled",
        "mediator_unassigned",
    }
    assert OutboxMessage.objects.filter(to=mediator.email, state="sent").count() == 5
    assert any("Visite sensorielle" in m.subject for m in mailoutbox)


def test_session_update_capacity_raise_offers_seats_to_waiting_group(django_capture_on_commit_callbacks):
    session = session_at(at(10, 10))
    session.capacity = 10
    session.save()
    BookingFactory(session=session, participants=8, accompanying_staff=2)
    waiting = BookingFactory(
        session=session, participants=4, accompanying_staff=1, status=BookingStatus.WAITLISTED
    )

    with django_capture_on_commit_callbacks(execute=True):
        session_update(
            session=session, start=session.start, end=session.end, place=session.place, capacity=15
        )

    waiting.refresh_from_db()
    assert waiting.waitlist_offer_expires_at is not None
