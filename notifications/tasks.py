"""Celery tasks of the outbox. Each one calls a service; the outbox rows make them safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name="notifications.tasks.send_message_task")
def send_message_task(*, message_id: int) -> bool:
    """Send one message after the transaction that queued it has committed."""
    return services.message_send(message_id=message_id)


@shared_task(name="notifications.tasks.send_messages_task")
def send_messages_task(*, message_ids: list[int]) -> int:
    """Send a batch of messages (the reminders planned together). Returns how many were sent."""
    return services.outbox_send(message_ids=message_ids, limit=len(message_ids)).sent


@shared_task(name="notifications.tasks.sweep_outbox_task")
def sweep_outbox_task() -> int:
    """Send what is due: new rows a lost task left, retries whose time has come, stuck rows."""
    return services.outbox_sweep().sent
