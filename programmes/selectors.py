"""Reads about the programme shared by views, admin and tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from .enums import SessionStatus
from .models import Offer, Project, Session


def upcoming_sessions():
    return Session.objects.filter(status=SessionStatus.PLANNED, start__gte=timezone.now())


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
