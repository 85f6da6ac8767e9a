"""Periodic tasks of the bookings app (scheduled in louvrelens_social/celery.py). Each calls a service."""

from celery import shared_task

from . import reminders


@shared_task(name="bookings.tasks.plan_reminders_task")
def plan_reminders_task() -> int:
    """Queue the reminders whose time has come (never scheduled ahead as ETA tasks)."""
    return reminders.reminders_plan()


@shared_task(name="bookings.tasks.expire_waitlist_offers_task")
def expire_waitlist_offers_task() -> int:
    """Offers of freed seats to waiting groups that were not taken in time pass to the next group."""
    from .services import waitlist_expire_offers

    return waitlist_expire_offers()


@shared_task(name="bookings.tasks.clear_old_free_text_task")
def clear_old_free_text_task() -> int:
    """Free text about groups is cleared after the retention period (privacy)."""
    from .privacy import free_text_clear_due

    return free_text_clear_due()
