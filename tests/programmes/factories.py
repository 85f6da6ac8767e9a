"""Factories of the programmes app: exhibitions, offers, sessions, projects, and sessions at a given time."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from programmes.enums import Audience, ExhibitionKind, OfferKind, SessionStatus
from programmes.models import Assignment, Exhibition, Offer, Project, Session


class ExhibitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exhibition

    title = factory.Sequence(lambda n: f"Exposition {n}")
    slug = factory.Sequence(lambda n: f"exposition-{n}")
    kind = ExhibitionKind.TEMPORARY
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=120))


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    title = factory.Sequence(lambda n: f"Visite découverte {n}")
    slug = factory.Sequence(lambda n: f"visite-decouverte-{n}")
    kind = OfferKind.GUIDED_VISIT
    audience = Audience.GROUP
    summary = "Une visite de la Galerie du temps avec un médiateur."
    description = "Une heure et demie pour découvrir les chefs-d'œuvre de la Galerie du temps."
    duration_minutes = 90
    min_group_size = 4
    max_group_size = 20
    participants_per_staff = None


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    offer = factory.SubFactory(OfferFactory)
    start = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + dt.timedelta(days=14))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(minutes=90))
    place = "Hall d'accueil"
    capacity = 25
    booking_deadline = factory.LazyAttribute(lambda o: o.start - dt.timedelta(days=2))
    status = SessionStatus.PLANNED


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Projet {n}")
    slug = factory.Sequence(lambda n: f"projet-{n}")
    description = "Un cycle de visites et d'ateliers."
    start_date = factory.LazyFunction(timezone.localdate)


# --- Sessions at a given time, and who leads them --------------------------------------------


def at(days: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time `days` from today, at hour:minute local time (Europe/Paris)."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def local(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware datetime in the museum's time zone."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=timezone.get_current_timezone())


def next_monday(days_ahead: int = 30) -> dt.date:
    """A Monday at least `days_ahead` days from today (so that every slot of its week is to come)."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def session_at(start: dt.datetime, minutes: int = 90, **kwargs) -> Session:
    return SessionFactory(
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        booking_deadline=start - dt.timedelta(days=1),
        **kwargs,
    )


def assign(session: Session, mediator) -> Assignment:
    """Arrange an assignment directly (the rules are tested through the services elsewhere)."""
    return Assignment.objects.create(session=session, mediator=mediator)
