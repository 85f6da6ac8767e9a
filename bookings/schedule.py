"""Reads of the mediators' planning: the sessions of a week or of a day with their groups, one
session's page, the groups of an attendance sheet.

Each takes the sessions the viewer may see (`programmes.selectors.planning_sessions`), so that who
sees what is decided in one place, and reads them in a fixed number of queries whatever the number
of sessions and groups: the sessions, their seated groups, the groups' accessibility needs (and the
mediators of the sessions when the page lists them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partners.models import Structure, User
from programmes.enums import SessionStatus
from programmes.models import Assignment, Session

from .attendance import RECORDABLE_STATUSES, AttendanceWindow, attendance_deadline, attendance_window
from .calendar import needs_summary
from .enums import SEATED_STATUSES, BookingStatus
from .models import AttendanceChange, Booking

# ---------------------------------------------------------------------------------------------
# The week and the day sheet
# ---------------------------------------------------------------------------------------------

# The week and the day sheet print many sessions and groups: their rows are read as plain values
# into dictionaries and every text is made once here, so that the templates only print strings.
# Measured in-process (40 sessions of two groups, staff's week): letting the template format each
# row itself ({% url %}, |date, |time, {% blocktranslate %}: tens of microseconds each, a dozen per
# row) took 2.4 times the CPU time of the whole page (98 ms against 40 ms); 1.4 times with a
# mediator's 10 sessions. The seven days of the week are few: their template formats them.


class GroupRow(TypedDict):
    name: str
    participants: int
    staff: int
    people: str  # "6 participants, 3 accompanying staff"
    needs: str
    notes: str
    comment: str
    contact_name: str
    contact_phone: str
    tel: str  # the phone number without spaces, for tel: links


class SessionRow(TypedDict):
    pk: str  # text: the template prints it as is (a number would go through localisation)
    url: str
    title: str
    cancelled: bool
    start: dt.datetime  # local time
    start_time: str
    start_iso: str
    end_time: str
    end_iso: str
    place: str
    mediators: str  # their names, when the page lists them
    summary: str  # "2 groups: 10 participants and 5 accompanying staff."
    groups: list[GroupRow]


@dataclass(frozen=True)
class Day:
    date: dt.date
    sessions: list[SessionRow]
    is_today: bool
    is_past: bool


@dataclass(frozen=True)
class Week:
    monday: dt.date
    days: list[Day]
    sessions: list[SessionRow]
    next_start: dt.datetime | None  # an empty week: when the next planned session starts, if any

    @property
    def sunday(self) -> dt.date:
        return self.monday + dt.timedelta(days=6)


def _day_bounds(first: dt.date, days: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(first + dt.timedelta(days=days), dt.time.min, tzinfo=tz)
    return start, end


_SESSION_FIELDS = ("pk", "start", "end", "place", "status", "offer__title")
_GROUP_FIELDS = (
    "pk",
    "session_id",
    "participants",
    "accompanying_staff",
    "wheelchair_users",
    "accessibility_notes",
    "comment",
    "contact_name",
    "contact_phone",
    "structure_name",
)


def session_rows(
    sessions: QuerySet[Session], *, session_url: Callable[[int], str], with_mediators: bool
) -> list[SessionRow]:
    """These sessions (filtered and ordered) as rows to print, each with its seated groups.

    Three queries (four `with_mediators`) whatever the number of sessions and groups: the sessions,
    their seated groups, the groups' accessibility needs (and the mediators of the sessions).
    `session_url` makes the address of a session's page from its id.
    """
    rows: dict[int, SessionRow] = {}
    for value in sessions.values(*_SESSION_FIELDS):
        start, end = timezone.localtime(value["start"]), timezone.localtime(value["end"])
        rows[value["pk"]] = SessionRow(
            pk=str(value["pk"]),
            url=session_url(value["pk"]),
            title=value["offer__title"],
            cancelled=value["status"] == SessionStatus.CANCELLED,
            start=start,
            start_time=f"{start:%H:%M}",
            start_iso=start.isoformat(),
            end_time=f"{end:%H:%M}",
            end_iso=end.isoformat(),
            place=value["place"],
            mediators="",
            summary="",
            groups=[],
        )
    if not rows:
        return []
    seated = Booking.objects.filter(session_id__in=rows, status__in=SEATED_STATUSES)
    needs: dict[int, list[str]] = {}
    for booking_id, code in Booking.accessibility_needs.through.objects.filter(
        booking__in=seated
    ).values_list("booking_id", "accessibilityoption__code"):
        needs.setdefault(booking_id, []).append(code)
    people = _("%(p)s participants, %(s)s accompanying staff")
    # The structure's name by a scalar subquery: a join made the planner read every structure.
    name = Structure.objects.filter(pk=OuterRef("structure_id")).values("name")
    in_order = seated.annotate(structure_name=Subquery(name)).order_by("created_at", "pk")
    for value in in_order.values(*_GROUP_FIELDS):
        rows[value["session_id"]]["groups"].append(
            GroupRow(
                name=value["structure_name"],
                participants=value["participants"],
                staff=value["accompanying_staff"],
                people=people % {"p": value["participants"], "s": value["accompanying_staff"]},
                needs=needs_summary(
                    wheelchair_users=value["wheelchair_users"],
                    codes=needs.get(value["pk"], ()),
                    notes=value["accessibility_notes"],
                ),
                notes=value["accessibility_notes"],
                comment=value["comment"],
                contact_name=value["contact_name"],
                contact_phone=value["contact_phone"],
                tel=value["contact_phone"].replace(" ", ""),
            )
        )
    for row in rows.values():
        if groups := row["groups"]:
            row["summary"] = ngettext(
                "%(counter)s group: %(participants)s participants and %(staff)s accompanying staff.",
                "%(counter)s groups: %(participants)s participants and %(staff)s accompanying staff.",
                len(groups),
            ) % {
                "counter": len(groups),
                "participants": sum(g["participants"] for g in groups),
                "staff": sum(g["staff"] for g in groups),
            }
    if with_mediators:
        names: dict[int, list[str]] = {}
        for session_id, first, last, email in (
            Assignment.objects.filter(session_id__in=rows)
            .order_by("mediator__last_name", "mediator__first_name", "mediator_id")
            .values_list("session_id", "mediator__first_name", "mediator__last_name", "mediator__email")
        ):
            names.setdefault(session_id, []).append(f"{first} {last}".strip() or email)
        for pk, row in rows.items():
            row["mediators"] = ", ".join(names.get(pk, ()))
    return list(rows.values())


def planning_week(
    sessions: QuerySet[Session],
    *,
    monday: dt.date,
    today: dt.date,
    session_url: Callable[[int], str],
    with_mediators: bool,
) -> Week:
    """The week starting on `monday` of these sessions, day by day; when it is empty, the start of
    the next planned session (so that the page can link to its week)."""
    start, end = _day_bounds(monday, 7)
    rows = session_rows(
        sessions.filter(start__gte=start, start__lt=end).order_by("start", "pk"),
        session_url=session_url,
        with_mediators=with_mediators,
    )
    by_day: dict[dt.date, list[SessionRow]] = {}
    for row in rows:
        by_day.setdefault(row["start"].date(), []).append(row)
    days = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        days.append(Day(date=day, sessions=by_day.get(day, []), is_today=day == today, is_past=day < today))
    next_start = None
    if not rows:
        next_start = (
            sessions.filter(start__gte=max(end, timezone.now()), status=SessionStatus.PLANNED)
            .order_by("start")
            .values_list("start", flat=True)
            .first()
        )
    return Week(monday=monday, days=days, sessions=rows, next_start=next_start)


def planning_day(
    sessions: QuerySet[Session], *, day: dt.date, session_url: Callable[[int], str]
) -> list[SessionRow]:
    """The sessions of one day, with their groups and mediators (the printable day sheet)."""
    start, end = _day_bounds(day, 1)
    return session_rows(
        sessions.filter(start__gte=start, start__lt=end).order_by("start", "pk"),
        session_url=session_url,
        with_mediators=True,
    )


# ---------------------------------------------------------------------------------------------
# One session: its page and its attendance sheet
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """A group booked at a session, with its accessibility needs in words and the history of its
    attendance."""

    booking: Booking
    needs: str
    history: tuple[AttendanceChange, ...] = ()


@dataclass(frozen=True)
class SessionPage:
    """One session as its mediator sees it: the groups with their contacts and attendance history,
    its mediators, the groups waiting for a seat, and whether attendance may be recorded."""

    session: Session
    groups: list[Group]
    mediators: list[User]
    waiting: int
    window: AttendanceWindow

    @property
    def participants(self) -> int:
        return sum(group.booking.participants for group in self.groups)

    @property
    def staff(self) -> int:
        return sum(group.booking.accompanying_staff for group in self.groups)

    @property
    def day(self) -> dt.date:
        return timezone.localdate(self.session.start)

    @property
    def monday(self) -> dt.date:
        return self.day - dt.timedelta(days=self.day.weekday())


def _groups_prefetch() -> Prefetch:
    """The seated groups of a session, in booking order, with their structure and needs."""
    bookings = (
        Booking.objects.filter(status__in=SEATED_STATUSES)
        .select_related("structure")
        .prefetch_related("accessibility_needs")
        .order_by("created_at", "pk")
    )
    return Prefetch("bookings", queryset=bookings, to_attr="seated_bookings")


def _mediators_prefetch() -> Prefetch:
    return Prefetch(
        "mediators", queryset=User.objects.order_by("last_name", "first_name", "pk"), to_attr="mediator_list"
    )


def _group(booking: Booking, history: tuple[AttendanceChange, ...] = ()) -> Group:
    return Group(
        booking=booking,
        needs=needs_summary(
            wheelchair_users=booking.wheelchair_users,
            codes=[option.code for option in booking.accessibility_needs.all()],
            notes=booking.accessibility_notes,
        ),
        history=history,
    )


def _one_session(sessions: QuerySet[Session], pk: int) -> Session | None:
    return (
        sessions.select_related("offer")
        .prefetch_related(_groups_prefetch(), _mediators_prefetch())
        .filter(pk=pk)
        .first()
    )


def planning_session_page(sessions: QuerySet[Session], *, pk: int) -> SessionPage | None:
    """The page of one of these sessions; None when it is not one of them."""
    session = _one_session(sessions, pk)
    if session is None:
        return None
    history: dict[int, list[AttendanceChange]] = {}
    changes = AttendanceChange.objects.filter(booking__session=session).select_related("changed_by")
    for change in changes.order_by("-changed_at", "-pk"):
        history.setdefault(change.booking_id, []).append(change)
    return SessionPage(
        session=session,
        groups=[_group(b, tuple(history.get(b.pk, ()))) for b in session.seated_bookings],
        mediators=session.mediator_list,
        waiting=session.bookings.filter(status=BookingStatus.WAITLISTED).count(),
        window=attendance_window(session),
    )


@dataclass(frozen=True)
class AttendanceSheet:
    """A session's attendance sheet: the groups whose attendance may be recorded, and when."""

    session: Session
    bookings: list[Booking]
    window: AttendanceWindow

    @property
    def deadline(self) -> dt.datetime:
        return attendance_deadline(self.session)


def attendance_sheet(sessions: QuerySet[Session], *, pk: int) -> AttendanceSheet | None:
    """The attendance sheet of one of these sessions; None when it is not one of them."""
    session = _one_session(sessions, pk)
    if session is None:
        return None
    bookings = [b for b in session.seated_bookings if b.status in RECORDABLE_STATUSES]
    return AttendanceSheet(session=session, bookings=bookings, window=attendance_window(session))
