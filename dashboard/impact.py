"""The figures of the staff dashboard and of the annual report.

Every figure is one aggregate query (`values()` + `annotate()`), so the number of queries does not
grow with the amount of data. "People accompanied" are the participants actually present in the
bookings marked attended; the period is the date of the session, in the museum's time zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
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
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth
from django.utils import timezone, translation

from bookings.enums import BookingStatus, RequestKind, RequestStatus
from bookings.models import Booking, ProjectRequest
from notifications.enums import MessageState
from notifications.models import OutboxMessage
from partners.enums import KIND_FIELD, StructureField, StructureKind, StructureStatus
from partners.models import Structure
from programmes.enums import OfferKind, SessionStatus
from programmes.models import Assignment, Project, Session

UPCOMING_DAYS = 14
LIST_LIMIT = 20


@dataclass(frozen=True)
class Period:
    """From `date_from` to `date_to`, both included, in the museum's time zone."""

    date_from: dt.date
    date_to: dt.date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    @classmethod
    def current_year(cls) -> Period:
        return cls.year(timezone.localdate().year)

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The first instant of the period and the first instant after it."""
        tz = timezone.get_current_timezone()
        start = dt.datetime.combine(self.date_from, dt.time.min, tzinfo=tz)
        end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return start, end

    def months(self) -> list[dt.date]:
        """The first day of every month of the period."""
        months = []
        current = self.date_from.replace(day=1)
        while current <= self.date_to:
            months.append(current)
            current = (current + dt.timedelta(days=32)).replace(day=1)
        return months


@dataclass(frozen=True)
class Row:
    """One line of a figure: what it counts, and how many."""

    key: str
    label: str
    value: int


def bookings_in(period: Period, prefix: str = "") -> Q:
    start, end = period.bounds()
    return Q(**{f"{prefix}session__start__gte": start, f"{prefix}session__start__lt": end})


# ---------------------------------------------------------------------------------------------
# Impact
# ---------------------------------------------------------------------------------------------


def impact_totals(period: Period) -> dict:
    """Headline figures of the period (one query): people accompanied, groups, no-show rate."""
    attended = Q(status=BookingStatus.ATTENDED)
    absent = Q(status=BookingStatus.ABSENT)
    totals = Booking.objects.filter(bookings_in(period)).aggregate(
        people=Coalesce(Sum("present_participants", filter=attended), 0),
        staff_present=Coalesce(Sum("present_staff", filter=attended), 0),
        attended=Count("id", filter=attended),
        absent=Count("id", filter=absent),
        partners=Count("structure", filter=attended, distinct=True),
        sessions=Count("session", filter=attended, distinct=True),
        booked=Count("id", filter=~Q(status=BookingStatus.CANCELLED)),
    )
    recorded = totals["attended"] + totals["absent"]
    totals["no_show_rate"] = round(100 * totals["absent"] / recorded, 1) if recorded else None
    return totals


def people_per_year(period: Period) -> list[Row]:
    rows = (
        Booking.objects.filter(bookings_in(period), status=BookingStatus.ATTENDED)
        .annotate(year=ExtractYear("session__start"))
        .values("year")
        .annotate(people=Coalesce(Sum("present_participants"), 0))
        .order_by("year")
    )
    found = {row["year"]: row["people"] for row in rows}
    return [
        Row(str(year), str(year), found.get(year, 0))
        for year in range(period.date_from.year, period.date_to.year + 1)
    ]


def people_per_month(period: Period) -> list[Row]:
    from django.utils.formats import date_format

    rows = (
        Booking.objects.filter(bookings_in(period), status=BookingStatus.ATTENDED)
        .annotate(month=TruncMonth("session__start"))
        .values("month")
        .annotate(people=Coalesce(Sum("present_participants"), 0))
        .order_by("month")
    )
    found = {_as_date(row["month"]): row["people"] for row in rows}
    return [
        Row(month.strftime("%Y-%m"), date_format(month, "YEAR_MONTH_FORMAT"), found.get(month, 0))
        for month in period.months()
    ]


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def people_per_structure_kind(period: Period) -> list[Row]:
    rows = (
        Booking.objects.filter(bookings_in(period), status=BookingStatus.ATTENDED)
        .values("structure__kind")
        .annotate(people=Coalesce(Sum("present_participants"), 0))
    )
    found = {row["structure__kind"]: row["people"] for row in rows}
    return [Row(kind.value, str(kind.label), found.get(kind.value, 0)) for kind in StructureKind]


def people_per_structure_field(kinds: list[Row]) -> list[Row]:
    """Derived from the figures per kind (a structure's field follows from its kind)."""
    totals = dict.fromkeys(StructureField.values, 0)
    for row in kinds:
        totals[KIND_FIELD[StructureKind(row.key)].value] += row.value
    return [Row(field.value, str(field.label), totals[field.value]) for field in StructureField]


def people_per_offer_kind(period: Period) -> list[Row]:
    rows = (
        Booking.objects.filter(bookings_in(period), status=BookingStatus.ATTENDED)
        .values("session__offer__kind")
        .annotate(people=Coalesce(Sum("present_participants"), 0))
    )
    found = {row["session__offer__kind"]: row["people"] for row in rows}
    return [Row(kind.value, str(kind.label), found.get(kind.value, 0)) for kind in OfferKind]


def people_per_partner(period: Period) -> list[dict]:
    """Every structure with a booking in the period: people accompanied, groups that came, absences."""
    rows = list(
        Booking.objects.filter(bookings_in(period))
        .exclude(status=BookingStatus.CANCELLED)
        .values("structure_id", "structure__name", "structure__city", "structure__kind")
        .annotate(
            people=Coalesce(Sum("present_participants", filter=Q(status=BookingStatus.ATTENDED)), 0),
            attended=Count("id", filter=Q(status=BookingStatus.ATTENDED)),
            absent=Count("id", filter=Q(status=BookingStatus.ABSENT)),
        )
        .order_by("-people", "structure__name", "structure_id")
    )
    for row in rows:
        row["kind_label"] = str(StructureKind(row["structure__kind"]).label)
    return rows


def structure_counts() -> dict[str, int]:
    """Structures per status, today (one query)."""
    return Structure.objects.aggregate(
        active=Count("id", filter=Q(status=StructureStatus.ACTIVE)),
        pending=Count("id", filter=Q(status=StructureStatus.PENDING)),
        total=Count("id"),
    )


def impact(period: Period, *, fresh: bool = False) -> dict:
    """Every impact figure of the period (seven queries, whatever the amount of data), and the time
    they were computed at (`computed_at`).

    The queries aggregate every booking of the period, whose number grows with the programme: with
    the setting IMPACT_CACHE_SECONDS (0: off) the figures are kept that long in the cache. `fresh`
    computes them again (and keeps the new ones).
    """
    seconds = getattr(settings, "IMPACT_CACHE_SECONDS", 0)
    if not seconds:
        return _impact(period)
    key = f"programmes:impact:{period.date_from}:{period.date_to}:{translation.get_language()}"
    figures = None if fresh else cache.get(key)
    if figures is None:
        figures = _impact(period)
        cache.set(key, figures, seconds)
    return figures


def _impact(period: Period) -> dict:
    kinds = people_per_structure_kind(period)
    return {
        "totals": impact_totals(period),
        "per_year": people_per_year(period),
        "per_month": people_per_month(period),
        "per_structure_kind": kinds,
        "per_structure_field": people_per_structure_field(kinds),
        "per_offer_kind": people_per_offer_kind(period),
        "per_partner": people_per_partner(period),
        "structures": structure_counts(),
        "computed_at": timezone.now(),
    }


def projects_of_period(period: Period) -> QuerySet[Project]:
    """Co-built projects running at some point of the period, with their partners (two queries)."""
    return (
        Project.objects.filter(start_date__lte=period.date_to)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.date_from))
        .select_related("exhibition")
        .prefetch_related("partners")
        .order_by("start_date", "name")
    )


# ---------------------------------------------------------------------------------------------
# What waits for staff: each list is bounded (its first `limit` rows) and comes with its total, so
# its queries do not grow with the data. The dashboard keeps the result in the cache until the next
# write (views/dashboard.py, _worklist).
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
    # The bookings are summed for the first sessions only, not for every session of the days.
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
