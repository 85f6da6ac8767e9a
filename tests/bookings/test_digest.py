"""The evening digest: tomorrow's sessions, one email per mediator, once per day."""

from __future__ import annotations

import pytest

from bookings.tasks import send_mediator_digests_task
from notifications.models import OutboxMessage
from programmes.enums import SessionStatus
from tests.bookings.factories import BookingFactory
from tests.programmes.factories import OfferFactory, assign, at, session_at

pytestmark = pytest.mark.django_db


def test_digest_queues_one_email_per_mediator_with_tomorrows_sessions(
    mediator, other_mediator, django_capture_on_commit_callbacks, mailoutbox
):
    morning = session_at(at(1, 10), offer=OfferFactory(title="Visite du matin"))
    afternoon = session_at(at(1, 14), offer=OfferFactory(title="Atelier de l'après-midi"))
    assign(morning, mediator)
    assign(afternoon, mediator)
    BookingFactory(session=morning, contact_name="Alex Dupont")
    assign(session_at(at(2, 10)), other_mediator)  # the day after tomorrow: not in this digest

    with django_capture_on_commit_callbacks(execute=True):
        queued = send_mediator_digests_task()

    assert queued == 1
    message = OutboxMessage.objects.get(template="mediator_digest")
    assert message.to == mediator.email
    assert [s["offer"] for s in message.context["sessions"]] == ["Visite du matin", "Atelier de l'après-midi"]
    assert message.context["sessions"][0]["groups"][0]["contact_name"] == "Alex Dupont"
    assert len(mailoutbox) == 1
    assert "Visite du matin" in mailoutbox[0].body


def test_digest_runs_twice_but_queues_once(mediator):
    assign(session_at(at(1, 10)), mediator)

    send_mediator_digests_task()
    send_mediator_digests_task()

    assert OutboxMessage.objects.filter(template="mediator_digest").count() == 1


def test_digest_skips_cancelled_sessions(mediator):
    assign(session_at(at(1, 10), status=SessionStatus.CANCELLED), mediator)

    assert send_mediator_digests_task() == 0
    assert OutboxMessage.objects.count() == 0


def test_digest_for_given_day(mediator):
    session = session_at(at(4, 10))
    assign(session, mediator)

    queued = send_mediator_digests_task(day=at(4, 0).date().isoformat())

    assert queued == 1
    assert (
        OutboxMessage.objects.get().dedupe_key
        == f"mediator_digest:user-{mediator.pk}:{at(4, 0).date().isoformat()}"
    )
