"""Celery tasks of the outbox. Each one calls the sending; the outbox rows make them safe to run twice.

The task names are written out: messages already queued in the broker carry them.
"""

from celery import shared_task

from . import sending


@shared_task(name="notifications.tasks.send_message_task")
def send_message_task(*, message_id: int) -> bool:
    """Send one message after the transaction that queued it has committed."""
    return sending.message_send(message_id=message_id)


@shared_task(name="notifications.tasks.send_messages_task")
def send_messages_task(*, message_ids: list[int]) -> int:
    """Send a batch of messages (the reminders planned together). Returns how many were sent."""
    return sending.outbox_send(message_ids=message_ids, limit=len(message_ids)).sent


@shared_task(name="notifications.tasks.sweep_outbox_task")
def sweep_outbox_task() -> int:
    """Send what is due: new rows a lost task left, retries whose time has come, stuck rows."""
    return sending.outbox_sweep().sent
