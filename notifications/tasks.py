from celery import shared_task

from . import services


@shared_task(name="notifications.tasks.send_message_task")
def send_message_task(*, message_id: int) -> bool:
    return services.message_send(message_id=message_id)
