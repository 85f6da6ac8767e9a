"""The forms of the staff dashboard: the period filter and the confirmation of an erasure."""

from __future__ import annotations

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .impact import Period

MAX_PERIOD_YEARS = 10
FIRST_YEAR = 2012  # the Louvre-Lens opened in December 2012


class PeriodForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=gettext_lazy("To (included)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean(self):
        cleaned = super().clean()
        default = Period.current_year()
        start = cleaned.get("date_from") or default.date_from
        end = cleaned.get("date_to") or default.date_to
        if "date_from" in self.errors or "date_to" in self.errors:
            return cleaned
        last_year = timezone.localdate().year + 1
        if start.year < FIRST_YEAR:
            self.add_error(
                "date_from",
                _("Choose a date from %(year)s on: the museum opened then.") % {"year": FIRST_YEAR},
            )
        elif end.year > last_year:
            self.add_error("date_to", _("Choose a date before %(year)s.") % {"year": last_year + 1})
        elif end < start:
            self.add_error("date_to", _("The end of the period must be on or after its start."))
        elif (end - start).days > 366 * MAX_PERIOD_YEARS:
            self.add_error(
                "date_to", _("Choose a period of at most %(years)s years.") % {"years": MAX_PERIOD_YEARS}
            )
        else:
            cleaned["period"] = Period(start, end)
        return cleaned


def period_filter(query: QueryDict) -> tuple[PeriodForm, Period]:
    """The filter to show and the period to show.

    A query with errors: the form bound to it (its messages at the fields) and this year. Otherwise
    the form filled with the period shown (the dates a blank field stood for written in) and that
    period: the one asked for, or this year.
    """
    form = PeriodForm(query or None)
    if form.is_bound and not form.is_valid():
        return form, Period.current_year()
    period = form.cleaned_data["period"] if form.is_bound else Period.current_year()
    return PeriodForm(initial={"date_from": period.date_from, "date_to": period.date_to}), period


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand: the structure's data will be erased and this cannot be undone."),
        error_messages={"required": gettext_lazy("Tick the box to confirm the erasure.")},
    )
