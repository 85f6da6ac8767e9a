"""Fixtures of the mediators' tests: a mediator (member of the Mediators group), a coordinator, staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from programmes.models import Assignment
from tests.factories import BookingFactory, MembershipFactory, SessionFactory, StaffFactory, UserFactory


def make_mediator(**kwargs):
    user = UserFactory(**kwargs)
    group, _ = Group.objects.get_or_create(name="Mediators")
    user.groups.add(group)
    return user


def at(days: int, hour: int, minute: int = 0):
    """A time `days` from today, at hour:minute local time (Europe/Paris)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def session_at(start, minutes: int = 90, **kwargs):
    return SessionFactory(
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        booking_deadline=start - dt.timedelta(days=1),
        **kwargs,
    )


def assign(session, mediator):
    """Arrange an assignment directly (the rules are tested through the services elsewhere)."""
    return Assignment.objects.create(session=session, mediator=mediator)


@pytest.fixture
def mediator(db):
    return make_mediator(first_name="Lou", last_name="Médiatrice")


@pytest.fixture
def other_mediator(db):
    return make_mediator(first_name="Sam", last_name="Médiateur")


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def coordinator(db):
    return MembershipFactory().user


@pytest.fixture
def booked_session(mediator):
    """A session in ten days, led by `mediator`, with one group booked."""
    session = session_at(at(10, 10))
    assign(session, mediator)
    BookingFactory(session=session, participants=8, accompanying_staff=2, wheelchair_users=2)
    return session
