"""`manage.py run_scheduler`: without a broker, the periodic tasks run in one process and send."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command

from bookings.models import Reminder
from notifications.enums import MessageState
from notifications.models import OutboxMessage
from tests.bookings.factories import booking_with_coordinators


@pytest.mark.django_db(transaction=True)
def test_run_scheduler_once_plans_and_sends_reminders(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    booking, (user,) = booking_with_coordinators(start_in=dt.timedelta(hours=20))

    call_command("run_scheduler", "--once")

    assert Reminder.objects.filter(booking=booking).count() == 1
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert OutboxMessage.objects.get().state == MessageState.SENT
