"""Reads about the programme shared by views, admin and tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from partners.models import MEDIATORS_GROUP, User

from .models import Assignment, Offer, Project, Session


def published_offers():
    return Offer.objects.filter(is_published=True)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of a month and of the next one, in the museum's time zone."""
    start = timezone.make_aware(dt.datetime(month.year, month.month, 1))
    following = dt.date(month.year + (month.month // 12), month.month % 12 + 1, 1)
    return start, timezone.make_aware(dt.datetime(following.year, following.month, 1))


def projects_visible_to(*, user, structure_ids: Iterable[int]) -> QuerySet[Project]:
    """The co-built projects a person may see, with their exhibition and partners: every one for
    staff, else those where one of `structure_ids` (the person's own structures) is a partner."""
    projects = Project.objects.select_related("exhibition").prefetch_related("partners")
    if not user.is_staff:
        projects = projects.filter(partners__in=list(structure_ids)).distinct()
    return projects.order_by("-start_date", "name")


# ---------------------------------------------------------------------------------------------
# The mediators' planning: who sees the planning of whom
# ---------------------------------------------------------------------------------------------


def has_planning(user) -> bool:
    """Staff and mediators have a planning; for anyone else it does not exist (a 404)."""
    return user.is_authenticated and (user.is_staff or user.is_mediator)


def sessions_led_by(sessions: QuerySet[Session], mediator: User) -> QuerySet[Session]:
    """The sessions among these that the mediator leads.

    Checked session by session, with a scalar subquery the planner cannot turn into a join: a
    mediator has thousands of assignments over the years, while a week holds a few hundred sessions
    of the museum, so the week's sessions are found by date first and each looked up in the index.
    """
    assignment = Assignment.objects.filter(session=OuterRef("pk"), mediator=mediator).values("pk")[:1]
    return sessions.alias(assigned=Subquery(assignment)).filter(assigned__isnull=False)


def planning_sessions(*, viewer, mediator: User | None = None) -> QuerySet[Session]:
    """The sessions whose planning `viewer` may see: a mediator, the sessions they lead; staff, every
    session, or those of the `mediator` they picked; anyone else, none."""
    if not has_planning(viewer):
        return Session.objects.none()
    if not viewer.is_staff:
        return sessions_led_by(Session.objects.all(), viewer)
    if mediator is not None:
        return sessions_led_by(Session.objects.all(), mediator)
    return Session.objects.all()


def planning_mediator(*, viewer, value: str) -> User | None:
    """The mediator whose planning staff ask for (?mediateur=<id>); None for anyone but staff, and
    for a value that names no mediator."""
    if not viewer.is_staff or not value.isdigit():
        return None
    return User.objects.filter(pk=int(value), groups__name=MEDIATORS_GROUP).first()


def planning_mediators(*, viewer) -> list[User]:
    """The mediators staff may pick (the active ones, by name); nobody for anyone else."""
    if not viewer.is_staff:
        return []
    return list(
        User.objects.filter(groups__name=MEDIATORS_GROUP, is_active=True).order_by("last_name", "first_name")
    )


def calendar_owner(token: str) -> User | None:
    """The active user whose calendar feeds this secret token opens, if any."""
    if not token or len(token) > 64:
        return None
    return User.objects.filter(calendar_token=token, is_active=True).first()
