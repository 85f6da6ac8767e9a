"""Reads about bookings shared by views, admin and tasks."""

from __future__ import annotations

from django.db.models import F, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .enums import SEATED_STATUSES, BookingStatus
from .models import Booking


def seats_holding_q(prefix: str = "") -> Q:
    """Bookings that hold seats: seated ones, and waiting groups with a live offer of freed seats."""
    now = timezone.now()
    return Q(**{f"{prefix}status__in": SEATED_STATUSES}) | Q(
        **{f"{prefix}status": BookingStatus.WAITLISTED, f"{prefix}waitlist_offer_expires_at__gt": now}
    )


def seats_taken(*, session_id: int) -> int:
    """Seats taken in a session, counted from the bookings themselves (never from a cached counter)."""
    total = Booking.objects.filter(seats_holding_q(), session_id=session_id).aggregate(
        seats=Sum(F("participants") + F("accompanying_staff"))
    )["seats"]
    return total or 0


def annotate_seats_taken(sessions: QuerySet) -> QuerySet:
    """Add `seats_taken` and `seats_left` to a queryset of sessions, in the same query."""
    taken = Coalesce(
        Sum(
            F("bookings__participants") + F("bookings__accompanying_staff"),
            filter=seats_holding_q("bookings__"),
        ),
        Value(0),
        output_field=IntegerField(),
    )
    return sessions.annotate(seats_taken=taken).annotate(seats_left=F("capacity") - F("seats_taken"))
