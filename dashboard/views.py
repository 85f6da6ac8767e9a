"""The staff dashboard: what waits for an answer, the impact of the programme, exports, the annual
report, and the personal data requests (export and erasure of a structure's data).

Staff only: a visitor is sent to the login page, a logged-in non-staff user gets a 404 (the page
does not exist for them).
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from bookings.privacy import structure_erase, structure_export
from bookings.services import BookingError
from common.cache import content_version
from partners.models import Structure

from . import exports, impact

MAX_PERIOD_YEARS = 10
FIRST_YEAR = 2012  # the Louvre-Lens opened in December 2012
CHART_WIDTH = 480


def staff_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


# ---------------------------------------------------------------------------------------------
# The period filter
# ---------------------------------------------------------------------------------------------


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
        default = impact.Period.current_year()
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
            cleaned["period"] = impact.Period(start, end)
        return cleaned


def _period(request: HttpRequest) -> tuple[PeriodForm, impact.Period]:
    """The filter form bound to the query string, and the period to show (this year when invalid)."""
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["period"]
    period = impact.Period.current_year()
    if not form.is_bound:
        form = PeriodForm(initial={"date_from": period.date_from, "date_to": period.date_to})
    return form, period


def _query(period: impact.Period) -> str:
    return urlencode({"date_from": period.date_from.isoformat(), "date_to": period.date_to.isoformat()})


# ---------------------------------------------------------------------------------------------
# Charts, drawn on the server as SVG (each comes with the table of its figures)
# ---------------------------------------------------------------------------------------------


def _describe(rows: list[impact.Row], unit: str) -> str:
    total = sum(row.value for row in rows)
    if not total:
        return _("No one counted in this period.")
    top = max(rows, key=lambda row: row.value)
    return _("Total: %(total)s %(unit)s. Highest: %(label)s, %(value)s.") % {
        "total": total,
        "unit": unit,
        "label": top.label,
        "value": top.value,
    }


def bar_chart(chart_id: str, title: str, rows: list[impact.Row], *, unit: str) -> dict:
    """Horizontal bars, the label above each bar (long labels stay readable on a phone)."""
    row_height, bar_height, label_gap = 40, 14, 18
    longest = max((row.value for row in rows), default=0) or 1
    usable = CHART_WIDTH - 50
    bars = []
    for index, row in enumerate(rows):
        top = index * row_height
        length = round(usable * row.value / longest) if row.value else 0
        bars.append(
            {
                "label": row.label,
                "value": row.value,
                "label_y": top + 13,
                "bar_y": top + label_gap,
                "length": length,
                "value_x": length + 6,
                "value_y": top + label_gap + bar_height - 2,
            }
        )
    return {
        "id": chart_id,
        "kind": "bars",
        "title": title,
        "desc": _describe(rows, unit),
        "width": CHART_WIDTH,
        "height": max(len(rows) * row_height, row_height),
        "bar_height": bar_height,
        "bars": bars,
        "rows": rows,
    }


def column_chart(chart_id: str, title: str, rows: list[impact.Row], *, unit: str, short=None) -> dict:
    """Vertical columns in time order (months or years)."""
    plot_height, label_space, top_space = 180, 34, 18
    count = max(len(rows), 1)
    slot = CHART_WIDTH / count
    width = max(min(slot * 0.7, 60), 2)
    highest = max((row.value for row in rows), default=0) or 1
    every = max(1, round(count / 12))  # at most about 12 labels under the axis
    columns = []
    for index, row in enumerate(rows):
        height = round(plot_height * row.value / highest) if row.value else 0
        x = index * slot + (slot - width) / 2
        columns.append(
            {
                "label": row.label,
                "short": (short(row) if short else row.label) if index % every == 0 else "",
                "value": row.value,
                # Strings with a dot: a localised template would write "12,5" into the SVG.
                "x": f"{x:.1f}",
                "y": top_space + plot_height - height,
                "value_y": top_space + plot_height - height - 4,
                "width": f"{width:.1f}",
                "height": height,
                "center": f"{x + width / 2:.1f}",
                "show_value": count <= 24,
            }
        )
    return {
        "id": chart_id,
        "kind": "columns",
        "title": title,
        "desc": _describe(rows, unit),
        "width": CHART_WIDTH,
        "height": top_space + plot_height + label_space,
        "axis_y": top_space + plot_height,
        "label_y": top_space + plot_height + 16,
        "value_offset": top_space,
        "columns": columns,
        "rows": rows,
    }


def _month_rows(rows: list[impact.Row]) -> list[impact.Row]:
    """Shorter labels under the month columns: "01/2026"."""
    return [impact.Row(row.key, f"{row.key[5:7]}/{row.key[:4]}", row.value) for row in rows]


def _charts(figures: dict) -> dict:
    people = _("people")
    partners = [
        impact.Row(str(row["structure_id"]), row["structure__name"], row["people"])
        for row in figures["per_partner"][:10]
    ]
    return {
        "per_year": column_chart(
            "chart-year", _("People accompanied per year"), figures["per_year"], unit=people
        ),
        "per_month": column_chart(
            "chart-month",
            _("People accompanied per month"),
            _month_rows(figures["per_month"]),
            unit=people,
            short=lambda row: f"{row.key[5:7]}/{row.key[2:4]}",  # "02/25" fits under a column
        ),
        "per_field": bar_chart(
            "chart-field", _("People accompanied per field"), figures["per_structure_field"], unit=people
        ),
        "per_kind": bar_chart(
            "chart-kind",
            _("People accompanied per kind of structure"),
            figures["per_structure_kind"],
            unit=people,
        ),
        "per_offer": bar_chart(
            "chart-offer", _("People accompanied per kind of offer"), figures["per_offer_kind"], unit=people
        ),
        "per_partner": bar_chart(
            "chart-partner", _("The ten partners who came with the most people"), partners, unit=people
        ),
    }


def _admin_url(name: str, *args) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


EXPORTS = [
    ("reservations", gettext_lazy("Bookings")),
    ("presences", gettext_lazy("Attendance")),
    ("partenaires", gettext_lazy("Partners")),
]
# The partners table of the dashboard shows the most active ones; the partners export has them all.
PARTNERS_SHOWN = 20
# Part of the cache key of the rendered figures: change it when _figures.html changes what it needs.
FIGURES_VERSION = 1
# How long one request may take to compute the figures again before another one may try.
REFRESH_LOCK_SECONDS = 60


def figures_cache_key(period: impact.Period, *, with_form: bool) -> str:
    key = f"programmes:dashboard:figures:{FIGURES_VERSION}:{period.date_from}:{period.date_to}"
    return f"{key}:{int(with_form)}:{get_language()}"


def _figures_html(period: impact.Period, *, fresh: bool, with_form: bool) -> str:
    """The impact part of the dashboard (with the period filter when `with_form`), rendered once and
    kept while its figures are.

    Its figures aggregate every booking of the period; its HTML (the filter, the figures, the charts
    and the first partners) depends on nothing else than the period and the language, so it is kept
    in the cache, shared by the workers, until IMPACT_CACHE_SECONDS after the figures were computed.
    The page says when that was; `fresh` computes them again. When they are due, one request computes
    them again while the others still get the last ones (the entry outlives its due time for that),
    rather than every worker running the same second-long queries at once.
    """
    seconds = getattr(settings, "IMPACT_CACHE_SECONDS", 0)
    key = figures_cache_key(period, with_form=with_form)
    lock = f"{key}:computing"
    locked = False
    if seconds and not fresh:
        entry = cache.get(key)
        if entry is not None:
            if (timezone.now() - entry["computed_at"]).total_seconds() < seconds:
                return entry["html"]
            locked = cache.add(lock, 1, REFRESH_LOCK_SECONDS)
            if not locked:
                return entry["html"]  # another request is computing them
            fresh = True  # due: not the figures of the same age from impact()'s own cache
    try:
        figures = impact.impact(period, fresh=fresh)
        html = _render_figures(period, figures, with_form=with_form, cached=bool(seconds))
        if seconds:
            cache.set(key, {"html": html, "computed_at": figures["computed_at"]}, 2 * seconds)
    finally:
        if locked:
            cache.delete(lock)
    return html


def _render_figures(period: impact.Period, figures: dict, *, with_form: bool, cached: bool) -> str:
    query = _query(period)
    period_form = None
    if with_form:
        period_form = PeriodForm(initial={"date_from": period.date_from, "date_to": period.date_to})
    return render_to_string(
        "programmes/dashboard/_figures.html",
        {
            "period_form": period_form,
            "period": period,
            "query": query,
            "fresh_query": f"{query}&fresh=1",
            "figures": figures,
            "charts": _charts(figures),
            "partners": figures["per_partner"][:PARTNERS_SHOWN],
            "partners_total": len(figures["per_partner"]),
            "exports": EXPORTS,
            "cached": cached,
        },
    )


# What waits for staff is kept for a minute at most, and only while nothing was written: the key
# holds the content version (common/cache.py), bumped by every write to structures,
# requests, sessions, bookings and assignments, so the next request after one reads the lists again.
# Failed emails (notifications) do not bump it: they appear on the page up to a minute late. Time
# alone changes the lists too (a session starts, an offer of freed seats runs out): a minute at most.
WORKLIST_CACHE_SECONDS = 60


def _worklist() -> dict:
    """What waits for staff (six bounded queries), from the cache when nothing was written since it
    was read (not with IMPACT_CACHE_SECONDS at 0: everything is read live then)."""
    if not getattr(settings, "IMPACT_CACHE_SECONDS", 0):
        return _read_worklist()
    key = f"dashboard:worklist:{content_version()}:{get_language()}"
    worklist = cache.get(key)
    if worklist is None:
        worklist = _read_worklist()
        cache.set(key, worklist, WORKLIST_CACHE_SECONDS)
    return worklist


def _read_worklist() -> dict:
    """Each row gets its link, its labels and its numbers as text here, once, rather than from
    template tags and filters in the loops (a row's change page in the admin is
    "<changelist><pk>/change/": one reverse() per list, not one per row)."""
    tz = timezone.get_current_timezone()
    structures_url = reverse("admin:partners_structure_changelist")
    requests_url = reverse("admin:bookings_projectrequest_changelist")
    sessions_url = reverse("admin:programmes_session_changelist")
    pending = impact.pending_structures()
    registered_on = _("registered on %(date)s")
    for row in pending.rows:
        row["admin_url"] = f"{structures_url}{row['id']}/change/"
        registered = registered_on % {"date": f"{row['created_at'].astimezone(tz):%d/%m/%Y}"}
        row["detail"] = f"{row['city']} ({row['kind_label']}), {registered}"
    requests, request_counts = impact.open_requests()
    asked_on = _("asked on %(date)s")
    for row in requests.rows:
        row["admin_url"] = f"{requests_url}{row['id']}/change/"
        asked = asked_on % {"date": f"{row['created_at'].astimezone(tz):%d/%m/%Y}"}
        row["detail"] = f"{row['structure_name']} ({row['status_label']}), {asked}"
    weekdays = [str(day) for day in WEEKDAYS_ABBR.values()]  # as the date filter's "D"
    upcoming, unstaffed = impact.upcoming_sessions()
    # Numbers as text too: the template would localise every int on its own (several times slower).
    for row in upcoming.rows:
        start = row["start"].astimezone(tz)
        row["admin_url"] = f"{sessions_url}{row['id']}/change/"
        row["when"] = f"{weekdays[start.weekday()]} {start:%d/%m %H:%M}"
        row["seats_text"] = f"{row['seats_taken']} / {row['capacity']}"
        row["fill_text"] = f"{row['fill_rate']} %"
        row["waiting_text"] = str(row["waiting"])
        row["mediators_text"] = str(row["mediator_count"]) if row["mediator_count"] else ""
    waiting = impact.waiting_lists()
    for row in waiting:
        start = row["start"].astimezone(tz)
        row["admin_url"] = f"{sessions_url}{row['id']}/change/"
        row["when"] = f"{weekdays[start.weekday()]} {start:%d/%m/%Y %H:%M}"
        for name in ("groups", "seats", "capacity"):
            row[f"{name}_text"] = str(row[name])
    failed = impact.failed_messages()
    for row in failed.rows:
        row["error"] = Truncator(row["last_error"]).chars(160)
    return {
        "pending_structures": pending,
        "open_requests": requests,
        "request_counts": request_counts,
        "upcoming": upcoming,
        "upcoming_days": impact.UPCOMING_DAYS,
        "missing_mediators": unstaffed,
        "missing_label": _("missing"),
        "waiting_lists": waiting,
        "list_limit": impact.LIST_LIMIT,
        "failed_messages": failed,
        "admin_structures_url": structures_url,
        "admin_requests_url": requests_url,
        "admin_sessions_url": sessions_url,
        "admin_bookings_url": _admin_url("admin:bookings_booking_changelist"),
        "admin_outbox_url": _admin_url("admin:notifications_outboxmessage_changelist"),
    }


@require_safe
@staff_required
def index(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    if request.GET.get("fresh") == "1" and not form.errors:
        # Compute the figures again, then show the page at its usual address: reloading it, or
        # switching the language, reads them from the cache instead of computing them once more.
        _figures_html(period, fresh=True, with_form=True)
        return redirect(f"{request.path}?{_query(period)}")
    context = {
        **_worklist(),
        "form": form,
        # The filter with errors to show is rendered here; without, it is part of the cached HTML.
        "figures_html": _figures_html(period, fresh=False, with_form=not form.errors),
        "report_year": period.date_to.year,
    }
    return render(request, "programmes/dashboard/index.html", context)


@require_safe
@staff_required
def report(request: HttpRequest, year: int) -> HttpResponse:
    today = timezone.localdate()
    if year < FIRST_YEAR or year > today.year + 1:
        raise Http404
    period = impact.Period.year(year)
    figures = impact.impact(period)
    context = {
        "year": year,
        "period": period,
        "figures": figures,
        "charts": _charts(figures),
        "partners": figures["per_partner"],
        "projects": list(impact.projects_of_period(period)),
        "years": range(today.year, FIRST_YEAR - 1, -1),
        "generated_on": today,
    }
    return render(request, "programmes/dashboard/report.html", context)


EXPORT_SLUGS = {"reservations": "bookings", "presences": "attendance", "partenaires": "partners"}


@require_safe
@staff_required
def export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    kind = EXPORT_SLUGS.get(slug)
    if kind is None or fmt not in exports.FORMATS:
        raise Http404
    form, period = _period(request)
    if form.is_bound and not form.is_valid():
        # The dashboard shows the messages at the fields; an export never guesses a period.
        messages.error(request, _("The period is not valid: correct it, then export again."))
        return redirect(f"{reverse('dashboard:index')}?{request.GET.urlencode()}")
    content, content_type = exports.export(
        kind=kind, fmt=fmt, date_from=period.date_from, date_to=period.date_to
    )
    filename = f"{slug}_{period.date_from:%Y-%m-%d}_{period.date_to:%Y-%m-%d}.{fmt}"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# Personal data requests (RGPD): export and erasure of a structure's data
# ---------------------------------------------------------------------------------------------


@require_safe
@staff_required
def privacy(request: HttpRequest) -> HttpResponse:
    search = (request.GET.get("q") or "").strip()[:100]
    structures = Structure.objects.order_by("name", "pk")
    if search:
        structures = structures.filter(Q(name__icontains=search) | Q(city__icontains=search))
    page = Paginator(structures, 50).get_page(request.GET.get("page"))
    return render(request, "programmes/dashboard/privacy.html", {"page": page, "search": search})


@require_safe
@staff_required
def privacy_export(request: HttpRequest, pk: int) -> HttpResponse:
    structure = get_object_or_404(Structure, pk=pk)
    response = HttpResponse(
        structure_export(structure=structure), content_type="application/json; charset=utf-8"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="structure-{structure.pk}-{stamp}.json"'
    return response


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy("I understand: the structure's data will be erased and this cannot be undone."),
        error_messages={"required": gettext_lazy("Tick the box to confirm the erasure.")},
    )


@require_http_methods(["GET", "HEAD", "POST"])
@staff_required
def privacy_erase(request: HttpRequest, pk: int) -> HttpResponse:
    structure = get_object_or_404(Structure, pk=pk)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            erased = structure_erase(structure=structure, by=request.user)
        except BookingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                _("The data of the structure were erased; it is now “%(name)s”.") % {"name": erased.name},
            )
            return redirect("dashboard:privacy")
    context = {
        "structure": structure,
        "form": form,
        "members": structure.memberships.count(),
        "bookings": structure.bookings.count(),
    }
    return render(request, "programmes/dashboard/erase.html", context)
