"""The staff dashboard: what waits for an answer, the impact of the programme, exports, the annual
report, and the personal data requests (export and erasure of a structure's data).

Staff only (common.permissions.staff_required). Each view reads the request, asks one selector or
service and renders: the figures come from dashboard/impact.py, what waits for staff from
dashboard/selectors.py, the erasure and the export of a structure's data from bookings/privacy.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from bookings.privacy import structure_erase, structure_export
from bookings.services import BookingError
from common.permissions import staff_required
from partners.models import Structure

from . import exports, selectors
from .forms import FIRST_YEAR, EraseForm, period_filter


@require_safe
@staff_required
def index(request: HttpRequest) -> HttpResponse:
    form, period = period_filter(request.GET)
    context = {
        **selectors.staff_worklist(),
        **selectors.impact_page(period),
        "form": form,
        "report_year": period.date_to.year,
    }
    return render(request, "programmes/dashboard/index.html", context)


@require_safe
@staff_required
def report(request: HttpRequest, year: int) -> HttpResponse:
    today = timezone.localdate()
    if year < FIRST_YEAR or year > today.year + 1:
        raise Http404
    context = {
        **selectors.annual_report(year),
        "years": range(today.year, FIRST_YEAR - 1, -1),
        "generated_on": today,
    }
    return render(request, "programmes/dashboard/report.html", context)


@require_safe
@staff_required
def export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    kind = exports.SLUGS.get(slug)
    if kind is None or fmt not in exports.FORMATS:
        raise Http404
    form, period = period_filter(request.GET)
    if form.errors:
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
    page = selectors.structures_page(search=search, page=request.GET.get("page"))
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
    context = {"structure": structure, "form": form, **selectors.erase_summary(structure)}
    return render(request, "programmes/dashboard/erase.html", context)
