"""Reminders of a booking to its coordinators, by default 7 days and 1 day before the session.

Planning is a periodic task (`plan_reminders_task`), never a Celery ETA task: the database says
what is due. A reminder is a `Reminder` row, unique per (booking, kind), plus one outbox message
per recipient (unique `dedupe_key`). The message holds only ids: it is rendered when sent, from the
booking as it is then, with the `.ics` attached (`bookings/emails.py` registers what the outbox
adds); if by then the booking or its session was cancelled, or the session has started, it is not
sent.

Who is reminded: the relais attending, for a training booked one person at a time; otherwise
every coordinator of the structure (whoever booked may be away that week).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.models import OutboxMessage
from notifications.services import messages_queue_many
from partners.models import Membership
from programmes.enums import OfferKind, SessionStatus

from .enums import DEFAULT_REMINDER_DAYS, BookingStatus, ReminderKind
from .models import Booking, Reminder, ReminderPolicy
from .selectors import booking_recipients

logger = logging.getLogger(__name__)

REMINDER_TEMPLATE = "reminder"


def reminder_delays() -> dict[str, dict[str, dt.timedelta | None]]:
    """{offer kind: {reminder kind: delay before the session or None}}, staff policies over defaults."""
    policies = {policy.offer_kind: policy for policy in ReminderPolicy.objects.all()}
    delays: dict[str, dict[str, dt.timedelta | None]] = {}
    for offer_kind in OfferKind.values:
        policy = policies.get(offer_kind)
        delays[offer_kind] = {}
        for kind in ReminderKind.values:
            days = policy.days_before(kind) if policy else DEFAULT_REMINDER_DAYS[ReminderKind(kind)]
            delays[offer_kind][kind] = dt.timedelta(days=days) if days else None
    return delays


def _due_q(kind: str, delays: dict, now: dt.datetime) -> Q | None:
    """Bookings whose `kind` reminder is due now, over every offer kind; None if no offer kind has it."""
    condition = None
    for offer_kind, by_kind in delays.items():
        delay = by_kind[kind]
        if delay is None:
            continue
        part = Q(
            session__offer__kind=offer_kind,
            session__start__lte=now + delay,
            # Booked after the reminder's time (e.g. 3 days before for a 7-day reminder): none.
            created_at__lte=F("session__start") - delay,
        )
        last = by_kind[ReminderKind.LAST]
        if kind == ReminderKind.FIRST and last is not None:
            # Once the last reminder is due, the first one would only say the same thing again.
            part &= Q(session__start__gt=now + last)
        condition = part if condition is None else condition | part
    return condition


def _recipients(booking: Booking) -> list:
    """`booking_recipients`, from the structure's memberships prefetched with the batch."""
    return booking_recipients(booking, memberships=booking.structure.memberships.all())


def reminders_plan(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Queue every reminder that is due now; returns how many reminders (not emails) were queued.

    Safe to run twice at once: the unique (booking, kind) and the outbox `dedupe_key` keep one.
    """
    now = now or timezone.now()
    delays = reminder_delays()
    planned = 0
    for kind in ReminderKind.values:
        due = _due_q(kind, delays, now)
        if due is None:
            continue
        candidates = (
            Booking.objects.filter(
                due,
                status=BookingStatus.CONFIRMED,
                session__status=SessionStatus.PLANNED,
                session__start__gt=now,
            )
            .exclude(Exists(Reminder.objects.filter(booking=OuterRef("pk"), kind=kind)))
            .select_related("session__offer", "attendee")
            .prefetch_related(
                Prefetch(
                    "structure__memberships",
                    queryset=Membership.objects.filter(user__is_active=True).select_related("user"),
                )
            )
            .order_by("session__start", "pk")
        )
        while True:
            bookings = list(candidates[:batch_size])
            if not bookings:
                break
            with transaction.atomic():
                planned += _queue(bookings, kind=kind, delays=delays)
            if len(bookings) < batch_size:
                break
    if planned:
        logger.info("%d reminder(s) queued.", planned)
    return planned


def _queue(bookings: list[Booking], *, kind: str, delays: dict) -> int:
    reminders = []
    messages = []
    for booking in bookings:
        delay = delays[booking.session.offer.kind][kind]
        reminders.append(Reminder(booking=booking, kind=kind, due_at=booking.session.start - delay))
        for user in _recipients(booking):
            messages.append(
                {
                    "template": REMINDER_TEMPLATE,
                    "to": user.email,
                    "language": user.language,
                    "booking_id": booking.pk,
                    "dedupe_key": f"reminder-{kind}:booking-{booking.pk}:user-{user.pk}",
                    "context": {"booking_id": booking.pk, "kind": kind},
                }
            )
    Reminder.objects.bulk_create(reminders, ignore_conflicts=True)
    messages_queue_many(messages=messages)
    return len(reminders)


# --- At send time -----------------------------------------------------------------------------


def reminder_obsolete(message: OutboxMessage) -> str | None:
    """Why a reminder must no longer be sent (booking or session cancelled, session begun), or None."""
    booking = message.booking
    if booking is None:
        return _("The booking no longer exists.")
    if booking.status != BookingStatus.CONFIRMED:
        return _("The booking is no longer confirmed.")
    if booking.session.status == SessionStatus.CANCELLED:
        return _("The session was cancelled.")
    if booking.session.start <= timezone.now():
        return _("The session has already started.")
    return None


def reminder_context(message: OutboxMessage) -> dict:
    """What the reminder shows besides the booking itself (no query: the booking is preloaded)."""
    booking = message.booking
    session = booking.session
    deadline = session.cancellation_deadline
    return {
        "kind": message.context.get("kind", ReminderKind.LAST),
        "accessibility_labels": [str(option) for option in booking.accessibility_needs.all()],
        "meeting_point": session.offer.meeting_point or session.place,
        "change_deadline": deadline,
        "can_still_change": timezone.now() < deadline,
    }
