"""Reads about bookings shared by views, admin and tasks."""

from __future__ import annotations

from django.core.paginator import Paginator
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


def bookings_visible_to(user) -> QuerySet:
    """Bookings of the user's own structures: what they may see or change (anything else is a 404)."""
    if user is None or not user.is_authenticated:
        return Booking.objects.none()
    return Booking.objects.filter(structure__memberships__user=user).select_related(
        "session__offer", "structure", "attendee"
    )


# "My bookings" shows the past and the cancelled bookings a page at a time: a structure that has
# come for years has hundreds.
BOOKINGS_PER_PAGE = 20


def structure_bookings(structure, *, past_page=None, cancelled_page=None) -> dict:
    """A structure's bookings for "my bookings": upcoming (all), past and cancelled (a page each).

    Returns lists under "upcoming", "past" and "cancelled", and the Paginator pages of the last two
    under "past_page" and "cancelled_page" (five queries in all, whatever the number of bookings).
    """
    now = timezone.now()
    base = Booking.objects.filter(structure=structure).select_related("session__offer", "attendee")
    upcoming = base.filter(
        session__start__gte=now, status__in=(BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
    ).order_by("session__start", "pk")
    past = (
        base.filter(session__start__lt=now)
        .exclude(status__in=(BookingStatus.CANCELLED, BookingStatus.WAITLISTED))
        .order_by("-session__start", "-pk")
    )
    cancelled = base.filter(
        Q(status=BookingStatus.CANCELLED) | Q(status=BookingStatus.WAITLISTED, session__start__lt=now)
    ).order_by("-session__start", "-pk")
    past_page = Paginator(past, BOOKINGS_PER_PAGE).get_page(past_page)
    cancelled_page = Paginator(cancelled, BOOKINGS_PER_PAGE).get_page(cancelled_page)
    return {
        "upcoming": list(upcoming),
        "past": list(past_page.object_list),
        "cancelled": list(cancelled_page.object_list),
        "past_page": past_page,
        "cancelled_page": cancelled_page,
    }


def requests_visible_to(user) -> QuerySet:
    """Project requests of the user's own structures."""
    from .models import ProjectRequest

    if user is None or not user.is_authenticated:
        return ProjectRequest.objects.none()
    return ProjectRequest.objects.filter(structure__memberships__user=user).select_related(
        "structure", "exhibition"
    )


def active_booking_of(*, session, structure, user) -> Booking | None:
    """The structure's active booking of a session (for relais offers: the user's own seat), if any."""
    active = Booking.objects.filter(
        session=session, status__in=(BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
    )
    if session.offer.is_per_person:
        return active.filter(attendee=user).first()
    return active.filter(structure=structure, attendee__isnull=True).first()
