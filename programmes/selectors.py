"""Reads about the programme shared by views, admin and tasks."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from bookings.enums import BookingStatus
from partners.enums import StructureStatus

from .enums import OfferKind, SessionStatus
from .models import Exhibition, Offer, Session

HOME_FIGURES_CACHE_KEY = "programmes:home_figures"


def home_figures() -> dict[str, int]:
    """The headline figures of the home page, from the portal's own data (two queries).

    They sum up every attendance ever recorded, which grows with the programme: with the setting
    HOME_FIGURES_CACHE_SECONDS (0, off, by default) they are kept that long in the cache.
    """
    seconds = getattr(settings, "HOME_FIGURES_CACHE_SECONDS", 0)
    if seconds:
        cached = cache.get(HOME_FIGURES_CACHE_KEY)
        if cached is not None:
            return cached
    figures = _home_figures()
    if seconds:
        cache.set(HOME_FIGURES_CACHE_KEY, figures, seconds)
    return figures


def _home_figures() -> dict[str, int]:
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


class SessionPreview(list):
    """The first bookable sessions of an offer (the list itself) and how many it has in all (`len()`).

    The catalogue shows a few dates per offer and a link to "all N dates": only those few are loaded
    and have their seats counted, whatever the number of sessions in the calendar.
    """

    def __init__(self, sessions: list[Session], total: int) -> None:
        super().__init__(sessions)
        self.total = total

    def __len__(self) -> int:
        return self.total


def annotate_seats_in_python(sessions: list[Session]) -> None:
    """Set `seats_taken` and `seats_left` on sessions already loaded (one query for all of them)."""
    from bookings.models import Booking
    from bookings.selectors import seats_holding_q

    taken = (
        dict(
            Booking.objects.filter(seats_holding_q(), session_id__in=[s.pk for s in sessions])
            .order_by()
            .values("session_id")
            .annotate(seats=Sum(F("participants") + F("accompanying_staff")))
            .values_list("session_id", "seats")
        )
        if sessions
        else {}
    )
    for session in sessions:
        session.seats_taken = taken.get(session.pk) or 0
        session.seats_left = session.capacity - session.seats_taken


def catalogue_offers(
    *,
    kind: str = "",
    audience: str = "",
    accessibility: str = "",
    exhibition: Exhibition | None = None,
    month: dt.date | None = None,
    sessions_per_offer: int | None = None,
) -> list[Offer]:
    """Published offers matching the filters, each with `upcoming` (its bookable sessions, seats counted).

    With `sessions_per_offer`, `upcoming` is a SessionPreview: the first sessions only, while its
    len() is the number of all of them. Three queries (four with `sessions_per_offer`) whatever the
    number of offers and sessions: offers, their accessibility features, their sessions (and the
    seats of the sessions shown).
    """
    now = timezone.now()
    open_sessions = Session.objects.filter(
        status=SessionStatus.PLANNED, start__gt=now, booking_deadline__gt=now
    )
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
        open_sessions = open_sessions.filter(start__gte=first, start__lt=following)
        offers = offers.filter(Exists(open_sessions.filter(offer=OuterRef("pk"))))
    if sessions_per_offer is None:
        from bookings.selectors import annotate_seats_taken

        sessions = Prefetch(
            "sessions",
            queryset=annotate_seats_taken(open_sessions).order_by("start", "pk"),
            to_attr="upcoming",
        )
        return list(offers.prefetch_related("accessibility", sessions).order_by("title", "pk"))
    total = (
        open_sessions.filter(offer=OuterRef("pk"))
        .order_by()
        .values("offer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    offers = list(
        offers.annotate(upcoming_total=Coalesce(Subquery(total, output_field=IntegerField()), Value(0)))
        .prefetch_related(
            "accessibility",
            Prefetch(
                "sessions",
                queryset=open_sessions.order_by("start", "pk")[:sessions_per_offer],
                to_attr="first_upcoming",
            ),
        )
        .order_by("title", "pk")
    )
    annotate_seats_in_python([session for offer in offers for session in offer.first_upcoming])
    for offer in offers:
        offer.upcoming = SessionPreview(offer.first_upcoming, offer.upcoming_total)
    return offers


def next_abc_sessions(limit: int = 3) -> list[Session]:
    """The next sessions of L'ABC du musée open for booking (shown to relais who need it first)."""
    return list(
        bookable_sessions()
        .filter(offer__kind=OfferKind.ABC, offer__is_published=True)
        .select_related("offer")[:limit]
    )
