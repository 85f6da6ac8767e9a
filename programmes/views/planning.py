"""The mediators' planning ("Mon planning"), a session's page, the day sheet, attendance, and the
calendar feeds.

Who sees what: a mediator sees the sessions they are assigned to, and the contacts of the groups of
those sessions only; staff see every planning (with a mediator picker). Anyone else gets a 404,
like a mediator asking for a session that is not theirs. Feeds need no login: the secret token in
the URL is the key, and regenerating it revokes the old URL.
"""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from bookings.attendance import (
    RECORDABLE_STATUSES,
    AttendanceError,
    attendance_deadline,
    attendance_is_open,
    attendance_margin,
    attendance_record,
)
from bookings.enums import SEATED_STATUSES, BookingStatus
from bookings.models import AttendanceChange, Booking
from partners.models import MEDIATORS_GROUP, User

from .. import calendar as ical
from .. import services
from ..enums import SessionStatus
from ..models import Session

WEEK_RE = re.compile(r"^(\d{4})-W(\d{1,2})$")

# ---------------------------------------------------------------------------------------------
# Who may see what
# ---------------------------------------------------------------------------------------------


def _is_mediator(user) -> bool:
    return user.is_authenticated and getattr(user, "is_mediator", False)


def _require_planning_user(request: HttpRequest) -> None:
    """Staff and mediators have a planning; for anyone else it does not exist."""
    if not (request.user.is_staff or _is_mediator(request.user)):
        raise Http404


def _visible_sessions(request: HttpRequest) -> QuerySet:
    """Sessions this person may open: all for staff, their own for a mediator."""
    _require_planning_user(request)
    sessions = Session.objects.all()
    if not request.user.is_staff:
        sessions = sessions.filter(assignments__mediator=request.user)
    return sessions


def _with_details(sessions: QuerySet) -> QuerySet:
    """Everything a planning shows, in a fixed number of queries whatever the number of sessions."""
    return sessions.select_related("offer").prefetch_related(
        Prefetch(
            "bookings",
            queryset=Booking.objects.filter(status__in=SEATED_STATUSES)
            .select_related("structure")
            .prefetch_related("accessibility_needs")
            .order_by("created_at", "pk"),
            to_attr="seated_bookings",
        ),
        Prefetch(
            "mediators", queryset=User.objects.order_by("last_name", "first_name"), to_attr="mediator_list"
        ),
    )


def _group(booking: Booking) -> dict:
    return {
        "booking": booking,
        "structure": booking.structure,
        "size": booking.participants + booking.accompanying_staff,
        "needs": ical.needs_summary(
            wheelchair_users=booking.wheelchair_users,
            codes=[option.code for option in booking.accessibility_needs.all()],
            notes=booking.accessibility_notes,
        ),
    }


def _decorate(session: Session) -> Session:
    """Attach the groups (with needs summed up) and the totals to a session for the templates."""
    session.groups = [_group(b) for b in session.seated_bookings]
    session.total_participants = sum(b.participants for b in session.seated_bookings)
    session.total_staff = sum(b.accompanying_staff for b in session.seated_bookings)
    session.attendance_open = attendance_is_open(session)
    return session


def _picked_mediator(request: HttpRequest) -> User | None:
    """Staff may look at one mediator's planning (?mediateur=<id>)."""
    if not request.user.is_staff:
        return None
    value = request.GET.get("mediateur", "")
    if not value.isdigit():
        return None
    return User.objects.filter(pk=int(value), groups__name=MEDIATORS_GROUP).first()


def _mediator_choices(request: HttpRequest) -> list[User]:
    if not request.user.is_staff:
        return []
    return list(
        User.objects.filter(groups__name=MEDIATORS_GROUP, is_active=True).order_by("last_name", "first_name")
    )


# ---------------------------------------------------------------------------------------------
# Weeks and days
# ---------------------------------------------------------------------------------------------


def _parse_week(value: str) -> dt.date | None:
    """The Monday of an ISO week written YYYY-Www (e.g. 2025-W09), or None when it is not one."""
    match = WEEK_RE.match(value.strip())
    if not match:
        return None
    try:
        return dt.date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None


