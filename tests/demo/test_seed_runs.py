"""`manage.py seed_demo` run from an empty database: its guard, its speed, and the portal's rules
(the services refuse what they would refuse anyone, whatever the day the demo is first loaded)."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.translation import gettext

from bookings.enums import BookingStatus
from bookings.models import Booking
from demo.data import COORDINATOR, STAFF
from demo.seed import demo_seed
from notifications.models import OutboxMessage
from notifications.services import message_queue
from partners.models import User
from programmes.enums import OfferKind

pytestmark = pytest.mark.django_db

LOGINS = ["equipe@louvrelens.example", "mediatrice@louvrelens.example", "relais@louvrelens.example"]


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def test_seed_demo_refuses_to_run_without_debug(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="--force"):
        seed()

    assert User.objects.count() == 0


def test_seed_demo_runs_without_force_when_debug_is_on(settings):
    settings.DEBUG = True

    seed()

    assert User.objects.filter(email__in=LOGINS).count() == 3


def test_seed_demo_is_fast():
    started = time.monotonic()

    seed(force=True)

    assert time.monotonic() - started < 20


@pytest.mark.parametrize("days_ahead", range(1, 8))
def test_demo_seed_keeps_to_the_rules_whatever_the_day_of_the_first_run(monkeypatch, days_ahead):
    # Late in the evening: the latest a first run can happen on its anchor day.
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    late = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 30)))
    User.objects.create(email=STAFF["email"], date_joined=late)
    monkeypatch.setattr(timezone, "now", lambda: late)

    summary = demo_seed()

    assert summary.anchor == day
    assert summary.refused == []
    waiting = Booking.objects.get(status=BookingStatus.WAITLISTED)
    assert waiting.session.start > late
    deepening = Booking.objects.get(attendee__email=COORDINATOR["email"], session__start__gt=late)
    assert deepening.session.offer.kind == OfferKind.DEEPENING


def test_seed_demo_keeps_the_emails_queued_before_it_and_drops_its_own():
    message_queue(template="structure_approve", to="someone@exemple.fr", dedupe_key="before-the-demo")

    seed(force=True)

    assert list(OutboxMessage.objects.values_list("dedupe_key", flat=True)) == ["before-the-demo"]


def test_seed_demo_later_leaves_out_what_the_rules_refuse_now_and_says_so(monkeypatch):
    seed(force=True)
    waiting = Booking.objects.select_related("session").get(status=BookingStatus.WAITLISTED)
    after = waiting.session.start + dt.timedelta(days=1)
    waiting.delete()
    bookings = Booking.objects.count()
    monkeypatch.setattr(timezone, "now", lambda: after)

    output = seed(force=True)

    assert "Demo programme ready (nothing new to create)." in output
    assert "Left out, as the portal's rules refuse them today" in output
    assert "  - Centre social des Terrils booking “Visite sensorielle" in output
    assert gettext("This session has already taken place: please choose a date to come.") in output
    assert Booking.objects.count() == bookings
