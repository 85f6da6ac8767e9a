"""Reads of a co-built project's page that need its bookings: its sessions with the bookings a
person may see, and the requests it came from.

`structure_ids` is None for staff (everything is shown), else the person's own structures: a
coordinator sees the bookings and the requests of their own structures only.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet

from programmes.models import Project, Session

from .models import Booking, ProjectRequest


def project_sessions(*, project: Project, structure_ids: Iterable[int] | None) -> QuerySet[Session]:
    """The project's sessions by start, each with `visible_bookings` (by structure name)."""
    bookings = Booking.objects.select_related("structure").order_by("structure__name", "pk")
    if structure_ids is not None:
        bookings = bookings.filter(structure_id__in=list(structure_ids))
    return (
        Session.objects.filter(project=project)
        .select_related("offer")
        .prefetch_related(Prefetch("bookings", queryset=bookings, to_attr="visible_bookings"))
        .order_by("start")
    )


def project_requests(*, project: Project, structure_ids: Iterable[int] | None) -> QuerySet[ProjectRequest]:
    """The requests linked to the project, oldest first."""
    requests = (
        ProjectRequest.objects.filter(project=project).select_related("structure").order_by("created_at")
    )
    if structure_ids is not None:
        requests = requests.filter(structure_id__in=list(structure_ids))
    return requests
