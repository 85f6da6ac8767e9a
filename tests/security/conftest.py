"""Fixtures of the security tests: a small world with one object of every kind, owned by
structure A (its coordinator), led by mediator M, and outsiders who must not see any of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from bookings.enums import BookingStatus
from bookings.models import Booking, ProjectRequest
from partners.models import Invitation, Structure, User
from programmes.models import Assignment, Offer, Project, Session
from tests.bookings.factories import BookingFactory, ProjectRequestFactory
from tests.partners.factories import (
    MembershipFactory,
    StaffFactory,
    StructureFactory,
    UserFactory,
    make_mediator,
)
from tests.programmes.factories import OfferFactory, ProjectFactory, SessionFactory


def registration_data(password: str = "Un-mot-de-passe-neuf-91") -> dict:
    """A valid registration form (structure and first coordinator), to spoil one field at a time."""
    return {
        "name": "Centre social Les Tilleuls",
        "kind": "social_centre",
        "address": "3 rue des Écoles",
        "postcode": "62300",
        "city": "Lens",
        "departement": "",
        "siret": "",
        "phone": "03 21 00 00 00",
        "email": "accueil@tilleuls.example",
        "publics": "Familles",
        "first_name": "Camille",
        "last_name": "Durand",
        "user_email": "camille.durand@tilleuls.example",
        "user_phone": "",
        "password1": password,
        "password2": password,
    }


@dataclass
class World:
    structure_a: Structure
    structure_b: Structure
    coordinator_a: User
    coordinator_b: User
    mediator: User  # assigned to `session`
    other_mediator: User  # assigned to nothing of A's
    staff: User
    offer: Offer
    hidden_offer: Offer  # not published: nobody outside the admin may reach it
    session: Session
    hidden_session: Session
    booking: Booking  # A's confirmed booking of `session`
    waiting: Booking  # A's place on the waiting list of `full_session`
    full_session: Session
    request: ProjectRequest
    invitation: Invitation
    project: Project


@pytest.fixture
def world(db) -> World:
    structure_a = StructureFactory(name="Centre social Alpha")
    structure_b = StructureFactory(name="Centre social Bêta")
    coordinator_a = MembershipFactory(structure=structure_a, user=UserFactory(first_name="Ana")).user
    coordinator_b = MembershipFactory(structure=structure_b, user=UserFactory(first_name="Bao")).user
    mediator = make_mediator(first_name="Mila")
    other_mediator = make_mediator(first_name="Noé")
    offer = OfferFactory()
    hidden_offer = OfferFactory(is_published=False)
    session = SessionFactory(offer=offer, capacity=25)
    Assignment.objects.create(session=session, mediator=mediator)
    booking = BookingFactory(session=session, structure=structure_a, booked_by=coordinator_a)
    full_session = SessionFactory(offer=offer, capacity=10, start=session.start + dt.timedelta(days=1))
    BookingFactory(session=full_session, structure=structure_b, participants=8, accompanying_staff=2)
    waiting = BookingFactory(session=full_session, structure=structure_a, status=BookingStatus.WAITLISTED)
    hidden_session = SessionFactory(offer=hidden_offer)
    project = ProjectFactory()
    project.partners.add(structure_a)
    session.project = project
    session.save(update_fields=["project"])
    request = ProjectRequestFactory(structure=structure_a, created_by=coordinator_a, project=project)
    invitation = Invitation.objects.create(
        structure=structure_a,
        email="collegue@exemple.fr",
        invited_by=coordinator_a,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )
    return World(
        structure_a=structure_a,
        structure_b=structure_b,
        coordinator_a=coordinator_a,
        coordinator_b=coordinator_b,
        mediator=mediator,
        other_mediator=other_mediator,
        staff=StaffFactory(),
        offer=offer,
        hidden_offer=hidden_offer,
        session=session,
        hidden_session=hidden_session,
        booking=booking,
        waiting=waiting,
        full_session=full_session,
        request=request,
        invitation=invitation,
        project=project,
    )
