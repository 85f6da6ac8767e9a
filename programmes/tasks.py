"""Periodic work about the programme."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .services import mediator_digests_send


@shared_task
def send_mediator_digests_task(*, day: str | None = None) -> int:
    """Each evening: tell every mediator about tomorrow's sessions (one email each, once per day)."""
    target = dt.date.fromisoformat(day) if day else timezone.localdate() + dt.timedelta(days=1)
    return mediator_digests_send(day=target)
