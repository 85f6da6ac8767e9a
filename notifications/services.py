"""The outbox: every email the portal sends is queued here as a row, then sent by a task.

Queue inside the transaction that makes the event; the send task runs after commit. The sweeper
(`outbox_sweep`, run every minute by the beat) picks up whatever a lost task, a stopped broker or a
crashed worker left behind, and the messages whose retry time has come.

The arrows run one way: this module queues rows and hands them to the tasks
(`notifications/tasks.py`), which call the sending (`notifications/sending.py`), which renders
(`notifications/rendering.py`). `outbox_send`, `outbox_sweep` and `render_message` are the app's
API too (tests and other apps send or preview with them), so they are importable from here.
Settings: `notifications/conf.py`.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .conf import outbox_setting
from .enums import MessageState
from .models import OutboxMessage
from .rendering import render_message
from .sending import outbox_send, outbox_sweep
from .tasks import send_message_task, send_messages_task

__all__ = [
    "NotificationError",
    "message_queue",
    "message_retry",
    "messages_queue_many",
    "outbox_send",
    "outbox_sweep",
    "render_message",
]

logger = logging.getLogger(__name__)


class NotificationError(Exception):
    """A message could not be queued or sent again; the message is translated, for staff."""


# --------------------------------------------------------------------------------------- queueing


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
    When rendered, the templates also receive `site_url`, `museum_name`, `MUSEUM_ADDRESS`,
    `MUSEUM_PHONE`, `MUSEUM_CONTACT_EMAIL`, `catalogue_url`, and what the sending app registered
    in `notifications.registry` for `template` (context, attachments). `booking_id` ties the
    message to a booking: the admin and the privacy erasure find it, and it goes with the booking.
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
        message_id = message.pk
        transaction.on_commit(lambda: _dispatch([message_id]))
    return message


def messages_queue_many(*, messages: list[dict], keys_are_new: bool = False) -> int:
    """Queue many emails at once (the reminders), each once per `dedupe_key`; returns how many
    rows were new. Each dict has the keyword arguments of `message_queue` (without not_before).

    `keys_are_new`: the caller knows that no row has these keys yet (they name a booking inserted
    by the current transaction), so they are not looked up first; the unique key still keeps one.
    After commit, the new rows are handed to the broker in batches of OUTBOX_BATCH_SIZE.
    """
    if not messages:
        return 0
    now = timezone.now()
    keys = [spec["dedupe_key"] for spec in messages]
    existing = (
        set()
        if keys_are_new
        else set(OutboxMessage.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True))
    )
    rows = [
        OutboxMessage(
            template=spec["template"],
            to=spec["to"],
            dedupe_key=spec["dedupe_key"],
            context=spec.get("context") or {},
            language=spec.get("language") or settings.LANGUAGE_CODE,
            booking_id=spec.get("booking_id"),
            not_before=now,
        )
        for spec in messages
        if spec["dedupe_key"] not in existing
    ]
    # ignore_conflicts: a concurrent planner may insert the same keys; the unique key keeps one.
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    new_keys = [row.dedupe_key for row in rows]
    if new_keys:
        transaction.on_commit(lambda: _dispatch_keys(new_keys))
    return len(rows)


def _dispatch_keys(keys: list[str]) -> None:
    ids = list(
        OutboxMessage.objects.filter(dedupe_key__in=keys, state=MessageState.QUEUED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    _dispatch(ids)


def _dispatch(message_ids: list[int]) -> None:
    """Hand messages to the broker in batches; if the broker is down, the sweeper sends them later."""
    size = outbox_setting("OUTBOX_BATCH_SIZE")
    for start in range(0, len(message_ids), size):
        chunk = message_ids[start : start + size]
        try:
            if len(chunk) == 1:
                send_message_task.apply_async(kwargs={"message_id": chunk[0]}, retry_policy=_PUBLISH_RETRY)
            else:
                send_messages_task.apply_async(kwargs={"message_ids": chunk}, retry_policy=_PUBLISH_RETRY)
        except Exception:  # noqa: BLE001 - broker unreachable: the rows stay queued for the sweeper
            logger.warning(
                "Broker unreachable; %d message(s) left for the sweeper.", len(chunk), exc_info=True
            )


# A web request must not hang on a stopped broker: try briefly, the sweeper does the rest.
_PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}


# --------------------------------------------------------------------------------------- staff


def message_retry(*, message: OutboxMessage) -> OutboxMessage:
    """Staff send a failed message again: back to the queue with a fresh count of attempts."""
    with transaction.atomic():
        locked = OutboxMessage.objects.select_for_update().get(pk=message.pk)
        if locked.state != MessageState.FAILED:
            raise NotificationError(_("Only a message that failed can be sent again."))
        locked.state = MessageState.QUEUED
        locked.attempts = 0
        locked.not_before = timezone.now()
        locked.failed_at = None
        locked.claim = None
        locked.sending_since = None
        locked.save(update_fields=["state", "attempts", "not_before", "failed_at", "claim", "sending_since"])
        message_id = locked.pk
        transaction.on_commit(lambda: _dispatch([message_id]))
    return locked
