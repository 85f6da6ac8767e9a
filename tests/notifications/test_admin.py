"""Staff see the outbox in admin, filter and search it, and send a failed message again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from bookings.models import ReminderPolicy
from notifications.enums import MessageState
from notifications.models import OutboxMessage
from programmes.enums import OfferKind
from tests.bookings.factories import booking_with_coordinators
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_outboxmessage_changelist"


def _message(state: str, key: str, **extra) -> OutboxMessage:
    booking, (user,) = booking_with_coordinators()
    return OutboxMessage.objects.create(
        template="reminder",
        to=user.email,
        dedupe_key=key,
        booking=booking,
        context={"booking_id": booking.pk},
        state=state,
        not_before=timezone.now() - dt.timedelta(minutes=1),
        **extra,
    )


def test_outbox_list_shows_state_attempts_and_error(staff_client, django_assert_max_num_queries):
    _message(MessageState.FAILED, "f-1", attempts=6, last_error="SMTPRecipientsRefused: 550 No such user")
    _message(MessageState.SENT, "s-1", attempts=1)

    response = staff_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    content = response.content.decode()
    assert "SMTPRecipientsRefused: 550 No such user" in content
    assert str(MessageState.FAILED.label) in content


def test_outbox_list_filters_by_state_and_searches(staff_client):
    failed = _message(MessageState.FAILED, "f-1", last_error="boom")
    sent = _message(MessageState.SENT, "s-1")

    by_state = staff_client.get(reverse(CHANGELIST), {"state__exact": "failed"})
    by_search = staff_client.get(reverse(CHANGELIST), {"q": sent.to})

    assert list(by_state.context["cl"].result_list) == [failed]
    assert list(by_search.context["cl"].result_list) == [sent]


def test_outbox_message_is_read_only_with_a_preview(staff_client):
    message = _message(MessageState.SENT, "s-1")
    url = reverse("admin:notifications_outboxmessage_change", args=[message.pk])

    response = staff_client.get(url)
    post = staff_client.post(url, {"to": "pirate@exemple.fr"})

    assert response.status_code == 200
    assert message.booking.session.offer.title in response.content.decode()
    assert post.status_code == 403
    message.refresh_from_db()
    assert message.to != "pirate@exemple.fr"


def test_admin_send_again_requeues_and_sends_failed_messages(
    staff_client, django_capture_on_commit_callbacks
):
    failed = _message(MessageState.FAILED, "f-1", attempts=6, last_error="550")
    sent = _message(MessageState.SENT, "s-1", attempts=1)

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse(CHANGELIST),
            {"action": "send_again", ACTION_CHECKBOX_NAME: [failed.pk, sent.pk]},
            follow=True,
        )

    assert response.status_code == 200
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert failed.state == MessageState.SENT
    assert failed.attempts == 1
    assert sent.attempts == 1
    assert [m.to for m in mail.outbox] == [[failed.to]]
    messages = [str(m) for m in response.context["messages"]]
    with translation.override(settings.LANGUAGE_CODE):
        done = ngettext(
            "%(count)d message will be sent again.", "%(count)d messages will be sent again.", 1
        ) % {"count": 1}
        left = ngettext(
            "%(count)d message was left alone: only failed messages can be sent again.",
            "%(count)d messages were left alone: only failed messages can be sent again.",
            1,
        ) % {"count": 1}
    assert messages == [done, left]


def test_outbox_admin_is_for_staff_only(client):
    client.force_login(UserFactory())

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_reminder_policy_admin_refuses_a_first_reminder_after_the_last(staff_client):
    response = staff_client.post(
        reverse("admin:bookings_reminderpolicy_add"),
        {"offer_kind": OfferKind.WORKSHOP, "first_days_before": "1", "last_days_before": "3"},
    )

    assert response.status_code == 200
    with translation.override(settings.LANGUAGE_CODE):
        error = gettext("The first reminder must come before the last one: more days before.")
    assert escape(error) in response.content.decode()
    assert ReminderPolicy.objects.count() == 0


def test_reminder_policy_admin_saves_delays(staff_client):
    response = staff_client.post(
        reverse("admin:bookings_reminderpolicy_add"),
        {"offer_kind": OfferKind.WORKSHOP, "first_days_before": "10", "last_days_before": "2"},
    )

    assert response.status_code == 302
    policy = ReminderPolicy.objects.get()
    assert (policy.first_days_before, policy.last_days_before) == (10, 2)
