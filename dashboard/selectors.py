"""The reads of the staff dashboard's pages: what waits for staff (the worklist), the impact part of
the dashboard, the annual report, and the structures of the personal data requests.

What waits for staff: each list is bounded (its first `limit` rows) and comes with its total, so its
queries do not grow with the data (six queries in all). Nothing here is cached: every request reads
the lists as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.enums import BookingStatus, RequestKind, RequestStatus
from bookings.models import Booking, ProjectRequest
from notifications.enums import MessageState
from notifications.models import OutboxMessage
from partners.enums import StructureKind, StructureStatus
from partners.models import Structure
from programmes.enums import SessionStatus
from programmes.models import Assignment, Session

from .charts import impact_charts
from .impact import Period, impact, projects_of_period

UPCOMING_DAYS = 14
LIST_LIMIT = 20
# The partners table of the dashboard shows the most active ones; the partners export has them all.
PARTNERS_SHOWN = 20
STRUCTURES_PER_PAGE = 50
EXPORTS = [
    ("reservations", gettext_lazy("Bookings")),
    ("presences", gettext_lazy("Attendance")),
    ("partenaires", gettext_lazy("Partners")),
]


# ---------------------------------------------------------------------------------------------
# The impact of the programme
# ---------------------------------------------------------------------------------------------


def impact_page(period: Period) -> dict:
    """The impact part of the dashboard: the figures of the period, their charts, the most active
    partners and the links to the exports."""
    figures = impact(period)
    return {
        "period": period,
        "query": urlencode(
            {"date_from": period.date_from.isoformat(), "date_to": period.date_to.isoformat()}
        ),
        "figures": figures,
        "charts": impact_charts(figures),
        "partners": figures["per_partner"][:PARTNERS_SHOWN],
        "partners_total": len(figures["per_partner"]),
        "exports": EXPORTS,
    }


def annual_report(year: int) -> dict:
    """The annual report of `year`: its figures, charts, every partner and the co-built projects."""
    period = Period.year(year)
    figures = impact(period)
    return {
        "year": year,
        "period": period,
        "figures": figures,
        "charts": impact_charts(figures),
        "partners": figures["per_partner"],
        "projects": list(projects_of_period(period)),
    }


# ---------------------------------------------------------------------------------------------
# What waits for staff
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """The first rows of a list (dicts), and how many rows there are in all."""

    rows: list[dict]
    total: int

    @property
    def more(self) -> bool:
        return self.total > len(self.rows)


def _first_rows(queryset: QuerySet, *fields: str, limit: int, **expressions) -> Listing:
    """The first `limit` rows of an ordered queryset as dicts, with their total (one query: the total
    is a window count, computed over every row before the LIMIT)."""
    rows = list(queryset.annotate(total=Window(Count("pk"))).values(*fields, "total", **expressions)[:limit])
    return Listing(rows, rows[0]["total"] if rows else 0)


def pending_structures(*, limit: int = LIST_LIMIT) -> Listing:
    """Structures waiting for approval, oldest first (one query)."""
    structures = Structure.objects.filter(status=StructureStatus.PENDING).order_by("created_at", "pk")
    listing = _first_rows(structures, "id", "name", "city", "kind", "created_at", limit=limit)
    for row in listing.rows:
        row["kind_label"] = str(StructureKind(row["kind"]).label)
    return listing


def open_requests(*, limit: int = LIST_LIMIT) -> tuple[Listing, dict[str, int]]:
    """Project requests to answer, oldest first, and how many are new and in discussion (one query)."""
    requests = (
        ProjectRequest.objects.filter(status__in=[RequestStatus.NEW, RequestStatus.IN_DISCUSSION])
        .annotate(count_new=Window(Count("pk", filter=Q(status=RequestStatus.NEW))))
        .order_by("created_at", "pk")
    )
    listing = _first_rows(
        requests,
        "id",
        "kind",
        "status",
        "created_at",
        "count_new",
        limit=limit,
        structure_name=F("structure__name"),
    )
    for row in listing.rows:
        row["kind_label"] = str(RequestKind(row["kind"]).label)
        row["status_label"] = str(RequestStatus(row["status"]).label)
    new = listing.rows[0]["count_new"] if listing.rows else 0
    return listing, {"new": new, "in_discussion": listing.total - new}


def upcoming_sessions(
    *, days: int = UPCOMING_DAYS, now: dt.datetime | None = None, limit: int = LIST_LIMIT
) -> tuple[Listing, int]:
    """The first planned sessions of the next `days` days with seats taken (the booking rules' count),
    fill rate, waiting groups and mediators; how many sessions there are in all, and how many have no
    mediator (two queries).
    """
    now = now or timezone.now()
    sessions = Session.objects.filter(
        status=SessionStatus.PLANNED, start__gte=now, start__lt=now + dt.timedelta(days=days)
    )
    has_mediator = Exists(Assignment.objects.filter(session=OuterRef("pk")))
    totals = sessions.aggregate(total=Count("pk"), unstaffed=Count("pk", filter=~Q(has_mediator)))
    # The waiting groups are counted for the first sessions only, not for every session of the days.
    first = sessions.order_by("start", "pk").values("pk")[:limit]
    # Mediators counted in a subquery: a second join next to the bookings would multiply the sums.
    mediators = (
        Assignment.objects.filter(session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(count=Count("pk"))
        .values("count")
    )
    rows = list(
        Session.objects.filter(pk__in=first)
        .annotate(
            waiting=Count("bookings", filter=Q(bookings__status=BookingStatus.WAITLISTED)),
            mediator_count=Coalesce(Subquery(mediators, output_field=IntegerField()), Value(0)),
        )
        .order_by("start", "pk")
        .values(
            "id",
            "start",
            "place",
            "capacity",
            "seats_taken",
            "waiting",
            "mediator_count",
            offer_title=F("offer__title"),
        )
    )
    for row in rows:
        row["fill_rate"] = fill_rate(row["seats_taken"], row["capacity"])
    return Listing(rows, totals["total"]), totals["unstaffed"]


def fill_rate(seats_taken: int, capacity: int) -> int:
    """Seats taken, in percent of the capacity."""
    return round(100 * seats_taken / capacity) if capacity else 0


def waiting_lists(*, now: dt.datetime | None = None, limit: int = LIST_LIMIT) -> list[dict]:
    """The first upcoming sessions with groups on their waiting list: how many groups and seats wait
    (one query). Not counted in all: that would read every waiting booking of the season.
    """
    waiting = Exists(Booking.objects.filter(session=OuterRef("pk"), status=BookingStatus.WAITLISTED))
    first = (
        Session.objects.filter(waiting, status=SessionStatus.PLANNED, start__gte=now or timezone.now())
        .order_by("start", "pk")
        .values("pk")[:limit]
    )
    waitlisted = Q(bookings__status=BookingStatus.WAITLISTED)
    return list(
        Session.objects.filter(pk__in=first)
        .annotate(
            groups=Count("bookings", filter=waitlisted),
            seats=Sum(F("bookings__participants") + F("bookings__accompanying_staff"), filter=waitlisted),
        )
        .order_by("start", "pk")
        .values("id", "start", "capacity", "groups", "seats", offer_title=F("offer__title"))
    )


def failed_messages(*, limit: int = LIST_LIMIT) -> Listing:
    """Emails that could not be sent, newest first (only the fields staff need to act; one query)."""
    messages = OutboxMessage.objects.filter(state=MessageState.FAILED).order_by("-pk")
    return _first_rows(messages, "id", "to", "template", "last_error", limit=limit)


def _admin_url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def staff_worklist() -> dict:
    """What waits for staff, ready to show (six queries, whatever the amount of data).

    Each row gets its link, its labels and its numbers as text here, once, rather than from
    template tags and filters in the loops (a row's change page in the admin is
    "<changelist><pk>/change/": one reverse() per list, not one per row).
    """
    tz = timezone.get_current_timezone()
    structures_url = reverse("admin:partners_structure_changelist")
    requests_url = reverse("admin:bookings_projectrequest_changelist")
    sessions_url = reverse("admin:programmes_session_changelist")
    pending = pending_structures()
    registered_on = _("registered on %(date)s")
    for row in pending.rows:
        row["admin_url"] = f"{structures_url}{row['id']}/change/"
        registered = registered_on % {"date": f"{row['created_at'].astimezone(tz):%d/%m/%Y}"}
        row["detail"] = f"{row['city']} ({row['kind_label']}), {registered}"
    requests, request_counts = open_requests()
    asked_on = _("asked on %(date)s")
    for row in requests.rows:
        row["admin_url"] = f"{requests_url}{row['id']}/change/"
        asked = asked_on % {"date": f"{row['created_at'].astimezone(tz):%d/%m/%Y}"}
        row["detail"] = f"{row['structure_name']} ({row['status_label']}), {asked}"
    weekdays = [str(day) for day in WEEKDAYS_ABBR.values()]  # as the date filter's "D"
    upcoming, unstaffed = upcoming_sessions()
    # Numbers as text too: the template would localise every int on its own (several times slower).
    for row in upcoming.rows:
        start = row["start"].astimezone(tz)
        row["admin_url"] = f"{sessions_url}{row['id']}/change/"
        row["when"] = f"{weekdays[start.weekday()]} {start:%d/%m %H:%M}"
        row["seats_text"] = f"{row['seats_taken']} / {row['capacity']}"
        row["fill_text"] = f"{row['fill_rate']} %"
        row["waiting_text"] = str(row["waiting"])
        row["mediators_text"] = str(row["mediator_count"]) if row["mediator_count"] else ""
    waiting = waiting_lists()
    for row in waiting:
        start = row["start"].astimezone(tz)
        row["admin_url"] = f"{sessions_url}{row['id']}/change/"
        row["when"] = f"{weekdays[start.weekday()]} {start:%d/%m/%Y %H:%M}"
        for name in ("groups", "seats", "capacity"):
            row[f"{name}_text"] = str(row[name])
    failed = failed_messages()
    for row in failed.rows:
        row["error"] = Truncator(row["last_error"]).chars(160)
    return {
        "pending_structures": pending,
        "open_requests": requests,
        "request_counts": request_counts,
        "upcoming": upcoming,
        "upcoming_days": UPCOMING_DAYS,
        "missing_mediators": unstaffed,
        "missing_label": _("missing"),
        "waiting_lists": waiting,
        "list_limit": LIST_LIMIT,
        "failed_messages": failed,
        "admin_structures_url": structures_url,
        "admin_requests_url": requests_url,
        "admin_sessions_url": sessions_url,
        "admin_bookings_url": _admin_url("admin:bookings_booking_changelist"),
        "admin_outbox_url": _admin_url("admin:notifications_outboxmessage_changelist"),
    }


# ---------------------------------------------------------------------------------------------
# Personal data requests
# ---------------------------------------------------------------------------------------------


def structures_page(*, search: str, page: str | None) -> Page:
    """A page of the structures whose name or city contains `search` (all of them when empty)."""
    structures = Structure.objects.order_by("name", "pk")
    if search:
        structures = structures.filter(Q(name__icontains=search) | Q(city__icontains=search))
    return Paginator(structures, STRUCTURES_PER_PAGE).get_page(page)


def erase_summary(structure: Structure) -> dict[str, int]:
    """What an erasure of `structure` touches: how many coordinators lose access, how many bookings
    keep only their counts."""
    return {"members": structure.memberships.count(), "bookings": structure.bookings.count()}
