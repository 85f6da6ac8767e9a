"""Reads about the programme shared by views, admin and tasks."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Sum
from django.utils import timezone

from bookings.enums import BookingStatus
from partners.enums import StructureStatus

from .enums import OfferKind, SessionStatus
from .models import Exhibition, Offer, Session


def home_figures() -> dict[str, int]:
    """The headline figures of the home page, from the portal's own data (two queries)."""
    from bookings.models import Booking
    from partners.models import Structure

    people = Booking.objects.filter(status=BookingStatus.ATTENDED).aggregate(
        total=Sum("present_participants")
    )["total"]
    counts = Structure.objects.aggregate(active=Count("id", filter=Q(status=StructureStatus.ACTIVE)))
    return {"people_accompanied": people or 0, "active_partners": counts["active"]}


def upcoming_sessions():
    return Session.objects.filter(status=SessionStatus.PLANNED, start__gte=timezone.now())


def published_offers():
    return Offer.objects.filter(is_published=True)


def bookable_sessions():
    """Planned sessions still open for booking, with `seats_taken` and `seats_left`, soonest first."""
    from bookings.selectors import annotate_seats_taken

    now = timezone.now()
    return annotate_seats_taken(
        Session.objects.filter(status=SessionStatus.PLANNED, start__gt=now, booking_deadline__gt=now)
    ).order_by("start", "pk")


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of a month and of the next one, in the museum's time zone."""
    start = timezone.make_aware(dt.datetime(month.year, month.month, 1))
    following = dt.date(month.year + (month.month // 12), month.month % 12 + 1, 1)
    return start, timezone.make_aware(dt.datetime(following.year, following.month, 1))


def catalogue_offers(
    *,
    kind: str = "",
    audience: str = "",
    accessibility: str = "",
    exhibition: Exhibition | None = None,
    month: dt.date | None = None,
) -> list[Offer]:
    """Published offers matching the filters, each with `upcoming` (its bookable sessions, seats counted).

    Three queries whatever the number of offers and sessions: offers, their accessibility features,
    their sessions.
    """
    sessions = bookable_sessions()
    offers = published_offers().select_related("exhibition")
    if kind:
        offers = offers.filter(kind=kind)
    if audience:
        offers = offers.filter(audience=audience)
    if accessibility:
        offers = offers.filter(accessibility__code=accessibility)
    if exhibition is not None:
        offers = offers.filter(exhibition=exhibition)
    if month is not None:
        first, following = month_bounds(month)
        sessions = sessions.filter(start__gte=first, start__lt=following)
        offers = offers.filter(
            Exists(sessions.model.objects.filter(pk__in=sessions.values("pk"), offer=OuterRef("pk")))
        )
    offers = offers.prefetch_related(
        "accessibility", Prefetch("sessions", queryset=sessions, to_attr="upcoming")
    ).order_by("title", "pk")
    return list(offers)


def next_abc_sessions(limit: int = 3) -> list[Session]:
    """The next sessions of L'ABC du musée open for booking (shown to relais who need it first)."""
    return list(
        bookable_sessions()
        .filter(offer__kind=OfferKind.ABC, offer__is_published=True)
        .select_related("offer")[:limit]
    )
