"""The Celery application. The periodic schedule is defined here and nowhere else.

`manage.py run_scheduler` (the embedded default of `make run`, without Redis) runs this same
schedule in a loop.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "louvrelens_social.settings")

app = Celery("louvrelens_social")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def beat_schedule() -> dict:
    """The periodic tasks; the two frequent intervals can be tuned by settings (tests shorten them)."""
    from django.conf import settings

    sweep = float(getattr(settings, "OUTBOX_SWEEP_SECONDS", 60))
    plan = float(getattr(settings, "REMINDER_PLAN_SECONDS", 300))
    return {
        "sweep-outbox": {"task": "notifications.tasks.sweep_outbox_task", "schedule": sweep},
        "plan-reminders": {"task": "bookings.tasks.plan_reminders_task", "schedule": plan},
        "expire-waitlist-offers": {"task": "bookings.tasks.expire_waitlist_offers_task", "schedule": 300.0},
        "mediator-digest": {
            "task": "bookings.tasks.send_mediator_digests_task",
            "schedule": crontab(hour=18, minute=0),
        },
        "clear-old-free-text": {
            "task": "bookings.tasks.clear_old_free_text_task",
            "schedule": crontab(hour=3, minute=30),
        },
    }


@app.on_after_configure.connect
def _set_schedule(sender, source, **kwargs):
    # Django's settings are read here, once Celery loads its configuration, not at import time.
    source.beat_schedule = beat_schedule()
