"""The outbox: every email the portal sends is queued here as a row, then sent by a task.

Queue inside the transaction that makes the event; the send task runs after commit. The sweeper
(see tasks.py) picks up whatever a lost task or a stopped broker left behind.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .enums import MessageState
from .models import OutboxMessage

logger = logging.getLogger(__name__)


class NotificationError(Exception):
    """A message could not be queued."""


def message_queue(
    *,
    template: str,
    to: str,
    dedupe_key: str,
    context: dict | None = None,
    language: str | None = None,
    booking_id: int | None = None,
    not_before: dt.datetime | None = None,
) -> OutboxMessage:
    """Queue one email, once: a second call with the same `dedupe_key` returns the existing row.

    `template` names `templates/emails/<template>.subject.txt`, `.txt` and `.html`; `context` must be
    JSON-serialisable (ids and plain values: the message is rendered when sent, from fresh data).
    """
    try:
        with transaction.atomic():
            message, created = OutboxMessage.objects.get_or_create(
                dedupe_key=dedupe_key,
                defaults={
                    "template": template,
                    "to": to,
                    "context": context or {},
                    "language": language or settings.LANGUAGE_CODE,
                    "booking_id": booking_id,
                    "not_before": not_before or timezone.now(),
                },
            )
    except IntegrityError:  # a concurrent call queued it first
        return OutboxMessage.objects.get(dedupe_key=dedupe_key)
    if created and message.not_before <= timezone.now():
        from .tasks import send_message_task

        message_id = message.pk
        transaction.on_commit(lambda: _dispatch(send_message_task, message_id))
    return message


def _dispatch(task, message_id: int) -> None:
    """Hand the message to the broker; if the broker is down, the sweeper sends it later."""
    try:
        task.delay(message_id=message_id)
    except Exception:  # noqa: BLE001 - broker unreachable: the row stays queued for the sweeper
        logger.warning("Broker unreachable; message %s left for the sweeper.", message_id, exc_info=True)


def render_message(message: OutboxMessage) -> EmailMultiAlternatives:
    context = {"site_url": settings.SITE_URL, **message.context}
    with translation.override(message.language):
        subject = " ".join(render_to_string(f"emails/{message.template}.subject.txt", context).split())
        text = render_to_string(f"emails/{message.template}.txt", context)
        html = render_to_string(f"emails/{message.template}.html", context)
    email = EmailMultiAlternatives(subject=subject, body=text, to=[message.to])
    email.attach_alternative(html, "text/html")
    return email


def message_send(*, message_id: int) -> bool:
    """Send a queued message once. Returns True when this call sent it."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, state=MessageState.QUEUED)
            .first()
        )
        if message is None:
            return False
        message.state = MessageState.SENDING
        message.sending_since = timezone.now()
        message.attempts += 1
        message.save(update_fields=["state", "sending_since", "attempts"])
    try:
        email = render_message(message)
        email.send()
    except Exception as exc:  # noqa: BLE001 - recorded on the row, visible to staff
        OutboxMessage.objects.filter(pk=message.pk).update(state=MessageState.FAILED, last_error=repr(exc)[:2000])
        logger.exception("Message %s failed.", message.pk)
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=MessageState.SENT, sent_at=timezone.now(), subject=email.subject[:250], last_error=""
    )
    return True
