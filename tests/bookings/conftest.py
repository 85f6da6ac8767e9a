"""Fixtures of the bookings tests: a coordinator of an active structure, a session to book."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.utils import timezone

from bookings.services import Group, session_seats_recount
from partners.enums import TrainingModule, TrainingSource
from partners.models import TrainingRecord
from tests.partners.factories import MembershipFactory, StructureFactory, UserFactory
from tests.programmes.factories import OfferFactory, SessionFactory


@pytest.fixture
def structure():
    return StructureFactory()


@pytest.fixture
def coordinator(structure):
    return MembershipFactory(structure=structure, user=UserFactory(phone="06 11 22 33 44")).user


@pytest.fixture
def offer():
    return OfferFactory(min_group_size=4, max_group_size=20, cancellation_deadline_hours=48)


@pytest.fixture
def session(offer):
    return SessionFactory(offer=offer, capacity=25)


def form_data(**overrides) -> dict:
    """The fields of a valid group booking, as posted by the form, any of them overridable."""
    values = {
        "participants": 8,
        "accompanying_staff": 2,
        "contact_name": "Dominique Leroy",
        "contact_phone": "06 00 00 00 00",
    }
    values.update(overrides)
    return values


def group(**overrides) -> Group:
    """A valid group booking, any of its values overridable."""
    return Group(**form_data(**overrides))


def regroup(booking, **changes) -> Group:
    """The group of `booking` with `changes` (to change a booking)."""
    return dataclasses.replace(Group.of(booking), **changes)


def abc_record(user):
    return TrainingRecord.objects.create(
        user=user,
        module=TrainingModule.ABC,
        completed_on=timezone.localdate() - dt.timedelta(days=10),
        source=TrainingSource.STAFF,
    )


@pytest.fixture
def logged_in(client, coordinator):
    """The test client, logged in as the structure's coordinator."""
    client.force_login(coordinator)
    return client


def seats_recounted(session) -> None:
    """After bookings written directly, as the tests do to reach a state quickly (not through the
    services, which keep the seats taken themselves): the session's seats are counted again."""
    session_seats_recount(session_ids=[session.pk])
