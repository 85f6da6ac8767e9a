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
from functools import cached_property

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST, require_safe

from bookings import calendar as ical
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
from common.cache import content_version
from common.text import DateWords, url_maker
from partners.models import MEDIATORS_GROUP, Structure, User
from programmes import services
from programmes.enums import SessionStatus
from programmes.models import Assignment, Session

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


def _led_by(sessions: QuerySet, mediator: User) -> QuerySet:
    """The sessions among these that the mediator leads.

    Checked session by session, with a scalar subquery the planner cannot turn into a join: a
    mediator has thousands of assignments over the years, while a week holds a few hundred sessions
    of the museum, so the week's sessions are found by date first and each looked up in the index.
    """
    assignment = Assignment.objects.filter(session=OuterRef("pk"), mediator=mediator).values("pk")[:1]
    return sessions.alias(assigned=Subquery(assignment)).filter(assigned__isnull=False)


def _visible_sessions(request: HttpRequest) -> QuerySet:
    """Sessions this person may open: all for staff, their own for a mediator."""
    _require_planning_user(request)
    sessions = Session.objects.all()
    if not request.user.is_staff:
        sessions = _led_by(sessions, request.user)
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


# The week and the day sheet print many sessions and groups: they are read as plain values (one
# query per list, whatever the number of sessions) and every text is made once here, so that the
# templates only print strings.
_CARD_FIELDS = ("pk", "start", "end", "place", "status", "offer__title")
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


def _session_cards(sessions: QuerySet, *, with_mediators: bool) -> list[dict]:
    """The sessions of a planning page (already filtered and ordered), each with its groups.

    Three queries (four `with_mediators`) whatever the number of sessions and groups: the sessions,
    their seated groups, the groups' accessibility needs (and the mediators of the sessions).
    """
    cards = {}
    session_url = url_maker("planning:session")
    for value in sessions.values(*_CARD_FIELDS):
        start, end = timezone.localtime(value["start"]), timezone.localtime(value["end"])
        cards[value["pk"]] = {
            "pk": str(value["pk"]),
            "url": session_url(value["pk"]),
            "title": value["offer__title"],
            "cancelled": value["status"] == SessionStatus.CANCELLED,
            "start": start,
            "start_iso": start.isoformat(),
            "start_time": f"{start:%H:%M}",
            "end_iso": end.isoformat(),
            "end_time": f"{end:%H:%M}",
            "place": value["place"],
            "mediators": "",
            "summary": "",
            "groups": [],
        }
    if not cards:
        return []
    seated = Booking.objects.filter(session_id__in=cards, status__in=SEATED_STATUSES)
    needs: dict[int, list[str]] = {}
    for booking_id, code in Booking.accessibility_needs.through.objects.filter(
        booking__in=seated
    ).values_list("booking_id", "accessibilityoption__code"):
        needs.setdefault(booking_id, []).append(code)
    people = _("%(p)s participants, %(s)s accompanying staff")
    # The structure's name by a scalar subquery: a join made the planner read every structure.
    name = Structure.objects.filter(pk=OuterRef("structure_id")).values("name")
    for value in (
        seated.annotate(structure_name=Subquery(name)).order_by("created_at", "pk").values(*_GROUP_FIELDS)
    ):
        card = cards[value["session_id"]]
        card["groups"].append(
            {
                "name": value["structure_name"],
                "participants": value["participants"],
                "staff": value["accompanying_staff"],
                "people": people % {"p": value["participants"], "s": value["accompanying_staff"]},
                "needs": ical.needs_summary(
                    wheelchair_users=value["wheelchair_users"],
                    codes=needs.get(value["pk"], ()),
                    notes=value["accessibility_notes"],
                ),
                "notes": value["accessibility_notes"],
                "comment": value["comment"],
                "contact_name": value["contact_name"],
                "contact_phone": value["contact_phone"],
                "tel": value["contact_phone"].replace(" ", ""),
            }
        )
    for card in cards.values():
        groups = card["groups"]
        if groups:
            card["summary"] = ngettext(
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
            Assignment.objects.filter(session_id__in=cards)
            .order_by("mediator__last_name", "mediator__first_name", "mediator_id")
            .values_list("session_id", "mediator__first_name", "mediator__last_name", "mediator__email")
        ):
            names.setdefault(session_id, []).append(f"{first} {last}".strip() or email)
        for pk, card in cards.items():
            card["mediators"] = ", ".join(names.get(pk, ()))
    return list(cards.values())


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


