"""Words and addresses written the same way on every page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.urls import reverse
from django.utils.dates import MONTHS, WEEKDAYS


def url_maker(name: str) -> Callable[[int], str]:
    """Build the URLs of one view for many primary keys from a single reverse() (~25 µs each)."""
    marker = "2147483647"
    head, tail = reverse(name, args=[int(marker)]).rsplit(marker, 1)
    return lambda pk: f"{head}{pk}{tail}"


class DateWords:
    """Dates written as the `date` filter writes them ("mercredi 9 décembre 2026"), in the current
    language, with each month and weekday name translated once per page instead of once per line."""

    def __init__(self) -> None:
        self._months: dict[int, str] = {}
        self._weekdays: dict[int, str] = {}

    def month(self, value: dt.date) -> str:
        if value.month not in self._months:
            self._months[value.month] = str(MONTHS[value.month])
        return self._months[value.month]

    def weekday(self, value: dt.date) -> str:
        if value.weekday() not in self._weekdays:
            self._weekdays[value.weekday()] = str(WEEKDAYS[value.weekday()])
        return self._weekdays[value.weekday()]

    def day_month_year(self, value: dt.date) -> str:  # "j F Y"
        return f"{value.day} {self.month(value)} {value.year}"

    def weekday_day_month_year(self, value: dt.date) -> str:  # "l j F Y"
        return f"{self.weekday(value)} {value.day} {self.month(value)} {value.year}"

    def weekday_day_month(self, value: dt.date) -> str:  # "l j F"
        return f"{self.weekday(value)} {value.day} {self.month(value)}"
