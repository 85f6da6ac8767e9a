"""Admin for season planning: the museum's closing days, and the bulk creation of sessions.

The planning page lives under the closing days' admin (`admin:programmes_season_plan`,
/admin/programmes/closingday/planifier/); the admin index and the list of sessions link to it.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from partners.selectors import active_mediators

from .models import ClosingDay, Offer, Project
from .season import SeasonPlanError, closing_days_seed, sessions_plan
from .services import ProgrammeError

_TIME = re.compile(r"^([01]?\d|2[0-3])\s*[:hH]\s*([0-5]\d)?$")


class StartTimesField(forms.CharField):
    """Start times typed as a list: "10:00, 14h30"."""

    def to_python(self, value) -> list[dt.time]:
        text = super().to_python(value)
        times: list[dt.time] = []
        for part in re.split(r"[,;\s]+(?=\d)", text.strip()) if text.strip() else []:
            match = _TIME.match(part.strip().rstrip(","))
            if not match:
                raise forms.ValidationError(
                    _("“%(value)s” is not a time: write times like 10:00 or 14h30, separated by commas."),
                    params={"value": part.strip()},
                    code="invalid",
                )
            times.append(dt.time(int(match.group(1)), int(match.group(2) or 0)))
        return sorted(set(times))

    def validate(self, value) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


class SeasonPlanForm(forms.Form):
    offer = forms.ModelChoiceField(label=_("Offer"), queryset=Offer.objects.none())
    project = forms.ModelChoiceField(
        label=_("Co-built project"),
        queryset=Project.objects.none(),
        required=False,
        help_text=_("Only if these sessions belong to a co-built project."),
    )
    date_from = forms.DateField(
        label=_("From"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To (included)"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("At most one year at once."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Days of the week"),
        choices=[(number, WEEKDAYS[number]) for number in range(7)],
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The museum is closed on Tuesdays: Tuesdays are always skipped."),
    )
    start_times = StartTimesField(
        label=_("Start times"),
        help_text=_("One or more times separated by commas, for example: 10:00, 14:30."),
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    # Limits are checked by the service (sessions_plan), with their own messages.
    capacity = forms.IntegerField(label=_("Capacity (seats)"))
    booking_deadline_hours = forms.IntegerField(
        label=_("Booking deadline (hours before)"),
        required=False,
        help_text=_("Leave empty to use the booking deadline of the offer."),
    )
    mediators = forms.ModelMultipleChoiceField(
        label=_("Mediators"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "They are assigned to every session when they are free; the preview says when they are not."
        ),
    )
    plan_digest = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):

        super().__init__(*args, **kwargs)
        self.fields["offer"].queryset = Offer.objects.order_by("kind", "title")
        self.fields["project"].queryset = Project.objects.order_by("-start_date", "name")
        self.fields["mediators"].queryset = active_mediators()

    def plan(self, *, preview: bool, by=None):
        """The plan of the cleaned data; the service's objections go to their fields."""
        data = self.cleaned_data
        try:
            return sessions_plan(
                offer=data.get("offer"),
                date_from=data.get("date_from"),
                date_to=data.get("date_to"),
                weekdays=data.get("weekdays") or [],
                start_times=data.get("start_times") or [],
                place=data.get("place") or "",
                capacity=data.get("capacity"),
                mediators=list(data.get("mediators") or []),
                booking_deadline_hours=data.get("booking_deadline_hours"),
                project=data.get("project"),
                preview=preview,
                by=by,
            )
        except SeasonPlanError as exc:
            for name, errors in exc.errors.items():
                for error in errors:
                    self.add_error(name if name in self.fields else None, error)
        except ProgrammeError as exc:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return None


@admin.register(ClosingDay)
class ClosingDayAdmin(admin.ModelAdmin):
    list_display = ["date", "weekday", "label"]
    search_fields = ["label"]
    date_hierarchy = "date"
    ordering = ["-date"]
    change_list_template = "admin/programmes/closingday/change_list.html"

    @admin.display(description=_("day"))
    def weekday(self, obj: ClosingDay) -> str:
        return str(WEEKDAYS[obj.date.weekday()])

    def get_urls(self):
        urls = [
            path(
                "planifier/", self.admin_site.admin_view(self.season_plan_view), name="programmes_season_plan"
            ),
            path(
                "jours-feries/",
                self.admin_site.admin_view(require_POST(self.seed_holidays_view)),
                name="programmes_closingday_seed",
            ),
        ]
        return urls + super().get_urls()

    def seed_holidays_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        year = timezone.localdate().year
        added = closing_days_seed(years=[year, year + 1])
        messages.success(
            request,
            ngettext(
                "%(count)d public holiday added for %(first)s and %(second)s.",
                "%(count)d public holidays added for %(first)s and %(second)s.",
                added,
            )
            % {"count": added, "first": year, "second": year + 1},
        )
        return HttpResponseRedirect(reverse("admin:programmes_closingday_changelist"))

    def season_plan_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("programmes.add_session"):
            raise PermissionDenied
        plan = None
        if request.method == "POST":
            form = SeasonPlanForm(request.POST)
            if form.is_valid():
                if "create" in request.POST:
                    preview = form.plan(preview=True)
                    if preview is not None and preview.digest != form.cleaned_data.get("plan_digest"):
                        messages.warning(
                            request,
                            _(
                                "The plan has changed since your preview (sessions, closing days or "
                                "mediators' schedules changed meanwhile): check it again, then create."
                            ),
                        )
                        plan = preview
                    elif preview is not None:
                        created = form.plan(preview=False, by=request.user)
                        if created is not None:
                            count = len(created.created)
                            messages.success(
                                request,
                                ngettext("%(count)d session created.", "%(count)d sessions created.", count)
                                % {"count": count},
                            )
                            return HttpResponseRedirect(_sessions_list_url())
                else:
                    plan = form.plan(preview=True)
                if plan is not None:
                    # The confirmation posts the fingerprint of what was shown.
                    data = request.POST.copy()
                    data["plan_digest"] = plan.digest
                    form = SeasonPlanForm(data)
                    form.is_valid()
        else:
            form = SeasonPlanForm(
                initial={
                    # Every day: the preview then shows the Tuesdays skipped, closed.
                    "weekdays": list(range(7)),
                    "capacity": 25,
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Plan a season of sessions"),
            "form": form,
            "media": self.media + form.media,
            "plan": plan,
            "sessions_url": _sessions_list_url(),
        }
        return TemplateResponse(request, "admin/programmes/season_plan.html", context)


def _sessions_list_url() -> str:
    try:
        return reverse("admin:programmes_session_changelist")
    except NoReverseMatch:  # the sessions' admin is not registered (it always is in the portal)
        return reverse("admin:index")
