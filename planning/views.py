"""The mediators' planning ("Mon planning"), a session's page, the day sheet, attendance, and the
calendar feeds.

Who sees what: a mediator sees the sessions they are assigned to, and the contacts of the groups of
those sessions only; staff see every planning (with a mediator picker). Anyone else gets a 404,
like a mediator asking for a session that is not theirs (`programmes.selectors.planning_sessions`
decides). Feeds need no login: the secret token in the URL is the key, and regenerating it revokes
the old URL.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from bookings import calendar as ical
from bookings import schedule
from bookings.attendance import AttendanceSheetError, attendance_sheet_record
from common.permissions import user_passes_or_404
from common.text import url_maker
from partners.selectors import memberships_of, request_memberships
from programmes import services
from programmes.selectors import (
    calendar_owner,
    has_planning,
    planning_mediator,
    planning_mediators,
    planning_sessions,
)

from .forms import attendance_forms, show_sheet_errors
from .weeks import WeekLinks, week_asked, week_query

planning_required = user_passes_or_404(has_planning)


@planning_required
def planning_index(request: HttpRequest) -> HttpResponse:
    """The week: a grid of its seven days, then the same sessions day by day with every detail."""
    today = timezone.localdate()
    monday, week_error = week_asked(request.GET.get("semaine", ""), today=today)
    mediator = planning_mediator(viewer=request.user, value=request.GET.get("mediateur", ""))
    is_staff_view = request.user.is_staff
    sessions = planning_sessions(viewer=request.user, mediator=mediator)
    week = schedule.planning_week(
        sessions,
        monday=monday,
        today=today,
        session_url=url_maker("planning:session"),
        with_mediators=is_staff_view,
    )
    picked = str(mediator.pk) if mediator else ""
    links = WeekLinks(monday=monday, today=today, picked=picked, next_start=week.next_start)
    context = {
        "week": week,
        "links": links,
        "is_current_week": links.is_current_week,
        "monday": monday,
        "week_error": week_error,
        "mediator": mediator,
        "mediators": planning_mediators(viewer=request.user),
        "picked": picked,
        "is_staff_view": is_staff_view,
    }
    return render(request, "programmes/planning/index.html", context)


@planning_required
def planning_day(request: HttpRequest, year: int, month: int, day: int) -> HttpResponse:
    """The printable sheet of one day: every session with its groups, needs and contacts."""
    try:
        date = dt.date(year, month, day)
    except (ValueError, OverflowError):  # 2025-02-30, or a number too large for a date
        raise Http404 from None
    mediator = planning_mediator(viewer=request.user, value=request.GET.get("mediateur", ""))
    sessions = planning_sessions(viewer=request.user, mediator=mediator)
    context = {
        "date": date,
        "sessions": schedule.planning_day(sessions, day=date, session_url=url_maker("planning:session")),
        "mediator": mediator,
        "week_query": week_query(date, picked=str(mediator.pk) if mediator else ""),
    }
    return render(request, "programmes/planning/day.html", context)


@planning_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = schedule.planning_session_page(planning_sessions(viewer=request.user), pk=pk)
    if page is None:
        raise Http404
    context = {"page": page, "session": page.session, "week_query": week_query(page.monday)}
    return render(request, "programmes/planning/session.html", context)


@planning_required
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Record, for each group of a session, who actually came (or that the group was absent)."""
    sheet = schedule.attendance_sheet(planning_sessions(viewer=request.user), pk=pk)
    if sheet is None:
        raise Http404
    status = 200
    if request.method == "POST" and sheet.window.is_open:
        forms_list = attendance_forms(sheet.bookings, data=request.POST)
        if all(form.is_valid() for form in forms_list):
            try:
                attendance_sheet_record(
                    session=sheet.session, entries=[form.entry() for form in forms_list], by=request.user
                )
            except AttendanceSheetError as error:
                show_sheet_errors(forms_list, error)
            else:
                messages.success(request, _("Attendance saved. Thank you!"))
                return redirect("planning:session", pk=sheet.session.pk)
        status = 400
    else:
        if request.method == "POST":
            messages.error(request, _("Attendance cannot be recorded for this session now."))
        forms_list = attendance_forms(sheet.bookings)
    context = {"sheet": sheet, "session": sheet.session, "forms": forms_list, "window": sheet.window}
    return render(request, "programmes/planning/attendance.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# Calendar feeds
# ---------------------------------------------------------------------------------------------


@login_required
def calendar_subscribe(request: HttpRequest) -> HttpResponse:
    """The personal subscription links (mediators; coordinators for their structures' bookings)."""
    user = request.user
    structures = [membership.structure for membership in request_memberships(request)]
    if not (user.is_mediator or structures):
        raise Http404
    feed_url = request.build_absolute_uri(reverse("planning:feed", args=[user.calendar_token]))
    structure_url = request.build_absolute_uri(reverse("planning:structure_feed", args=[user.calendar_token]))
    context = {
        "is_mediator": user.is_mediator,
        "structures": structures,
        "feed_url": feed_url if user.is_mediator else "",
        "structure_url": structure_url if structures else "",
        "feed_webcal": "webcal://" + feed_url.split("://", 1)[1],
        "structure_webcal": "webcal://" + structure_url.split("://", 1)[1],
    }
    return render(request, "programmes/planning/subscribe.html", context)


@login_required
@require_POST
def calendar_token_regenerate(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_mediator or request_memberships(request)):
        raise Http404
    services.calendar_token_regenerate(user=request.user)
    messages.success(
        request,
        _("Your calendar links are new. The old ones no longer work: subscribe again with the new one."),
    )
    return redirect("planning:subscribe")


def _ics_response(content: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # The token is a secret: no shared cache may keep the feed.
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response


def _feed_owner(token: str):
    user = calendar_owner(token)
    if user is None:
        raise Http404
    return user


@require_safe
def mediator_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    user = _feed_owner(token)
    if not user.is_mediator:
        raise Http404
    with translation.override(user.language):
        content = ical.mediator_feed(user)
    return _ics_response(content, filename="louvre-lens-planning.ics")


@require_safe
def structure_feed_view(request: HttpRequest, token: str) -> HttpResponse:
    user = _feed_owner(token)
    structures = [membership.structure for membership in memberships_of(user)]
    if not structures:
        raise Http404
    with translation.override(user.language):
        if len(structures) == 1:
            content = ical.structure_feed(structures[0])
        else:
            content = ical.structures_feed(structures)
    return _ics_response(content, filename="louvre-lens-reservations.ics")
