"""Season planning: many sessions of one offer created at once, the museum's closing days skipped.

`sessions_plan` computes the plan; with `preview=False` it also creates it, through
`sessions_create_from_plan`. The preview and the creation run the same computation, so what staff
saw is what gets created (the admin also compares the plan's digest before creating).

Closing days: every Tuesday (see `WEEKLY_CLOSING_DAY`) and the dates of the `ClosingDay` model.
The public holidays the museum closes on are seeded per year by `closing_days_seed` (from the
admin's "Add the public holidays" button on the closing days list, or the management command
`python manage.py closing_days_seed --year 2026`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.cache import content_changed

from .enums import SessionStatus
from .models import ClosingDay, Offer, Project, Session
from .services import ProgrammeError, mediator_assign, mediator_conflict

# The Louvre-Lens is closed every Tuesday ("Le Louvre-Lens est fermé le mardi"): no session is
# ever planned on that day. Python's weekday(): Monday is 0, so Tuesday is 1.
WEEKLY_CLOSING_DAY = 1

# At most this many days in one bulk creation (a leap year): beyond, staff plan in two steps.
MAX_PLAN_DAYS = 366
# Plans reach at most this many years ahead (and far-future dates would overflow date arithmetic).
MAX_YEARS_AHEAD = 5
MAX_CAPACITY = 10_000
MAX_DEADLINE_HOURS = 24 * 365

# Public holidays on a fixed date on which the museum closes, seeded as ClosingDay rows per year.
FIXED_PUBLIC_HOLIDAYS: tuple[tuple[int, int, object], ...] = (
    (1, 1, gettext_lazy("New Year's Day")),
    (5, 1, gettext_lazy("Labour Day")),
    (12, 25, gettext_lazy("Christmas Day")),
)


class SeasonPlanError(ProgrammeError):
    """The planning request is not valid; `errors` maps each form field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(" ".join(message for messages in errors.values() for message in messages))


class SkipReason:
    TUESDAY = "tuesday"
    CLOSING_DAY = "closing_day"
    DUPLICATE = "duplicate"
    PAST = "past"


@dataclass(frozen=True)
class PlannedSession:
    start: dt.datetime
    end: dt.datetime
    booking_deadline: dt.datetime
    mediators: tuple = ()  # the chosen mediators who are free then
    mediator_conflicts: tuple[str, ...] = ()  # why the others cannot lead this one


@dataclass(frozen=True)
class SkippedSlot:
    day: dt.date
    start: dt.datetime | None  # None when the whole day is skipped
    code: str
    reason: str


@dataclass
class SessionPlan:
    offer: Offer
    place: str
    capacity: int
    mediators: tuple
    project: Project | None
    sessions: list[PlannedSession]
    skipped: list[SkippedSlot]
    created: list[Session] = field(default_factory=list)

    @property
    def digest(self) -> str:
        """A fingerprint of what would be created: the admin refuses to create if it changed."""
        parts = [
            str(self.offer.pk),
            self.place,
            str(self.capacity),
            str(self.project.pk if self.project else ""),
        ]
        parts += sorted(str(m.pk) for m in self.mediators)
        for planned in self.sessions:
            who = ",".join(str(m.pk) for m in planned.mediators)
            parts.append(f"{planned.start.isoformat()}|{planned.booking_deadline.isoformat()}|{who}")
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _validate(
    *,
    offer: Offer | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    weekdays: Sequence[int],
    start_times: Sequence[dt.time],
    place: str,
    capacity: int | None,
    booking_deadline_hours: int | None,
) -> None:
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if offer is None:
        add("offer", _("Choose the offer of these sessions."))
    if date_from is None:
        add("date_from", _("Give the first day of the period."))
    if date_to is None:
        add("date_to", _("Give the last day of the period."))
    last_year = timezone.localdate().year + MAX_YEARS_AHEAD
    if date_to is not None and date_to.year > last_year:
        add("date_to", _("Plan sessions before %(year)s.") % {"year": last_year + 1})
    elif date_from is not None and date_to is not None:
        if date_to < date_from:
            add("date_to", _("The last day must be on or after the first day."))
        elif (date_to - date_from).days + 1 > MAX_PLAN_DAYS:
            add(
                "date_to",
                _("Plan at most %(days)s days at once (one year): split the season in two.")
                % {"days": MAX_PLAN_DAYS},
            )
    if not weekdays:
        add("weekdays", _("Tick at least one day of the week."))
    elif any(day not in range(7) for day in weekdays):
        add("weekdays", _("Choose days of the week from the list."))
    if not start_times:
        add("start_times", _("Give at least one start time."))
    if not (place or "").strip():
        add("place", _("Give the place where the sessions start."))
    if capacity is None or capacity < 1:
        add("capacity", _("The capacity must be at least 1 seat."))
    elif capacity > MAX_CAPACITY:
        add("capacity", _("The capacity can be at most %(max)s seats.") % {"max": MAX_CAPACITY})
    if booking_deadline_hours is not None and booking_deadline_hours < 0:
        add("booking_deadline_hours", _("The booking deadline cannot be negative."))
    elif booking_deadline_hours is not None and booking_deadline_hours > MAX_DEADLINE_HOURS:
        add("booking_deadline_hours", _("The booking deadline can be at most one year before the session."))
    if errors:
        raise SeasonPlanError(errors)


