"""Reads about the programme shared by views, admin and tasks."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils import timezone

from bookings.enums import BookingStatus
from partners.enums import StructureStatus

from .enums import SessionStatus
from .models import Offer, Session


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
