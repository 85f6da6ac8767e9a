"""Factories of the bookings app: bookings and project requests, and bookings in a given situation."""

from __future__ import annotations

import datetime as dt

import factory
from django.test import TestCase
from django.utils import timezone

from bookings.enums import BookingStatus
from bookings.models import Booking, ProjectRequest
from bookings.services import session_seats_recount
from programmes.enums import OfferKind
from tests.partners.factories import MembershipFactory, StructureFactory
from tests.programmes.factories import SessionFactory, session_at


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    session = factory.SubFactory(SessionFactory)
    structure = factory.SubFactory(StructureFactory)
    status = BookingStatus.CONFIRMED
    participants = 8
    accompanying_staff = 2
    contact_name = "Dominique Leroy"
    contact_phone = "06 00 00 00 00"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        booking = super()._create(model_class, *args, **kwargs)
        # Written without the services: the session's seats taken are counted again, as they keep them.
        # Its after-commit bump of the content version runs now, as if the factory's write had been
        # committed on its own: the test's own writes then register theirs.
        with TestCase.captureOnCommitCallbacks(execute=True):
            session_seats_recount(session_ids=[booking.session_id])
        booking.session.refresh_from_db(fields=["seats_taken"])
        return booking


class ProjectRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectRequest

    structure = factory.SubFactory(StructureFactory)
    kind = "cycle"
    wished_start = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))
    wished_end = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=90))
    participants = 10
    group_description = "Un groupe d'adultes en apprentissage du français."
    goals = "Découvrir l'écriture à travers les âges."


def booking_with_coordinators(
    *,
    coordinators: int = 1,
    start_in: dt.timedelta = dt.timedelta(days=20),
    booked_ago: dt.timedelta = dt.timedelta(days=30),
    offer_kind: str = OfferKind.GUIDED_VISIT,
    session=None,
    **extra,
):
    """A confirmed booking of a session starting in `start_in`, made `booked_ago`, with its coordinators."""
    structure = extra.pop("structure", None) or StructureFactory()
    users = [MembershipFactory(structure=structure).user for _ in range(coordinators)]
    if session is None:
        start = timezone.now().replace(microsecond=0) + start_in
        session = SessionFactory(
            start=start, booking_deadline=min(start, timezone.now()), offer__kind=offer_kind
        )
    booking = BookingFactory(session=session, structure=structure, **extra)
    type(booking).objects.filter(pk=booking.pk).update(created_at=timezone.now() - booked_ago)
    booking.refresh_from_db()
    return booking, users


def booking_ended_at(end: dt.datetime, **kwargs) -> Booking:
    """An attended booking of a session that ended at `end`, with free text (twice: a history)."""
    session = session_at(end - dt.timedelta(minutes=90))
    booking = BookingFactory(
        session=session,
        status=BookingStatus.ATTENDED,
        present_participants=7,
        comment="Le groupe arrive en bus.",
        accessibility_notes="Une personne malvoyante.",
        contact_name="Dominique Leroy",
        contact_phone="06 12 34 56 78",
        **kwargs,
    )
    booking.comment = "Le groupe arrive en bus, vers 9 h 45."  # a second version in the history
    booking.save()
    return booking
