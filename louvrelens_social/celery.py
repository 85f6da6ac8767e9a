"""The Celery application. The periodic schedule is defined here and nowhere else."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "louvrelens_social.settings")

app = Celery("louvrelens_social")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "sweep-outbox": {"task": "notifications.tasks.sweep_outbox_task", "schedule": 60.0},
    "plan-reminders": {"task": "bookings.tasks.plan_reminders_task", "schedule": 300.0},
    "expire-waitlist-offers": {"task": "bookings.tasks.expire_waitlist_offers_task", "schedule": 300.0},
    "mediator-digest": {
        "task": "programmes.tasks.send_mediator_digests_task",
        "schedule": crontab(hour=18, minute=0),
    },
    "clear-old-free-text": {
        "task": "bookings.tasks.clear_old_free_text_task",
        "schedule": crontab(hour=3, minute=30),
    },
}