# A week is kept rendered this long at most: the content version (common/cache.py) makes it stale at
# the first write to sessions, bookings or assignments; this bounds what time and names change.
WEEK_CACHE_SECONDS = 300


class _Week:
    """What a week of the planning shows, read on first use only: a week served from the cache of
    rendered fragments reads nothing from the database."""

    def __init__(
        self, sessions: QuerySet, *, monday: dt.date, today: dt.date, picked: str, with_mediators: bool
    ):
        self._sessions = sessions
        self.monday = monday
        self.today = today
        self.picked = picked
        self.with_mediators = with_mediators

    @cached_property
    def sessions(self) -> list[dict]:
        start, end = _day_bounds(self.monday, 7)
        return _session_cards(
            self._sessions.filter(start__gte=start, start__lt=end).order_by("start", "pk"),
            with_mediators=self.with_mediators,
        )

    @cached_property
    def days(self) -> list[dict]:
        words = DateWords()
        mediator = f"?mediateur={self.picked}" if self.picked else ""
        days = []
        for offset in range(7):
            day = self.monday + dt.timedelta(days=offset)
            days.append(
                {
                    "number": str(offset + 1),
                    "name": words.weekday_day_month(day),
                    "full_name": words.weekday_day_month_year(day),
                    "url": reverse("planning:day", args=[day.year, day.month, day.day]) + mediator,
                    "is_today": day == self.today,
                    "is_past": day < self.today,
                    "sessions": [s for s in self.sessions if s["start"].date() == day],
                }
            )
        return days

    @cached_property
    def next_session(self) -> dict | None:
        """When the week is empty: the date of the next planned session, and the link to its week."""
        if self.sessions:
            return None
        _start, end = _day_bounds(self.monday, 7)
        start = (
            self._sessions.filter(start__gte=max(end, timezone.now()), status=SessionStatus.PLANNED)
            .order_by("start")
            .values_list("start", flat=True)
            .first()
        )
        if start is None:
            return None
        day = timezone.localdate(start)
        return {
            "when": DateWords().weekday_day_month_year(day),
            "query": _query_string(
                semaine=_week_param(day - dt.timedelta(days=day.weekday())), mediateur=self.picked
            ),
        }


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
        sessions = _led_by(sessions, mediator)
    picked = str(mediator.pk) if mediator else ""
    is_staff_view = request.user.is_staff
    sunday = monday + dt.timedelta(days=6)
    words = DateWords()
    context = {
        "monday": monday,
        "week_number": str(monday.isocalendar()[1]),
        "week_start": f"{monday.day} {words.month(monday)}",
        "week_end": words.day_month_year(sunday),
        "week": _Week(sessions, monday=monday, today=today, picked=picked, with_mediators=is_staff_view),
        "week_error": week_error,
        "is_current_week": monday == this_monday,
        "previous_query": _query_string(semaine=_week_param(monday - dt.timedelta(days=7)), mediateur=picked),
        "next_query": _query_string(semaine=_week_param(monday + dt.timedelta(days=7)), mediateur=picked),
        "current_query": _query_string(mediateur=picked),
        "week_value": _week_param(monday),
        "mediator": mediator,
        "mediators": _mediator_choices(request),
        "picked": picked,
        "is_staff_view": is_staff_view,
        # What the rendered week depends on besides the week and the mediator picked (see the template).
        "viewer": "staff" if is_staff_view else str(request.user.pk),
        "today": today.isoformat(),
        "version": content_version(),
        "cache_seconds": WEEK_CACHE_SECONDS,
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
        sessions = _led_by(sessions, mediator)
    start, end = _day_bounds(date, 1)
    day_sessions = _session_cards(
        sessions.filter(start__gte=start, start__lt=end).order_by("start", "pk"), with_mediators=True
    )
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
