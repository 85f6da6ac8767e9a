"""Reads about the programme shared by views, admin and tasks."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import Offer


def published_offers():
    return Offer.objects.filter(is_published=True)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of a month and of the next one, in the museum's time zone."""
    start = timezone.make_aware(dt.datetime(month.year, month.month, 1))
    following = dt.date(month.year + (month.month // 12), month.month % 12 + 1, 1)
    return start, timezone.make_aware(dt.datetime(following.year, following.month, 1))
