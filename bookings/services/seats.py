"""The lock and the seats: a session's `seats_taken`, written only under the session's row lock.

Every change that takes or gives back seats locks the session row (`SELECT ... FOR NO KEY UPDATE`,
which still lets other transactions insert bookings pointing at the session), reads its
`seats_taken` there, decides, then writes the booking and the new `seats_taken` in the same
transaction. The CHECK constraint `seats_taken <= capacity` is the last line against a bug.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from common.cache import content_changed
from programmes.models import Offer, Session

from ..models import Booking


def lock_session(session_id: int, *, lock: bool = True, offer: Offer | None = None) -> Session:
    """The session read again, its row locked; `offer`: its offer when at hand (not read again)."""
    sessions = Session.objects.all() if offer is not None else Session.objects.select_related("offer")
    if lock:
        # NO KEY UPDATE: concurrent bookings wait here, yet inserts referencing the row stay possible.
        sessions = sessions.select_for_update(no_key=True, of=("self",))
    session = sessions.get(pk=session_id)
    if offer is not None and offer.pk == session.offer_id:
        session.offer = offer
    return session


def seats_add(session: Session, seats: int) -> None:
    """Count `seats` more in the session's `seats_taken` (fewer when negative), in the database and
    on `session`. The caller holds the session's lock and has decided that they fit."""
    if seats:
        Session.objects.filter(pk=session.pk).update(seats_taken=F("seats_taken") + seats)
        session.seats_taken += seats


def seats_counted() -> Subquery:
    """The seats held by the bookings of the session of the outer query (`Booking.holds_seats`)."""
    return Subquery(
        Booking.objects.holding_seats()
        .filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(seats=Sum(F("participants") + F("accompanying_staff")))
        .values("seats")
    )


def seats_recount(session: Session) -> None:
    """Set the session's `seats_taken` to the seats its bookings hold, counted again (under its lock)."""
    Session.objects.filter(pk=session.pk).update(seats_taken=Coalesce(seats_counted(), Value(0)))
    session.refresh_from_db(fields=["seats_taken"])


def session_seats_recount(*, session_ids: Iterable[int] | None = None) -> int:
    """Count the seats of sessions (every session without `session_ids`) again from their bookings.

    For the writers that put bookings in the database without these services (the demo's past, the
    benchmarks' data, the tests' factories); the services keep the count themselves. Each session is
    locked as the services lock it. Returns how many sessions were counted.
    """
    with transaction.atomic():
        sessions = Session.objects.all()
        if session_ids is not None:
            sessions = sessions.filter(pk__in=list(session_ids))
        ids = list(sessions.select_for_update(no_key=True).order_by("pk").values_list("pk", flat=True))
        Session.objects.filter(pk__in=ids).update(seats_taken=Coalesce(seats_counted(), Value(0)))
        content_changed()
    return len(ids)


def lock_booking(booking: Booking) -> tuple[Session, Booking]:
    """Lock the session, then the booking (always in this order, so that two changes never deadlock)."""
    session = lock_session(booking.session_id)
    locked = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("structure", "attendee", "booked_by")
        .get(pk=booking.pk)
    )
    locked.session = session
    return session, locked
