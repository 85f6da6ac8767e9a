"""What mediators are told about the groups they will meet: a late booking change, the evening digest."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import formats, timezone, translation

from notifications.services import message_queue
from partners.models import User
from programmes.enums import SessionStatus
from programmes.models import Session
from programmes.services import mediator_message_queue, session_facts

from .calendar import needs_summary
from .enums import SEATED_STATUSES
from .models import Booking


def notify_mediators_of_booking_change(*, booking) -> None:
    """Tell the session's mediators about a booking made or changed late (from the day before on).

    Called by the bookings services after a booking is created, changed or cancelled.
    """
    session = booking.session
    if session.status != SessionStatus.PLANNED or session.end <= timezone.now():
        return
    day_before = timezone.localdate(session.start) - dt.timedelta(days=1)
    if timezone.localdate() < day_before:
        return
    # One message per state of the booking: a new change means a new message, a repeat does not.
    stamp = booking.updated_at.strftime("%Y%m%d%H%M%S%f") if booking.updated_at else "0"
    for mediator in session.mediators.all():
        with translation.override(mediator.language):
            status = str(booking.get_status_display())
        mediator_message_queue(
            template="mediator_booking_changed",
            mediator=mediator,
            session=session,
            key=f"booking-{booking.pk}-{stamp}",
            booking_id=booking.pk,
            structure=booking.structure.name,
            booking_status=status,
            participants=booking.participants,
            accompanying_staff=booking.accompanying_staff,
        )


def mediator_digest_send(*, mediator, day: dt.date) -> bool:
    """Queue the evening digest of `day`'s sessions for one mediator, once; False when they have none."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    sessions = list(
        Session.objects.filter(
            assignments__mediator=mediator,
            status=SessionStatus.PLANNED,
            start__gte=start,
            start__lt=start + dt.timedelta(days=1),
        )
        .select_related("offer")
        .prefetch_related(
            Prefetch(
                "bookings",
                queryset=Booking.objects.filter(status__in=SEATED_STATUSES)
                .select_related("structure")
                .prefetch_related("accessibility_needs")
                .order_by("created_at", "pk"),
                to_attr="seated_bookings",
            )
        )
        .order_by("start", "pk")
    )
    if not sessions:
        return False
    items = []
    with translation.override(mediator.language):
        for session in sessions:
            groups = [
                {
                    "structure": booking.structure.name,
                    "participants": booking.participants,
                    "staff": booking.accompanying_staff,
                    "needs": needs_summary(
                        wheelchair_users=booking.wheelchair_users,
                        codes=[option.code for option in booking.accessibility_needs.all()],
                        notes=booking.accessibility_notes,
                    ),
                    "contact_name": booking.contact_name,
                    "contact_phone": booking.contact_phone,
                }
                for booking in session.seated_bookings
            ]
            items.append({**session_facts(session, language=mediator.language), "groups": groups})
        day_label = formats.date_format(day, "DATE_FORMAT")
    message_queue(
        template="mediator_digest",
        to=mediator.email,
        language=mediator.language,
        dedupe_key=f"mediator_digest:user-{mediator.pk}:{day.isoformat()}",
        context={
            "first_name": mediator.first_name,
            "day": day_label,
            "sessions": items,
            "planning_url": settings.SITE_URL + reverse("planning:index"),
        },
    )
    return True


def mediator_digests_send(*, day: dt.date) -> int:
    """Queue the digest of `day` for every mediator who leads a session then; returns how many."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    mediators = User.objects.filter(
        assignments__session__status=SessionStatus.PLANNED,
        assignments__session__start__gte=start,
        assignments__session__start__lt=start + dt.timedelta(days=1),
        is_active=True,
    ).distinct()
    return sum(1 for mediator in mediators if mediator_digest_send(mediator=mediator, day=day))
