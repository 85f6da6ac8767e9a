"""Reminders: 7 and 1 days before by default, delays per offer kind, once per (booking, kind)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from bookings.enums import BookingStatus, ReminderKind
from bookings.models import Reminder, ReminderPolicy
from bookings.reminders import reminders_plan
from bookings.tasks import plan_reminders_task
from notifications.enums import MessageState
from notifications.models import OutboxMessage
from notifications.sending import outbox_sweep
from programmes.enums import OfferKind, SessionStatus
from programmes.models import AccessibilityOption
from tests.bookings.factories import booking_with_coordinators
from tests.partners.factories import UserFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


def _planned() -> set[tuple[int, str]]:
    return set(Reminder.objects.values_list("booking_id", "kind"))


def test_last_reminder_one_day_before_to_every_coordinator():
    booking, users = booking_with_coordinators(coordinators=2, start_in=20 * HOUR, booked_ago=30 * DAY)

    planned = reminders_plan()

    assert planned == 1
    assert _planned() == {(booking.pk, ReminderKind.LAST)}
    messages = OutboxMessage.objects.filter(booking=booking)
    assert sorted(messages.values_list("to", flat=True)) == sorted(u.email for u in users)
    assert set(messages.values_list("template", "state")) == {("reminder", MessageState.QUEUED)}
    assert {m.dedupe_key for m in messages} == {
        f"reminder-last:booking-{booking.pk}:user-{u.pk}" for u in users
    }


def test_first_reminder_seven_days_before():
    booking, _ = booking_with_coordinators(start_in=6 * DAY, booked_ago=30 * DAY)

    reminders_plan()

    assert _planned() == {(booking.pk, ReminderKind.FIRST)}


def test_no_reminder_before_its_time():
    booking_with_coordinators(start_in=8 * DAY, booked_ago=30 * DAY)

    assert reminders_plan() == 0
    assert _planned() == set()


def test_only_the_last_reminder_once_both_are_due():
    booking, _ = booking_with_coordinators(start_in=20 * HOUR, booked_ago=30 * DAY)

    reminders_plan()

    assert _planned() == {(booking.pk, ReminderKind.LAST)}


def test_no_reminder_whose_time_had_passed_when_booked():
    # Booked 2 days ago for a session 4 days away (6 days before): the 7-day reminder's time had passed.
    late, _ = booking_with_coordinators(start_in=4 * DAY, booked_ago=2 * DAY)
    # Booked 10 hours before a session 5 hours away: neither reminder.
    last_minute, _ = booking_with_coordinators(start_in=5 * HOUR, booked_ago=10 * HOUR)

    assert reminders_plan() == 0
    assert _planned() == set()
    assert OutboxMessage.objects.count() == 0
    assert late.pk and last_minute.pk


def test_last_reminder_still_sent_when_booked_a_few_days_before():
    booking, _ = booking_with_coordinators(start_in=20 * HOUR, booked_ago=3 * DAY)

    reminders_plan()

    assert _planned() == {(booking.pk, ReminderKind.LAST)}


@pytest.mark.parametrize("status", [BookingStatus.CANCELLED, BookingStatus.WAITLISTED])
def test_no_reminder_for_a_booking_not_confirmed(status):
    booking_with_coordinators(start_in=20 * HOUR, status=status)

    assert reminders_plan() == 0
    assert OutboxMessage.objects.count() == 0


def test_no_reminder_for_a_cancelled_session():
    booking, _ = booking_with_coordinators(start_in=20 * HOUR)
    booking.session.status = SessionStatus.CANCELLED
    booking.session.save()

    assert reminders_plan() == 0


def test_policy_per_offer_kind():
    ReminderPolicy.objects.create(offer_kind=OfferKind.WORKSHOP, first_days_before=14, last_days_before=2)
    ReminderPolicy.objects.create(offer_kind=OfferKind.ABC, first_days_before=None, last_days_before=None)
    workshop, _ = booking_with_coordinators(start_in=10 * DAY, offer_kind=OfferKind.WORKSHOP)
    visit, _ = booking_with_coordinators(start_in=10 * DAY, offer_kind=OfferKind.GUIDED_VISIT)
    workshop_soon, _ = booking_with_coordinators(start_in=40 * HOUR, offer_kind=OfferKind.WORKSHOP)
    visit_soon, _ = booking_with_coordinators(start_in=40 * HOUR, offer_kind=OfferKind.GUIDED_VISIT)
    abc_soon, _ = booking_with_coordinators(start_in=20 * HOUR, offer_kind=OfferKind.ABC)

    reminders_plan()

    assert _planned() == {
        (workshop.pk, ReminderKind.FIRST),
        (workshop_soon.pk, ReminderKind.LAST),
        (visit_soon.pk, ReminderKind.FIRST),
    }
    assert visit.pk and abc_soon.pk


def test_planning_twice_queues_each_reminder_once():
    booking, users = booking_with_coordinators(coordinators=2, start_in=20 * HOUR)

    assert reminders_plan() == 1
    assert reminders_plan() == 0

    assert Reminder.objects.count() == 1
    assert OutboxMessage.objects.count() == 2


def test_database_refuses_a_second_reminder_of_the_same_kind():
    booking, _ = booking_with_coordinators(start_in=20 * HOUR)
    Reminder.objects.create(booking=booking, kind=ReminderKind.LAST, due_at=timezone.now())

    with pytest.raises(IntegrityError):
        Reminder.objects.create(booking=booking, kind=ReminderKind.LAST, due_at=timezone.now())


def test_first_then_last_reminder_of_the_same_booking():
    booking, _ = booking_with_coordinators(start_in=6 * DAY)
    reminders_plan()
    session = booking.session
    session.start = timezone.now() + 20 * HOUR
    session.end = session.start + 2 * HOUR
    session.booking_deadline = timezone.now()
    session.save()

    reminders_plan()

    assert _planned() == {(booking.pk, ReminderKind.FIRST), (booking.pk, ReminderKind.LAST)}


def test_training_booking_reminds_the_relais_attending_only():
    attendee = UserFactory()
    booking, users = booking_with_coordinators(coordinators=2, start_in=20 * HOUR, attendee=attendee)

    reminders_plan()

    assert list(OutboxMessage.objects.values_list("to", flat=True)) == [attendee.email]


def test_reminder_content_reflects_the_booking_when_sent(settings):
    settings.SITE_URL = "https://portail.louvrelens.example"
    booking, (user,) = booking_with_coordinators(start_in=20 * HOUR, participants=8, accompanying_staff=2)
    booking.session.offer.meeting_point = "Hall d'accueil, près du vestiaire des groupes"
    booking.session.offer.what_to_bring = "Une pièce d'identité par accompagnateur"
    booking.session.offer.save()
    reminders_plan()
    # Changed after the reminder was queued, before it is sent.
    booking.participants = 11
    booking.contact_phone = "06 11 22 33 44"
    booking.wheelchair_users = 1
    booking.save()
    booking.accessibility_needs.add(AccessibilityOption.objects.get_or_create(code="lsf")[0])

    outbox_sweep()

    (email,) = mail.outbox
    with translation.override(user.language):
        participants = ngettext("%(counter)s participant", "%(counter)s participants", 11) % {"counter": 11}
        before = ngettext("%(counter)s participant", "%(counter)s participants", 8) % {"counter": 8}
        wheelchair = ngettext("%(counter)s wheelchair user", "%(counter)s wheelchair users", 1)
        wheelchair %= {"counter": 1}
        lsf = str(AccessibilityOption.objects.get(code="lsf"))
    assert email.to == [user.email]
    assert booking.session.offer.title in email.subject
    assert participants in email.body
    assert before not in email.body
    assert "06 11 22 33 44" in email.body
    assert "Hall d'accueil, près du vestiaire des groupes" in email.body
    assert "Une pièce d'identité par accompagnateur" in email.body
    assert wheelchair in email.body
    assert lsf in email.body
    assert f"https://portail.louvrelens.example/reservations/{booking.pk}/" in email.body
    html = email.alternatives[0][0]
    assert participants in html


def test_reminder_has_the_ics_attached():
    booking, _ = booking_with_coordinators(start_in=20 * HOUR)
    reminders_plan()

    outbox_sweep()

    (email,) = mail.outbox
    ((filename, content, mimetype),) = email.attachments
    assert filename == "louvre-lens.ics"
    assert mimetype.startswith("text/calendar")
    text = content.decode() if isinstance(content, bytes) else content
    assert "BEGIN:VCALENDAR" in text
    assert f"UID:booking-{booking.pk}@" in text


def test_reminder_of_a_booking_cancelled_since_is_not_sent():
    booking, _ = booking_with_coordinators(start_in=20 * HOUR)
    reminders_plan()
    booking.status = BookingStatus.CANCELLED
    booking.save()

    report = outbox_sweep()

    message = OutboxMessage.objects.get()
    assert mail.outbox == []
    assert report.skipped == 1
    assert message.state == MessageState.SKIPPED
    assert message.last_error == gettext("The booking is no longer confirmed.")


def test_plan_reminders_task_sends_them_after_commit(django_capture_on_commit_callbacks):
    bookings = [booking_with_coordinators(start_in=20 * HOUR)[0] for _ in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        planned = plan_reminders_task()

    assert planned == 3
    assert len(mail.outbox) == 3
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {MessageState.SENT}
    assert {m.to[0] for m in mail.outbox} == {b.structure.memberships.get().user.email for b in bookings}
