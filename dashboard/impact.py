"""The impact figures of the staff dashboard and of the annual report.

"People accompanied" are the participants actually present in the bookings marked attended; the
period is the date of the session, in the museum's time zone.

Every figure comes from two scans of the period's bookings, each grouped once: by structure (the
partners, their kinds and fields, and the headline totals) and by month and kind of offer (the
months, the years, the kinds of offer, the staff present). Each scan reads the bookings once and
evaluates few aggregates per row: the time of the page grows with the bookings of the period (about
200,000 a year at the benchmark's large size), its number of queries does not.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.formats import date_format

from bookings.enums import BookingStatus
from bookings.models import Booking
from partners.enums import KIND_FIELD, StructureField, StructureKind, StructureStatus
from partners.models import Structure
from programmes.enums import OfferKind
from programmes.models import Project, Session


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


ATTENDED = Q(status=BookingStatus.ATTENDED)
# A structure "booked in the period" when one of its bookings is not cancelled. Named one by one
# (rather than "not cancelled") so that the database can look them up by (session, status).
BOOKED_STATUSES = [status for status in BookingStatus.values if status != BookingStatus.CANCELLED]


def people_per_partner(period: Period) -> list[dict]:
    """Every structure with a booking (not cancelled) in the period: its id, name, city and kind,
    people accompanied, groups that came and absences; the most people first, then by name (two
    queries: the bookings summed per structure, then the structures' names)."""
    attended = Q(status=BookingStatus.ATTENDED)
    figures = {
        row["structure_id"]: row
        for row in Booking.objects.filter(bookings_in(period), status__in=BOOKED_STATUSES)
        .values("structure_id")
        .annotate(
            people=Coalesce(Sum("present_participants", filter=attended), 0),
            attended=Count("status", filter=attended),
            absent=Count("status", filter=Q(status=BookingStatus.ABSENT)),
        )
        .order_by()
    }
    # The names are read apart, every structure's in the database's order (a few thousand rows at
    # most, and cheaper than carrying them through the sums or sending back thousands of ids).
    structures = Structure.objects.order_by("name", "pk").values("id", "name", "city", "kind")
    kind_labels = {kind.value: str(kind.label) for kind in StructureKind}
    rows = []
    for structure in structures:
        row = figures.get(structure["id"])
        if row is None:
            continue
        rows.append(
            {
                **structure,
                "kind_label": kind_labels[structure["kind"]],
                "people": row["people"],
                "attended": row["attended"],
                "absent": row["absent"],
            }
        )
    rows.sort(key=lambda row: -row["people"])  # a stable sort: the names stay in order within a figure
    return rows


def people_per_month_and_offer_kind(period: Period) -> list[dict]:
    """Per month of the session and kind of offer: the people present and the sessions where at
    least one group or relais came (one query).

    The bookings are summed session by session (a subquery on the bookings of one session, which the
    index on (session, status) finds), then the sessions grouped by month and kind: the months are
    computed once per session rather than once per booking.
    """
    start, end = period.bounds()
    came = Booking.objects.filter(session=OuterRef("pk"), status=BookingStatus.ATTENDED)
    people = came.order_by().values("session").annotate(people=Sum("present_participants")).values("people")
    return list(
        Session.objects.filter(start__gte=start, start__lt=end)
        .values(month=TruncMonth("start"), kind=F("offer__kind"))
        .annotate(
            people=Coalesce(Sum(Subquery(people, output_field=IntegerField())), 0),
            sessions=Count("pk", filter=Exists(came)),
        )
        .order_by()
    )


def structure_counts() -> dict[str, int]:
    """Structures per status, today (one query)."""
    return Structure.objects.aggregate(
        active=Count("id", filter=Q(status=StructureStatus.ACTIVE)),
        pending=Count("id", filter=Q(status=StructureStatus.PENDING)),
        total=Count("id"),
    )


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def impact(period: Period) -> dict:
    """Every impact figure of the period, in four queries whatever the amount of data:
    `totals` (people, attended, absent, partners, sessions, no_show_rate), `per_year`, `per_month`,
    `per_structure_kind`, `per_structure_field`, `per_offer_kind` (lists of Row), `per_partner`
    (dicts, the most people first) and `structures` (per status, today)."""
    partners = people_per_partner(period)
    per_kind = dict.fromkeys(StructureKind.values, 0)
    for row in partners:
        per_kind[row["kind"]] += row["people"]
    per_month: dict[dt.date, int] = defaultdict(int)
    per_offer_kind: dict[str, int] = defaultdict(int)
    sessions = 0
    for row in people_per_month_and_offer_kind(period):
        per_month[_as_date(row["month"])] += row["people"]
        per_offer_kind[row["kind"]] += row["people"]
        sessions += row["sessions"]
    per_year: dict[int, int] = defaultdict(int)
    for month, people in per_month.items():
        per_year[month.year] += people
    attended = sum(row["attended"] for row in partners)
    absent = sum(row["absent"] for row in partners)
    recorded = attended + absent
    kinds = [Row(kind.value, str(kind.label), per_kind[kind.value]) for kind in StructureKind]
    return {
        "totals": {
            "people": sum(row["people"] for row in partners),
            "attended": attended,
            "absent": absent,
            "partners": sum(1 for row in partners if row["attended"]),
            "sessions": sessions,
            "no_show_rate": round(100 * absent / recorded, 1) if recorded else None,
        },
        "per_year": [
            Row(str(year), str(year), per_year[year])
            for year in range(period.date_from.year, period.date_to.year + 1)
        ],
        "per_month": [
            Row(month.strftime("%Y-%m"), date_format(month, "YEAR_MONTH_FORMAT"), per_month[month])
            for month in period.months()
        ],
        "per_structure_kind": kinds,
        "per_structure_field": people_per_structure_field(kinds),
        "per_offer_kind": [
            Row(kind.value, str(kind.label), per_offer_kind[kind.value]) for kind in OfferKind
        ],
        "per_partner": partners,
        "structures": structure_counts(),
    }


def people_per_structure_field(kinds: list[Row]) -> list[Row]:
    """Derived from the figures per kind (a structure's field follows from its kind)."""
    totals = dict.fromkeys(StructureField.values, 0)
    for row in kinds:
        totals[KIND_FIELD[StructureKind(row.key)].value] += row.value
    return [Row(field.value, str(field.label), totals[field.value]) for field in StructureField]


def projects_of_period(period: Period) -> QuerySet[Project]:
    """Co-built projects running at some point of the period, with their partners (two queries)."""
    return (
        Project.objects.filter(start_date__lte=period.date_to)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=period.date_from))
        .select_related("exhibition")
        .prefetch_related("partners")
        .order_by("start_date", "name")
    )
