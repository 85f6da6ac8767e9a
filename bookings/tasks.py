"""Periodic tasks of the bookings app (scheduled in louvrelens_social/celery.py). Each calls a service."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import reminders
from .mediators import mediator_digests_send
from .privacy import free_text_clear_due
from .services import waitlist_expire_offers


@shared_task(name="bookings.tasks.plan_reminders_task")
def plan_reminders_task() -> int:
    """Queue the reminders whose time has come (never scheduled ahead as ETA tasks)."""
    return reminders.reminders_plan()


@shared_task(name="bookings.tasks.expire_waitlist_offers_task")
def expire_waitlist_offers_task() -> int:
    """Offers of freed seats to waiting groups that were not taken in time pass to the next group."""
    return waitlist_expire_offers()


@shared_task(name="bookings.tasks.clear_old_free_text_task")
def clear_old_free_text_task() -> int:
    """Free text about groups is cleared after the retention period (privacy)."""
    return free_text_clear_due()


@shared_task(name="bookings.tasks.send_mediator_digests_task")
def send_mediator_digests_task(*, day: str | None = None) -> int:
    """Each evening: tell every mediator about tomorrow's sessions and groups (one email each, once a day)."""
    target = dt.date.fromisoformat(day) if day else timezone.localdate() + dt.timedelta(days=1)
    return mediator_digests_send(day=target)
