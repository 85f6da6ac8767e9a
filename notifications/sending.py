"""Sending the outbox: claim due messages, render each, hand it to the mail server, record the result.

Called by the outbox's tasks (`notifications/tasks.py`) and by the sweeper; nothing here queues a
task. Life of a message::

    queued ──claim──▶ sending ──SMTP accepted──▶ sent
      ▲                  │
      └── temporary ─────┤  (SMTP 4xx, connection error, timeout: again after a backoff delay)
                         └── permanent, or last attempt ──▶ failed  (staff see it and may send again)

Exactly once, as far as SMTP allows: a row is claimed by one atomic UPDATE (rows locked with
`SKIP LOCKED`, state checked under the lock), so two deliveries of the same task, or a task and the
sweeper, never both send it; a run only marks sent the rows it still holds (`claim`). The one
window left is a crash after the mail server accepted the message and before the row is marked
sent (one UPDATE, a few milliseconds): the row then stays "sending" and the sweeper sends it again
after `OUTBOX_SENDING_TIMEOUT_SECONDS`. That window is at-least-once by nature (RFC 1047); the
stable Message-ID header lets mail systems drop the copy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
import time
import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import registry
from .conf import outbox_setting
from .enums import MessageState
from .models import OutboxMessage
from .rendering import render_message

logger = logging.getLogger(__name__)


@dataclass
class SendReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    skipped: int = 0

    def add(self, other: SendReport) -> None:
        for name in ("claimed", "sent", "retried", "failed", "released", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff after the `attempts`-th failed attempt: base, 2×base, 4×base... capped."""
    base = outbox_setting("OUTBOX_RETRY_BASE_SECONDS")
    seconds = min(base * 2 ** max(attempts - 1, 0), outbox_setting("OUTBOX_RETRY_MAX_SECONDS"))
    return dt.timedelta(seconds=seconds)


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)[:2000]
    return f"{type(exc).__name__}: {exc}"[:2000]


def classify_send_error(exc: BaseException) -> tuple[bool, bool]:
    """(temporary, connection_lost) for an error raised while handing a message to the server.

    SMTP 4xx, connection errors and timeouts are temporary; 5xx answers are permanent, except an
    authentication failure, which is the portal's configuration and not the message's fault.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
        return all(400 <= code < 500 for code in codes), False
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return True, True
    if isinstance(exc, smtplib.SMTPConnectError):
        return True, True
    if isinstance(exc, smtplib.SMTPResponseException):
        return not (500 <= exc.smtp_code < 600), False
    if isinstance(exc, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError):
        return True, True
    if isinstance(exc, smtplib.SMTPNotSupportedError | ValueError | UnicodeError):
        return False, False  # an address or header the server cannot take as it is
    if isinstance(exc, OSError):
        return True, True
    return True, False  # unknown: retried, within the limit of attempts


def _claim(*, message_ids: list[int] | None, limit: int, now: dt.datetime) -> uuid.UUID | None:
    """Mark up to `limit` due rows "sending" for this run, in one UPDATE; returns the run's token."""
    stale = now - dt.timedelta(seconds=outbox_setting("OUTBOX_SENDING_TIMEOUT_SECONDS"))
    due = OutboxMessage.objects.filter(
        Q(state=MessageState.QUEUED, not_before__lte=now)
        | Q(state=MessageState.SENDING, sending_since__lte=stale)
    )
    if message_ids is not None:
        due = due.filter(pk__in=message_ids)
    # Rows another run holds are skipped, not waited for; the state is checked again under the lock.
    picked = due.order_by("not_before", "pk").select_for_update(skip_locked=True).values("pk")[:limit]
    token = uuid.uuid4()
    with transaction.atomic():
        count = OutboxMessage.objects.filter(pk__in=picked).update(
            state=MessageState.SENDING, sending_since=now, claim=token, attempts=F("attempts") + 1
        )
    return token if count else None


def _claimed(token: uuid.UUID) -> list[OutboxMessage]:
    """The run's messages, loaded with what the apps' providers read (`registry.register_preload`)."""
    messages = OutboxMessage.objects.filter(claim=token, state=MessageState.SENDING)
    return list(registry.preloaded(messages).order_by("not_before", "pk"))


def _mark_failed(message: OutboxMessage, token: uuid.UUID, error: str) -> None:
    OutboxMessage.objects.filter(pk=message.pk, claim=token).update(
        state=MessageState.FAILED, last_error=error, failed_at=timezone.now(), claim=None
    )
    logger.error("Message %s (%s to %s) failed: %s", message.pk, message.template, message.to, error)


def _mark_retry(message: OutboxMessage, token: uuid.UUID, error: str) -> bool:
    """Back to the queue after a backoff delay, or failed after the last attempt. True if retried."""
    if message.attempts >= outbox_setting("OUTBOX_MAX_ATTEMPTS"):
        _mark_failed(message, token, error)
        return False
    OutboxMessage.objects.filter(pk=message.pk, claim=token).update(
        state=MessageState.QUEUED,
        not_before=timezone.now() + retry_delay(message.attempts),
        last_error=error,
        claim=None,
        sending_since=None,
    )
    logger.warning("Message %s will be tried again (attempt %d): %s", message.pk, message.attempts, error)
    return True


