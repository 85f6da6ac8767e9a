"""The outbox: queued once, sent once, temporary errors retried with backoff, permanent ones failed."""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext

from notifications import registry
from notifications.enums import MessageState
from notifications.models import OutboxMessage
from notifications.rendering import render_message
from notifications.sending import outbox_send, outbox_sweep, retry_delay
from notifications.services import NotificationError, message_queue, message_retry, messages_queue_many
from notifications.tasks import send_message_task
from tests.bookings.factories import booking_with_coordinators
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db


def _row(**fields) -> OutboxMessage:
    """A queued message created directly, as if its send task had been lost."""
    user = fields.pop("user", None) or UserFactory()
    defaults = {
        "template": "waitlist_cleared",
        "to": user.email,
        "dedupe_key": f"test:{user.pk}:{fields.get('template', '')}",
        "not_before": timezone.now() - dt.timedelta(seconds=1),
    }
    return OutboxMessage.objects.create(**{**defaults, **fields})


def _booking_row(**fields) -> OutboxMessage:
    booking, (user,) = booking_with_coordinators()
    return _row(
        user=user,
        booking=booking,
        template="reminder",
        context={"booking_id": booking.pk, "kind": "last"},
        **fields,
    )


def test_message_queue_same_key_twice_creates_one_row():
    user = UserFactory()
    first = message_queue(template="reminder", to=user.email, dedupe_key="k-1")
    second = message_queue(template="reminder", to="other@exemple.fr", dedupe_key="k-1")

    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    assert second.to == user.email


def test_messages_queue_many_keeps_one_row_per_key_even_when_told_the_keys_are_new(
    django_capture_on_commit_callbacks, django_assert_num_queries
):
    user = UserFactory()
    spec = {"template": "waitlist_cleared", "to": user.email, "dedupe_key": f"new-booking:{user.pk}"}

    with django_capture_on_commit_callbacks() as first:
        assert messages_queue_many(messages=[spec]) == 1
    with django_assert_num_queries(1):  # the insert alone: the keys are not looked up
        messages_queue_many(messages=[{**spec, "to": "someone-else@example.org"}], keys_are_new=True)
    with django_capture_on_commit_callbacks():
        assert messages_queue_many(messages=[spec]) == 0  # looked up: nothing new

    row = OutboxMessage.objects.get(dedupe_key=spec["dedupe_key"])
    assert row.to == user.email  # the unique key kept the first row
    assert len(first) == 1


def test_message_queue_sends_after_commit_once(django_capture_on_commit_callbacks):
    message = _booking_row()
    OutboxMessage.objects.filter(pk=message.pk).delete()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = message_queue(
            template="reminder",
            to=message.to,
            dedupe_key="reminder-last:x",
            booking_id=message.booking_id,
            context={"booking_id": message.booking_id},
        )
        assert mail.outbox == []  # nothing leaves before the transaction commits

    queued.refresh_from_db()
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [message.to]
    assert queued.state == MessageState.SENT
    assert queued.attempts == 1
    assert queued.sent_at is not None
    assert queued.subject == mail.outbox[0].subject


