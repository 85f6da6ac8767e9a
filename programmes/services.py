"""Every write and state change about offers, sessions and mediators' assignments."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import message_queue

from .enums import SessionStatus
from .models import Session


class ProgrammeError(Exception):
    """A rule about the programme was broken; the message is translated, for the user."""


def session_cancel(*, session: Session, reason: str) -> Session:
    """Cancel a session: every booked structure and every assigned mediator is told, and the
    waiting list is cleared with a message."""
    from bookings.enums import ACTIVE_STATUSES, BookingStatus
    from bookings.models import Booking

    reason = reason.strip()
    if not reason:
        raise ProgrammeError(_("Give the reason for the cancellation: it is sent to the partners."))
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.status == SessionStatus.CANCELLED:
            raise ProgrammeError(_("This session is already cancelled."))
        if locked.start <= timezone.now():
            raise ProgrammeError(_("This session has already started: it can no longer be cancelled."))
        locked.status = SessionStatus.CANCELLED
        locked.cancellation_reason = reason
        locked.sequence = F("sequence") + 1
        locked.save(update_fields=["status", "cancellation_reason", "sequence", "updated_at"])
        locked.refresh_from_db(fields=["sequence"])

        bookings = list(
            Booking.objects.select_for_update()
            .filter(session=locked, status__in=ACTIVE_STATUSES)
            .select_related("structure")
        )
        now = timezone.now()
        for booking in bookings:
            was_waiting = booking.status == BookingStatus.WAITLISTED
            booking.status = BookingStatus.CANCELLED
            booking.cancelled_at = now
            booking.waitlist_offer_expires_at = None
            booking.save(update_fields=["status", "cancelled_at", "waitlist_offer_expires_at", "updated_at"])
            template = "waitlist_cleared" if was_waiting else "session_cancelled"
            for membership in booking.structure.memberships.select_related("user"):
                message_queue(
                    template=template,
                    to=membership.user.email,
                    language=membership.user.language,
                    booking_id=booking.pk,
                    dedupe_key=f"{template}:booking-{booking.pk}:user-{membership.user_id}",
                    context={"booking_id": booking.pk, "session_id": locked.pk, "reason": reason},
                )
        for mediator in locked.mediators.all():
            message_queue(
                template="mediator_session_cancelled",
                to=mediator.email,
                language=mediator.language,
                dedupe_key=f"mediator_session_cancelled:session-{locked.pk}:user-{mediator.pk}",
                context={"session_id": locked.pk, "reason": reason},
            )
    return locked
