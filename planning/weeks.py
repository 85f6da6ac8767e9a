"""The weeks of the planning as its addresses write them (?semaine=2025-W09&mediateur=12), and the
links from one week to the others."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _

WEEK_RE = re.compile(r"^(\d{4})-W(\d{1,2})$")


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def parse_week(value: str) -> dt.date | None:
    """The Monday of an ISO week written YYYY-Www (e.g. 2025-W09), or None when it is not one."""
    match = WEEK_RE.match(value.strip())
    if not match:
        return None
    try:
        return dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None


def week_asked(value: str, *, today: dt.date) -> tuple[dt.date, str]:
    """The Monday of the week asked for (this week when none is) and, for a value that is no week,
    the message that says so (then the week shown is this one)."""
    if not value:
        return monday_of(today), ""
    monday = parse_week(value)
    if monday is None:
        message = _("“%(value)s” is not a week we know (write it like 2025-W09): here is the current week.")
        return monday_of(today), message % {"value": value[:20]}
    return monday, ""


def week_param(day: dt.date) -> str:
    """The week of a day as the address writes it: 2025-W09."""
    year, week, _day = day.isocalendar()
    return f"{year}-W{week:02d}"


def query_string(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


@dataclass(frozen=True)
class WeekLinks:
    """The links of a week's page: the weeks before and after, this week, the week of the next
    session; each keeps the mediator picked (staff)."""

    monday: dt.date
    today: dt.date
    picked: str = ""  # the id of the mediator picked, as the address writes it
    next_start: dt.datetime | None = None

    @property
    def value(self) -> str:
        return week_param(self.monday)

    @property
    def is_current_week(self) -> bool:
        return self.monday == monday_of(self.today)

    @property
    def previous_query(self) -> str:
        return query_string(semaine=week_param(self.monday - dt.timedelta(days=7)), mediateur=self.picked)

    @property
    def next_query(self) -> str:
        return query_string(semaine=week_param(self.monday + dt.timedelta(days=7)), mediateur=self.picked)

    @property
    def current_query(self) -> str:
        return query_string(mediateur=self.picked)

    @property
    def next_session_query(self) -> str:
        if self.next_start is None:
            return ""
        return query_string(semaine=week_param(timezone.localdate(self.next_start)), mediateur=self.picked)


def week_query(day: dt.date, *, picked: str = "") -> str:
    """The address of the week of a day (the link back from a day sheet or a session)."""
    return query_string(semaine=week_param(day), mediateur=picked)