def _week_param(monday: dt.date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _day_bounds(first: dt.date, days: int) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(first + dt.timedelta(days=days), dt.time.min, tzinfo=tz)
    return start, end


def _query_string(**params) -> str:
    from urllib.parse import urlencode

    return "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


@login_required
def planning_index(request: HttpRequest) -> HttpResponse:
    """The week: a grid of its seven days, then the same sessions day by day with every detail."""
    sessions = _visible_sessions(request)
    today = timezone.localdate()
    this_monday = today - dt.timedelta(days=today.weekday())
    week_error = ""
    raw_week = request.GET.get("semaine", "")
    monday = this_monday
    if raw_week:
        parsed = _parse_week(raw_week)
        if parsed is None:
            week_error = _(
                "“%(value)s” is not a week we know (write it like 2025-W09): here is the current week."
            ) % {"value": raw_week[:20]}
        else:
            monday = parsed
    mediator = _picked_mediator(request)
    if mediator is not None:
        sessions = sessions.filter(assignments__mediator=mediator)
    start, end = _day_bounds(monday, 7)
    week_sessions = [
        _decorate(s)
        for s in _with_details(sessions.filter(start__gte=start, start__lt=end).order_by("start", "pk"))
    ]
    days = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        days.append(
            {
                "date": day,
                "is_today": day == today,
                "is_past": day < today,
                "sessions": [s for s in week_sessions if timezone.localdate(s.start) == day],
            }
        )
    next_session = None
    if not week_sessions:
        next_session = (
            sessions.filter(start__gte=max(end, timezone.now()), status=SessionStatus.PLANNED)
            .select_related("offer")
            .order_by("start")
            .first()
        )
    picked = str(mediator.pk) if mediator else ""
    context = {
        "monday": monday,
        "sunday": monday + dt.timedelta(days=6),
        "week_number": monday.isocalendar()[1],
        "days": days,
        "week_sessions": week_sessions,
        "week_error": week_error,
        "is_current_week": monday == this_monday,
        "previous_query": _query_string(semaine=_week_param(monday - dt.timedelta(days=7)), mediateur=picked),
        "next_query": _query_string(semaine=_week_param(monday + dt.timedelta(days=7)), mediateur=picked),
        "current_query": _query_string(mediateur=picked),
        "week_value": _week_param(monday),
        "next_session": next_session,
        "next_session_query": _query_string(
            semaine=_week_param(timezone.localdate(next_session.start)) if next_session else "",
            mediateur=picked,
        ),
        "mediator": mediator,
        "mediators": _mediator_choices(request),
        "picked": picked,
        "is_staff_view": request.user.is_staff,
    }
    return render(request, "programmes/planning/index.html", context)


@login_required
def planning_day(request: HttpRequest, year: int, month: int, day: int) -> HttpResponse:
    """The printable sheet of one day: every session with its groups, needs and contacts."""
    try:
        date = dt.date(year, month, day)
    except (ValueError, OverflowError):  # 2025-02-30, or a number too large for a date
        raise Http404 from None
    sessions = _visible_sessions(request)
    mediator = _picked_mediator(request)
    if mediator is not None:
        sessions = sessions.filter(assignments__mediator=mediator)
    start, end = _day_bounds(date, 1)
    day_sessions = [
        _decorate(s)
        for s in _with_details(sessions.filter(start__gte=start, start__lt=end).order_by("start", "pk"))
    ]
    monday = date - dt.timedelta(days=date.weekday())
    picked = str(mediator.pk) if mediator else ""
    return render(
        request,
        "programmes/planning/day.html",
        {
            "date": date,
            "sessions": day_sessions,
            "mediator": mediator,
            "week_query": _query_string(semaine=_week_param(monday), mediateur=picked),
        },
    )


def _session_or_404(request: HttpRequest, pk: int) -> Session:
    return get_object_or_404(_with_details(_visible_sessions(request)), pk=pk)


@login_required
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = _decorate(_session_or_404(request, pk))
    changes = AttendanceChange.objects.filter(booking__session=session).select_related(
        "changed_by", "booking"
    )
    history: dict[int, list[AttendanceChange]] = {}
    for change in changes.order_by("-changed_at", "-pk"):
        history.setdefault(change.booking_id, []).append(change)
    for group in session.groups:
        group["history"] = history.get(group["booking"].pk, [])
    waiting = session.bookings.filter(status=BookingStatus.WAITLISTED).count()
    monday = timezone.localdate(session.start) - dt.timedelta(
        days=timezone.localdate(session.start).weekday()
    )
    return render(
        request,
        "programmes/planning/session.html",
        {
            "session": session,
            "waiting": waiting,
            "has_started": session.start <= timezone.now(),
            "attendance_deadline": attendance_deadline(session),
            "week_query": _query_string(semaine=_week_param(monday)),
            "local_date": timezone.localdate(session.start),
        },
    )


# ---------------------------------------------------------------------------------------------
# Attendance
# ---------------------------------------------------------------------------------------------


class AttendanceForm(forms.Form):
    PRESENT, ABSENT = "present", "absent"

    presence = forms.ChoiceField(
        label=gettext_lazy("Did the group come?"),
        choices=[
            (PRESENT, gettext_lazy("Yes, the group came")),
            (ABSENT, gettext_lazy("No, the group was absent")),
        ],
        widget=forms.RadioSelect,
    )
    present_participants = forms.IntegerField(
        label=gettext_lazy("Participants present"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
    )
    present_staff = forms.IntegerField(
        label=gettext_lazy("Accompanying staff present"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
    )

    def __init__(self, *args, booking: Booking, **kwargs):
        self.booking = booking
        super().__init__(*args, **kwargs)
        limit_p = booking.participants + attendance_margin(booking.participants)
        limit_s = booking.accompanying_staff + attendance_margin(booking.accompanying_staff)
        self.fields["present_participants"].help_text = _("%(booked)d booked (at most %(limit)d).") % {
            "booked": booking.participants,
            "limit": limit_p,
        }
        self.fields["present_staff"].help_text = _("%(booked)d booked (at most %(limit)d).") % {
            "booked": booking.accompanying_staff,
            "limit": limit_s,
        }


def _initial(booking: Booking) -> dict:
    if booking.attendance_recorded_at is None:
        return {"presence": AttendanceForm.PRESENT}
    return {
        "presence": AttendanceForm.ABSENT
        if booking.status == BookingStatus.ABSENT
        else AttendanceForm.PRESENT,
        "present_participants": booking.present_participants,
        "present_staff": booking.present_staff,
    }


@login_required
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """Record, for each group of a session, who actually came (or that the group was absent)."""
    session = _session_or_404(request, pk)
    bookings = [b for b in session.seated_bookings if b.status in RECORDABLE_STATUSES]
    now = timezone.now()
    not_yet = session.start > now
    closed = now > attendance_deadline(session)
    cancelled = session.status == SessionStatus.CANCELLED
    can_edit = not (not_yet or closed or cancelled)
    if request.method == "POST" and can_edit:
        forms_list = [AttendanceForm(request.POST, booking=b, prefix=f"b{b.pk}") for b in bookings]
        ok = all(form.is_valid() for form in forms_list)
        if ok:
            with transaction.atomic():
                for form in forms_list:
                    data = form.cleaned_data
                    try:
                        with transaction.atomic():
                            attendance_record(
                                booking=form.booking,
                                by=request.user,
                                absent=data["presence"] == AttendanceForm.ABSENT,
                                present_participants=data["present_participants"],
                                present_staff=data["present_staff"],
                            )
                    except AttendanceError as error:
                        form.add_error(error.field, error.message)
                        ok = False
                if not ok:
                    # All groups or none: a half-saved sheet would be confusing to correct.
                    transaction.set_rollback(True)
        if ok:
            messages.success(request, _("Attendance saved. Thank you!"))
            return redirect("planning:session", pk=session.pk)
        status = 400
    else:
        if request.method == "POST":
            messages.error(request, _("Attendance cannot be recorded for this session now."))
        forms_list = [AttendanceForm(initial=_initial(b), booking=b, prefix=f"b{b.pk}") for b in bookings]
        status = 200
    return render(
        request,
        "programmes/planning/attendance.html",
        {
            "session": _decorate(session),
            "forms": forms_list,
            "not_yet": not_yet,
            "closed": closed,
            "cancelled": cancelled,
            "can_edit": can_edit,
            "deadline": attendance_deadline(session),
        },
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# Calendar feeds
# ---------------------------------------------------------------------------------------------


def _coordinated_structures(user) -> list:
    from partners.models import Structure

    return list(Structure.objects.filter(memberships__user=user).order_by("name"))


@login_required
def calendar_subscribe(request: HttpRequest) -> HttpResponse:
    """The personal subscription links (mediators; coordinators for their structures' bookings)."""
    user = request.user
    is_mediator = _is_mediator(user)
    structures = _coordinated_structures(user)
    if not (is_mediator or structures):
        raise Http404
    feed_url = request.build_absolute_uri(reverse("planning:feed", args=[user.calendar_token]))
    structure_url = request.build_absolute_uri(reverse("planning:structure_feed", args=[user.calendar_token]))
    return render(
        request,
        "programmes/planning/subscribe.html",
        {
            "is_mediator": is_mediator,
            "structures": structures,
            "feed_url": feed_url if is_mediator else "",
            "structure_url": structure_url if structures else "",
            "feed_webcal": "webcal://" + feed_url.split("://", 1)[1],
            "structure_webcal": "webcal://" + structure_url.split("://", 1)[1],
        },
    )


@login_required
@require_POST
def calendar_token_regenerate(request: HttpRequest) -> HttpResponse:
    if not (_is_mediator(request.user) or _coordinated_structures(request.user)):
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


def _feed_owner(token: str) -> User:
    if not token or len(token) > 64:
        raise Http404
    user = User.objects.filter(calendar_token=token, is_active=True).first()
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
    structures = _coordinated_structures(user)
    if not structures:
        raise Http404
    with translation.override(user.language):
        if len(structures) == 1:
            content = ical.structure_feed(structures[0])
        else:
            content = ical.structures_feed(structures)
    return _ics_response(content, filename="louvre-lens-reservations.ics")