def sessions_plan(
    *,
    offer: Offer | None,
    date_from: dt.date | None,
    date_to: dt.date | None,
    weekdays: Iterable[int],
    start_times: Iterable[dt.time],
    place: str,
    capacity: int | None,
    mediators: Iterable = (),
    booking_deadline_hours: int | None = None,
    project: Project | None = None,
    preview: bool,
    by=None,
) -> SessionPlan:
    """The sessions these choices would create, and the slots skipped with their reason.

    With `preview=False` the sessions are created too (all or nothing); the returned plan then lists
    them in `created`. Raises SeasonPlanError (messages per field) on invalid choices.
    """
    weekdays = sorted(set(weekdays))
    start_times = sorted(set(start_times))
    place = (place or "").strip()
    _validate(
        offer=offer,
        date_from=date_from,
        date_to=date_to,
        weekdays=weekdays,
        start_times=start_times,
        place=place,
        capacity=capacity,
        booking_deadline_hours=booking_deadline_hours,
    )
    assert offer is not None and date_from is not None and date_to is not None and capacity is not None
    deadline_hours = (
        offer.booking_deadline_hours if booking_deadline_hours is None else booking_deadline_hours
    )
    duration = dt.timedelta(minutes=offer.duration_minutes)
    tz = timezone.get_current_timezone()
    now = timezone.now()

    closing = dict(ClosingDay.objects.filter(date__range=(date_from, date_to)).values_list("date", "label"))
    candidates: list[tuple[dt.date, dt.datetime]] = []
    skipped: list[SkippedSlot] = []
    day = date_from
    while day <= date_to:
        if day.weekday() in weekdays:
            if day.weekday() == WEEKLY_CLOSING_DAY:
                skipped.append(
                    SkippedSlot(day, None, SkipReason.TUESDAY, _("The Louvre-Lens is closed on Tuesdays."))
                )
            elif day in closing:
                skipped.append(
                    SkippedSlot(
                        day,
                        None,
                        SkipReason.CLOSING_DAY,
                        _("Closing day: %(label)s") % {"label": closing[day]},
                    )
                )
            else:
                for start_time in start_times:
                    candidates.append((day, dt.datetime.combine(day, start_time, tzinfo=tz)))
        day += dt.timedelta(days=1)

    existing = set(
        Session.objects.filter(
            offer=offer, place=place, start__in=[start for _day, start in candidates]
        ).values_list("start", flat=True)
    )
    mediators = tuple(mediators)
    booked: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {m.pk: [] for m in mediators}
    sessions: list[PlannedSession] = []
    for day, start in candidates:
        if start in existing:
            skipped.append(
                SkippedSlot(
                    day,
                    start,
                    SkipReason.DUPLICATE,
                    _("A session of this offer already exists at this time and place."),
                )
            )
        elif start <= now:
            skipped.append(SkippedSlot(day, start, SkipReason.PAST, _("This time has already passed.")))
        else:
            end = start + duration
            free, conflicts = _free_mediators(mediators, start, end, booked)
            sessions.append(
                PlannedSession(
                    start=start,
                    end=end,
                    booking_deadline=start - dt.timedelta(hours=deadline_hours),
                    mediators=free,
                    mediator_conflicts=conflicts,
                )
            )
    skipped.sort(
        key=lambda slot: (slot.day, slot.start or dt.datetime.combine(slot.day, dt.time.min, tzinfo=tz))
    )

    plan = SessionPlan(
        offer=offer,
        place=place,
        capacity=capacity,
        mediators=mediators,
        project=project,
        sessions=sessions,
        skipped=skipped,
    )
    if not preview:
        sessions_create_from_plan(plan=plan, by=by)
    return plan