def _release(messages: list[OutboxMessage], token: uuid.UUID, *, delay: dt.timedelta) -> int:
    """Give claimed but untried rows back to the queue; their attempt did not happen."""
    if not messages:
        return 0
    return OutboxMessage.objects.filter(pk__in=[m.pk for m in messages], claim=token).update(
        state=MessageState.QUEUED,
        attempts=F("attempts") - 1,
        not_before=timezone.now() + delay,
        claim=None,
        sending_since=None,
    )


def outbox_send(*, message_ids: list[int] | None = None, limit: int | None = None) -> SendReport:
    """Send one batch: the given messages if they are due, or the oldest due ones.

    Queries: a fixed number for the batch (BEGIN, claim, COMMIT, the load, and what the apps'
    preloads prefetch: 5 for a batch of reminders, with their bookings' accessibility needs) and
    one per message (marked sent, failed or queued again): 1.1 per reminder in batches of 50.
    """
    report = SendReport()
    limit = limit or outbox_setting("OUTBOX_BATCH_SIZE")
    started = time.monotonic()
    token = _claim(message_ids=message_ids, limit=limit, now=timezone.now())
    if token is None:
        return report
    messages = _claimed(token)
    report.claimed = len(messages)
    # A run must not hold rows so long that the sweeper takes them for lost and sends them twice.
    budget = outbox_setting("OUTBOX_SENDING_TIMEOUT_SECONDS") / 2
    max_attempts = outbox_setting("OUTBOX_MAX_ATTEMPTS")
    connection = get_connection()
    opened = False
    try:
        for index, message in enumerate(messages):
            if time.monotonic() - started > budget:
                report.released += _release(messages[index:], token, delay=dt.timedelta(0))
                break
            if message.attempts > max_attempts:  # taken back from a run that stopped while sending
                _mark_failed(
                    message, token, message.last_error or _("The sending was interrupted too often.")
                )
                report.failed += 1
                continue
            reason = registry.obsolete_reason(message)
            if reason:
                OutboxMessage.objects.filter(pk=message.pk, claim=token).update(
                    state=MessageState.SKIPPED, last_error=reason, claim=None
                )
                report.skipped += 1
                continue
            try:
                email = render_message(message)
            except DatabaseError as exc:
                report.retried += _mark_retry(message, token, _error_text(exc))
                continue
            except Exception as exc:  # noqa: BLE001 - a broken template or address fails this message only
                _mark_failed(message, token, _error_text(exc))
                report.failed += 1
                continue
            try:
                if not opened:
                    connection.open()
                    opened = True
                if connection.send_messages([email]) != 1:
                    raise ValueError("The email backend did not send the message.")
            except Exception as exc:  # noqa: BLE001 - classified below, recorded on the row
                temporary, connection_lost = classify_send_error(exc)
                error = _error_text(exc)
                if temporary:
                    retried = _mark_retry(message, token, error)
                    report.retried += retried
                    report.failed += not retried
                else:
                    _mark_failed(message, token, error)
                    report.failed += 1
                if connection_lost:
                    _close_quietly(connection)
                    opened = False
                    # The server is unreachable: the rest of the batch waits instead of timing out
                    # one by one; it has not been tried, so it costs no attempt.
                    rest = messages[index + 1 :]
                    report.released += _release(rest, token, delay=retry_delay(1))
                    break
                continue
            # The mail server has accepted the message: record it at once (the at-least-once window).
            updated = OutboxMessage.objects.filter(pk=message.pk, claim=token).update(
                state=MessageState.SENT, sent_at=timezone.now(), subject=email.subject[:250], claim=None
            )
            if not updated:
                logger.warning("Message %s was taken over by another run while being sent.", message.pk)
            report.sent += 1
    finally:
        if opened:
            _close_quietly(connection)
    return report


def _close_quietly(connection) -> None:
    with contextlib.suppress(Exception):  # the connection is being dropped anyway
        connection.close()


def message_send(*, message_id: int) -> bool:
    """Send one message if it is due and nobody else is sending it. True when this call sent it."""
    return outbox_send(message_ids=[message_id], limit=1).sent == 1


def outbox_sweep(*, budget_seconds: float | None = None) -> SendReport:
    """Send every due message (queued, retry time come, or stuck in "sending"), batch after batch."""
    total = SendReport()
    default = max(outbox_setting("OUTBOX_SWEEP_SECONDS") * 0.9, 5)
    budget = default if budget_seconds is None else budget_seconds
    started = time.monotonic()
    while time.monotonic() - started < budget:
        report = outbox_send()
        total.add(report)
        if report.claimed == 0:
            break
    if total.claimed:
        logger.info(
            "Outbox sweep: %d sent, %d to retry, %d failed, %d put back.",
            total.sent,
            total.retried,
            total.failed,
            total.released,
        )
    return total
