"""The outbox: every email the portal sends is queued here as a row, then sent by a task.

Queue inside the transaction that makes the event; the send task runs after commit. The sweeper
(`outbox_sweep`, run every minute by the beat) picks up whatever a lost task, a stopped broker or a
crashed worker left behind, and the messages whose retry time has come.

Life of a message::

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

Settings (read with defaults, see `_setting`): OUTBOX_MAX_ATTEMPTS (6), OUTBOX_RETRY_BASE_SECONDS
(60: then 2, 4, 8... minutes), OUTBOX_RETRY_MAX_SECONDS (3600), OUTBOX_SENDING_TIMEOUT_SECONDS (600),
OUTBOX_BATCH_SIZE (50), OUTBOX_SWEEP_SECONDS (60), MUSEUM_NAME.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import smtplib
import time
import uuid
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.template import Context
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import registry
from .enums import MessageState
from .models import OutboxMessage

logger = logging.getLogger(__name__)

DEFAULTS = {
    "OUTBOX_MAX_ATTEMPTS": 6,
    "OUTBOX_RETRY_BASE_SECONDS": 60,
    "OUTBOX_RETRY_MAX_SECONDS": 3600,
    "OUTBOX_SENDING_TIMEOUT_SECONDS": 600,
    "OUTBOX_BATCH_SIZE": 50,
    "OUTBOX_SWEEP_SECONDS": 60,
    "MUSEUM_NAME": "Louvre-Lens",
}


def _setting(name: str):
    return getattr(settings, name, DEFAULTS[name])


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
    `MUSEUM_PHONE`, `MUSEUM_CONTACT_EMAIL`, `catalogue_url`; with `booking_id`: `booking` (its
    session, offer and structure loaded), `session` and `booking_url`; with
    `context["session_id"]` and no booking: `session`. Attachments and extra context come from
    `notifications.registry`.
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
    from .tasks import send_message_task, send_messages_task

    size = _setting("OUTBOX_BATCH_SIZE")
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


# --------------------------------------------------------------------------------------- rendering


def _render_text(name: str, context: dict) -> str:
    # Plain text and subjects are not HTML: no escaping of "&" or apostrophes.
    return get_template(name).template.render(Context(context, autoescape=False))


def booking_url(booking_id: int) -> str:
    try:
        path = reverse("bookings:detail", args=[booking_id])
    except NoReverseMatch:
        path = f"/reservations/{booking_id}/"
    return settings.SITE_URL + path


def _portal_url(name: str, fallback: str) -> str:
    try:
        return settings.SITE_URL + reverse(name)
    except NoReverseMatch:
        return settings.SITE_URL + fallback


def _message_id_header(message: OutboxMessage) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "louvrelens.example"
    stamp = int(message.created_at.timestamp()) if message.created_at else 0
    return f"<outbox-{message.pk}.{stamp}@{domain}>"


def render_message(message: OutboxMessage, *, sessions: dict | None = None) -> EmailMultiAlternatives:
    """The email of a message, rendered now from the data as it is now, in the reader's language."""
    try:
        validate_email(message.to)
    except ValidationError as exc:
        raise ValidationError(
            _("The address “%(to)s” is not a valid email address.") % {"to": message.to}
        ) from exc
    context = {
        "site_url": settings.SITE_URL,
        "museum_name": _setting("MUSEUM_NAME"),
        "MUSEUM_ADDRESS": settings.MUSEUM_ADDRESS,
        "MUSEUM_PHONE": settings.MUSEUM_PHONE,
        "MUSEUM_CONTACT_EMAIL": settings.MUSEUM_CONTACT_EMAIL,
        "catalogue_url": _portal_url("catalogue:index", "/offres/"),
        **message.context,
        "message": message,
    }
    if message.booking_id:
        booking = message.booking
        context.update(booking=booking, session=booking.session, booking_url=booking_url(booking.pk))
    elif "session_id" in message.context:
        session_id = message.context["session_id"]
        session = (sessions or {}).get(session_id)
        if session is None:
            from programmes.models import Session

            session = Session.objects.select_related("offer").get(pk=session_id)
        context["session"] = session
    with translation.override(message.language):
        context.update(registry.context_for(message))
        subject = " ".join(_render_text(f"emails/{message.template}.subject.txt", context).split())
        text = _render_text(f"emails/{message.template}.txt", context)
        html = get_template(f"emails/{message.template}.html").render(context)
        attachments = registry.attachments_for(message)
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        reply_to=[settings.MUSEUM_CONTACT_EMAIL],
        headers={"Message-ID": _message_id_header(message), "Auto-Submitted": "auto-generated"},
    )
    email.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        email.attach(filename, content, mimetype)
    return email


# --------------------------------------------------------------------------------------- sending


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
    base = _setting("OUTBOX_RETRY_BASE_SECONDS")
    seconds = min(base * 2 ** max(attempts - 1, 0), _setting("OUTBOX_RETRY_MAX_SECONDS"))
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
    stale = now - dt.timedelta(seconds=_setting("OUTBOX_SENDING_TIMEOUT_SECONDS"))
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
    return list(
        OutboxMessage.objects.filter(claim=token, state=MessageState.SENDING)
        .select_related("booking__session__offer", "booking__structure", "booking__attendee")
        .prefetch_related("booking__accessibility_needs")
        .order_by("not_before", "pk")
    )


def _sessions_for(messages: list[OutboxMessage]) -> dict:
    ids = {m.context["session_id"] for m in messages if not m.booking_id and "session_id" in m.context}
    if not ids:
        return {}
    from programmes.models import Session

    return Session.objects.select_related("offer").in_bulk(ids)


def _mark_failed(message: OutboxMessage, token: uuid.UUID, error: str) -> None:
    OutboxMessage.objects.filter(pk=message.pk, claim=token).update(
        state=MessageState.FAILED, last_error=error, failed_at=timezone.now(), claim=None
    )
    logger.error("Message %s (%s to %s) failed: %s", message.pk, message.template, message.to, error)


def _mark_retry(message: OutboxMessage, token: uuid.UUID, error: str) -> bool:
    """Back to the queue after a backoff delay, or failed after the last attempt. True if retried."""
    if message.attempts >= _setting("OUTBOX_MAX_ATTEMPTS"):
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

    Queries: 5 for the batch (BEGIN, claim, COMMIT, load with the bookings, their accessibility
    needs; one more if messages name a session without a booking) and one per message (marked
    sent, failed or queued again): 1.1 per reminder in batches of 50.
    """
    report = SendReport()
    limit = limit or _setting("OUTBOX_BATCH_SIZE")
    started = time.monotonic()
    token = _claim(message_ids=message_ids, limit=limit, now=timezone.now())
    if token is None:
        return report
    messages = _claimed(token)
    report.claimed = len(messages)
    sessions = _sessions_for(messages)
    # A run must not hold rows so long that the sweeper takes them for lost and sends them twice.
    budget = _setting("OUTBOX_SENDING_TIMEOUT_SECONDS") / 2
    max_attempts = _setting("OUTBOX_MAX_ATTEMPTS")
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
                email = render_message(message, sessions=sessions)
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
    budget = budget_seconds if budget_seconds is not None else max(_setting("OUTBOX_SWEEP_SECONDS") * 0.9, 5)
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