def _free_mediators(
    mediators: tuple,
    start: dt.datetime,
    end: dt.datetime,
    booked: dict[int, list[tuple[dt.datetime, dt.datetime]]],
) -> tuple[tuple, tuple[str, ...]]:
    """The mediators free to lead a planned session, and why the others are not.

    Their existing sessions and unavailabilities are checked by `mediator_conflict` (the rule of
    `mediator_assign`); the sessions of this same plan are checked here, with the same margin.
    """
    if not mediators:
        return (), ()
    margin = dt.timedelta(minutes=settings.MEDIATOR_SETUP_MARGIN_MINUTES)
    free, conflicts = [], []
    for mediator in mediators:
        reason = mediator_conflict(mediator=mediator, start=start, end=end)
        if reason is None and any(
            other_start < end + margin and other_end > start - margin
            for other_start, other_end in booked[mediator.pk]
        ):
            reason = _("%(name)s already leads another session of this plan at that time.") % {
                "name": mediator.get_full_name() or mediator.email
            }
        if reason is None:
            free.append(mediator)
            booked[mediator.pk].append((start, end))
        else:
            conflicts.append(reason)
    return tuple(free), tuple(conflicts)


def sessions_create_from_plan(*, plan: SessionPlan, by=None) -> list[Session]:
    """Create the plan's sessions and assign its mediators, in one transaction (all or nothing)."""
    if not plan.sessions:
        raise ProgrammeError(_("There is no session to create: every day of the period was skipped."))
    from simple_history.utils import bulk_create_with_history

    objects = [
        Session(
            offer=plan.offer,
            start=planned.start,
            end=planned.end,
            place=plan.place,
            capacity=plan.capacity,
            booking_deadline=planned.booking_deadline,
            status=SessionStatus.PLANNED,
            project=plan.project,
        )
        for planned in plan.sessions
    ]
    try:
        with transaction.atomic():
            created = bulk_create_with_history(
                objects, Session, batch_size=500, default_user=by, default_change_reason="season planning"
            )
            content_changed()  # the catalogue must show the new dates
            for session, planned in zip(created, plan.sessions, strict=True):
                for mediator in planned.mediators:
                    mediator_assign(session=session, mediator=mediator, by=by)
    except IntegrityError as exc:  # the unique (offer, start, place) constraint: a session appeared meanwhile
        raise ProgrammeError(
            _("Some of these sessions were created by someone else in the meantime: preview the plan again.")
        ) from exc
    plan.created = created
    return created


def closing_days_seed(*, years: Iterable[int]) -> int:
    """Add the fixed-date public holidays the museum closes on, for these years. Returns how many
    were added (days already there are left as they are)."""
    added = 0
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        for year in years:
            for month, day_of_month, label in FIXED_PUBLIC_HOLIDAYS:
                _closing, created = ClosingDay.objects.get_or_create(
                    date=dt.date(year, month, day_of_month), defaults={"label": str(label)}
                )
                added += int(created)
    return added
