"""The seats of a session, counted from its bookings: what the tests check `Session.seats_taken` against."""

from __future__ import annotations

from bookings.enums import SEATED_STATUSES, BookingStatus
from bookings.models import Booking
from programmes.models import Session


def seats_counted(session_id: int) -> int:
    """The seats a session's bookings hold, counted here from the rows: the seated bookings, and the
    waiting groups offered seats that have not been taken back."""
    return sum(
        participants + staff
        for status, expires, participants, staff in Booking.objects.filter(session_id=session_id).values_list(
            "status", "waitlist_offer_expires_at", "participants", "accompanying_staff"
        )
        if status in SEATED_STATUSES or (status == BookingStatus.WAITLISTED and expires is not None)
    )


def seats_taken(session) -> int:
    """The session's `seats_taken` as the database has it, after checking it against the bookings."""
    session_id = session if isinstance(session, int) else session.pk
    column = Session.objects.values_list("seats_taken", flat=True).get(pk=session_id)
    assert column == seats_counted(session_id), "the seats kept on the session differ from its bookings"
    return column
