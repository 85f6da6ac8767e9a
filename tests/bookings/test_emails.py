"""The emails of bookings, the waiting list and requests render in French and in English."""

from __future__ import annotations

import pytest
from django.utils import translation

from bookings import services
from bookings.enums import BookingStatus, RequestStatus
from bookings.models import Booking
from notifications.models import OutboxMessage
from notifications.services import render_message
from programmes.enums import OfferKind
from tests.bookings.factories import BookingFactory, ProjectRequestFactory
from tests.partners.factories import MembershipFactory, StaffFactory, UserFactory
from tests.programmes.factories import OfferFactory, SessionFactory

from .conftest import group, regroup

pytestmark = pytest.mark.django_db


def test_every_booking_email_renders(offer, structure, coordinator):
    session = SessionFactory(offer=offer, capacity=20)
    BookingFactory(session=session, participants=8, accompanying_staff=2)
    booking = services.booking_create(session=session, structure=structure, user=coordinator, group=group())
    services.booking_change(
        booking=booking, user=coordinator, group=regroup(booking, participants=6, accompanying_staff=1)
    )
    member = MembershipFactory()
    waiting = services.waitlist_join(
        session=session, structure=member.structure, user=member.user, group=group(participants=8)
    )
    services.booking_cancel(booking=booking, user=coordinator)
    Booking.objects.filter(pk=waiting.pk).update(waitlist_offer_expires_at="2000-01-01T00:00:00Z")
    services.waitlist_expire_offers()
    request = ProjectRequestFactory(structure=structure)
    services.request_answer(
        request=request, status=RequestStatus.ACCEPTED, answer="Oui !", answered_by=StaffFactory()
    )
    services.request_create(
        structure=structure,
        user=coordinator,
        kind="cycle",
        wished_start=request.wished_start,
        wished_end=request.wished_end,
        participants=5,
        group_description="Un groupe",
        goals="Des buts",
    )

    templates = set(OutboxMessage.objects.values_list("template", flat=True))
    assert templates == {
        "booking_confirmed",
        "booking_changed",
        "booking_cancelled",
        "waitlist_joined",
        "waitlist_offer",
        "waitlist_offer_expired",
        "request_answered",
        "request_received",
    }
    for message in OutboxMessage.objects.all():
        for language in ("fr", "en"):
            message.language = language
            email = render_message(message)
            assert email.subject.strip(), message.template
            assert "{{" not in email.body and "{%" not in email.body, message.template
            if message.booking_id:
                assert offer.title in email.body, message.template


def test_confirmation_email_goes_to_every_coordinator_of_the_structure(session, structure, coordinator):
    colleague = MembershipFactory(structure=structure, user=UserFactory(language="en")).user
    MembershipFactory(structure=structure, user=UserFactory(is_active=False))  # a closed account: never

    with translation.override("fr"):
        booking = services.booking_create(
            session=session, structure=structure, user=coordinator, group=group()
        )

    messages = OutboxMessage.objects.filter(template="booking_confirmed").order_by("to")
    assert sorted((m.to, m.booking_id, m.language) for m in messages) == sorted(
        [(coordinator.email, booking.pk, "fr"), (colleague.email, booking.pk, "en")]
    )
    assert booking.status == BookingStatus.CONFIRMED


def test_confirmation_email_of_a_relais_offer_goes_to_the_relais_attending_only(structure, coordinator):
    MembershipFactory(structure=structure)  # a colleague: the seat is the relais' own
    session = SessionFactory(offer=OfferFactory(kind=OfferKind.ABC, min_group_size=1, max_group_size=1))

    booking = services.booking_create(
        session=session,
        structure=structure,
        user=coordinator,
        group=group(participants=1, accompanying_staff=0),
    )

    message = OutboxMessage.objects.get(template="booking_confirmed")
    assert (message.to, message.booking_id) == (coordinator.email, booking.pk)


def test_confirmation_email_is_sent_after_commit(
    session, structure, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.booking_create(session=session, structure=structure, user=coordinator, group=group())

    assert len(callbacks) == 2  # the email sent, the pages' content version bumped
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [coordinator.email]
    assert session.offer.title in mailoutbox[0].subject