def test_message_queue_in_the_future_is_not_sent_now(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message_queue(
            template="reminder",
            to=user.email,
            dedupe_key="later",
            not_before=timezone.now() + dt.timedelta(hours=1),
        )

    assert callbacks == []
    assert outbox_sweep().claimed == 0
    assert mail.outbox == []


def test_send_message_task_twice_sends_one_email():
    message = _booking_row()

    first = send_message_task(message_id=message.pk)
    second = send_message_task(message_id=message.pk)

    message.refresh_from_db()
    assert (first, second) == (True, False)
    assert len(mail.outbox) == 1
    assert message.state == MessageState.SENT
    assert message.attempts == 1


def test_retry_delay_doubles_up_to_the_cap(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    settings.OUTBOX_RETRY_MAX_SECONDS = 600

    delays = [retry_delay(attempt).total_seconds() for attempt in range(1, 7)]

    assert delays == [60, 120, 240, 480, 600, 600]


def test_temporary_smtp_error_is_retried_with_backoff(settings, smtp_to_sink):
    settings.OUTBOX_RETRY_BASE_SECONDS = 60
    smtp_to_sink.rcpt_reply = lambda address: "451 4.3.0 Mailbox busy, try again later"
    message = _booking_row()

    before = timezone.now()
    report = outbox_send()
    message.refresh_from_db()

    assert (report.sent, report.retried, report.failed) == (0, 1, 0)
    assert message.state == MessageState.QUEUED
    assert message.attempts == 1
    assert "451" in message.last_error
    assert (
        before + dt.timedelta(seconds=60) <= message.not_before <= timezone.now() + dt.timedelta(seconds=60)
    )
    assert outbox_send().claimed == 0  # not due before its backoff delay

    OutboxMessage.objects.filter(pk=message.pk).update(not_before=timezone.now())
    before = timezone.now()
    outbox_send()
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.not_before >= before + dt.timedelta(seconds=120)


def test_temporary_error_fails_visibly_after_the_last_attempt(settings, smtp_to_sink):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    smtp_to_sink.rcpt_reply = lambda address: "451 4.3.0 Mailbox busy, try again later"
    message = _booking_row()

    for _ in range(3):
        OutboxMessage.objects.filter(pk=message.pk).update(not_before=timezone.now())
        outbox_send()
    message.refresh_from_db()

    assert message.state == MessageState.FAILED
    assert message.attempts == 3
    assert message.failed_at is not None
    assert "451" in message.last_error
    assert len([a for a in smtp_to_sink.attempts if a.rcpt == message.to]) == 3
    assert outbox_sweep().claimed == 0


def test_permanent_smtp_error_fails_at_once(smtp_to_sink):
    smtp_to_sink.rcpt_reply = lambda address: "550 5.1.1 No such user here"
    message = _booking_row()

    report = outbox_send()
    message.refresh_from_db()

    assert (report.sent, report.retried, report.failed) == (0, 0, 1)
    assert message.state == MessageState.FAILED
    assert message.attempts == 1
    assert "550" in message.last_error


def test_smtp_sink_receives_the_message(smtp_to_sink):
    message = _booking_row()

    outbox_send()

    assert smtp_to_sink.recipients() == [message.to]
    received = smtp_to_sink.messages[0].message
    assert received["Message-ID"].startswith(f"<outbox-{message.pk}.")


def test_one_bad_message_does_not_block_the_others():
    good_before = _booking_row(dedupe_key="good-1")
    malformed = _row(to="not-an-address", dedupe_key="bad-address")
    broken = _row(template="no_such_template", dedupe_key="bad-template")
    good_after = _booking_row(dedupe_key="good-2")

    report = outbox_send()

    states = dict(OutboxMessage.objects.values_list("dedupe_key", "state"))
    assert states == {
        "good-1": MessageState.SENT,
        "bad-address": MessageState.FAILED,
        "bad-template": MessageState.FAILED,
        "good-2": MessageState.SENT,
    }
    assert (report.sent, report.failed) == (2, 2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([good_before.to, good_after.to])
    malformed.refresh_from_db()
    broken.refresh_from_db()
    assert "not-an-address" in malformed.last_error
    assert "no_such_template" in broken.last_error
    assert malformed.attempts == broken.attempts == 1


def test_mail_server_down_keeps_the_batch_queued_without_spending_attempts(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = 9  # discard port, closed: connection refused
    settings.EMAIL_TIMEOUT = 2
    first = _booking_row(dedupe_key="first", not_before=timezone.now() - dt.timedelta(minutes=2))
    second = _booking_row(dedupe_key="second")

    report = outbox_send()
    first.refresh_from_db()
    second.refresh_from_db()

    assert (report.retried, report.released) == (1, 1)
    assert (first.state, first.attempts) == (MessageState.QUEUED, 1)
    assert (second.state, second.attempts) == (MessageState.QUEUED, 0)
    assert "refused" in first.last_error.lower()
    assert second.not_before > timezone.now()


def test_sweeper_picks_rows_stuck_in_sending(settings):
    settings.OUTBOX_SENDING_TIMEOUT_SECONDS = 600
    stuck = _booking_row(
        dedupe_key="stuck",
        state=MessageState.SENDING,
        attempts=1,
        sending_since=timezone.now() - dt.timedelta(minutes=11),
    )
    busy = _booking_row(
        dedupe_key="busy",
        state=MessageState.SENDING,
        attempts=1,
        sending_since=timezone.now() - dt.timedelta(minutes=2),
    )

    report = outbox_sweep()
    stuck.refresh_from_db()
    busy.refresh_from_db()

    assert report.sent == 1
    assert [m.to for m in mail.outbox] == [[stuck.to]]
    assert (stuck.state, stuck.attempts) == (MessageState.SENT, 2)
    assert (busy.state, busy.attempts) == (MessageState.SENDING, 1)


def test_sweeper_fails_a_stuck_row_that_used_its_attempts(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    stuck = _booking_row(
        state=MessageState.SENDING, attempts=2, sending_since=timezone.now() - dt.timedelta(hours=1)
    )

    outbox_sweep()
    stuck.refresh_from_db()

    assert stuck.state == MessageState.FAILED
    assert mail.outbox == []


def test_sweeper_sends_queued_rows_a_lost_task_left():
    rows = [_booking_row(dedupe_key=f"lost-{n}") for n in range(3)]

    report = outbox_sweep()

    assert report.sent == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.to for r in rows)


@pytest.mark.django_db(transaction=True)
def test_sweeper_skips_a_row_another_sender_holds():
    held = _booking_row(dedupe_key="held")
    free = _booking_row(dedupe_key="free")
    locked = threading.Event()
    done = threading.Event()

    def hold_row():
        with transaction.atomic():
            OutboxMessage.objects.select_for_update().get(pk=held.pk)
            locked.set()
            done.wait(10)
        connections.close_all()

    holder = threading.Thread(target=hold_row)
    holder.start()
    locked.wait(10)
    try:
        report = outbox_sweep(budget_seconds=5)
    finally:
        done.set()
        holder.join()

    assert report.sent == 1
    assert [m.to for m in mail.outbox] == [[free.to]]
    assert OutboxMessage.objects.get(pk=held.pk).state == MessageState.QUEUED


def test_message_retry_sends_a_failed_message_again(django_capture_on_commit_callbacks):
    message = _booking_row(state=MessageState.FAILED, attempts=6, last_error="550 No such user")

    with django_capture_on_commit_callbacks(execute=True):
        message_retry(message=message)
    message.refresh_from_db()

    assert message.state == MessageState.SENT
    assert message.attempts == 1
    assert len(mail.outbox) == 1


def test_message_retry_refuses_a_message_that_did_not_fail():
    message = _booking_row(state=MessageState.SENT)

    with pytest.raises(NotificationError) as error:
        message_retry(message=message)

    assert str(error.value) == gettext("Only a message that failed can be sent again.")
    message.refresh_from_db()
    assert message.state == MessageState.SENT


def test_render_is_accessible_html_and_plain_text(settings):
    settings.SITE_URL = "https://portail.louvrelens.example"
    message = _booking_row(language="en")
    message.booking.session.offer.title = "L'ABC & more"
    message.booking.session.offer.save()
    message = OutboxMessage.objects.get(pk=message.pk)

    email = render_message(message)
    html = email.alternatives[0][0]

    assert '<html lang="en">' in html
    assert "<img" not in html or 'alt="' in html
    assert "Louvre-Lens" in html and "Louvre-Lens" in email.body
    assert f"https://portail.louvrelens.example/reservations/{message.booking_id}/" in email.body
    assert f'href="https://portail.louvrelens.example/reservations/{message.booking_id}/"' in html
    assert "L'ABC & more" in email.subject and "L'ABC & more" in email.body  # text is not HTML-escaped
    assert "L&#x27;ABC &amp; more" in html
    assert "{%" not in email.body and "{{" not in html


def test_render_in_french_by_default():
    message = _booking_row()

    html = render_message(message).alternatives[0][0]

    assert message.language == "fr"
    assert '<html lang="fr">' in html


@pytest.mark.django_db(transaction=True)
def test_send_queries_stay_constant_per_message(django_assert_num_queries):
    # Transactional, like a worker: the claim's transaction is BEGIN/COMMIT, not savepoint queries.
    one = _booking_row(dedupe_key="one")
    # BEGIN, claim, COMMIT, load with bookings, accessibility needs; then one per message: marked sent.
    with django_assert_num_queries(5 + 1):
        outbox_send(message_ids=[one.pk])

    many = [_booking_row(dedupe_key=f"many-{n}") for n in range(20)]
    with django_assert_num_queries(5 + 20):
        report = outbox_send(message_ids=[m.pk for m in many])
    assert report.sent == 20
    assert not connection.in_atomic_block


def test_every_email_template_reading_a_booking_or_session_is_given_them_by_a_provider():
    # The outbox gives a template only its stored context: `booking`, `session` and `booking_url`
    # come from the provider the bookings app registers for its templates (bookings/emails.py).
    emails = Path(django_settings.BASE_DIR) / "templates" / "emails"
    readers = {
        path.name.split(".")[0]
        for path in emails.iterdir()
        if re.search(r"{[{%][^}]*\b(booking\.|session\.|booking_url\b)", path.read_text())  # inside a tag
    }

    assert "reminder" in readers
    assert readers - registry.templates_with_context() == set()

