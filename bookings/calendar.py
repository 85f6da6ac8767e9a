"""iCalendar (RFC 5545) files: one booking, a mediator's feed, a structure's feed.

Built with the `icalendar` library, never by string concatenation. Times are written with
TZID=Europe/Paris and the matching VTIMEZONE, so Google Calendar, Outlook and Apple Calendar place
them right. UIDs are stable (`session-<id>@…`, `booking-<id>@…`) and SEQUENCE follows
`Session.sequence`, which the services raise on every change of time, place or status: a client
that already holds the event replaces it instead of adding a copy.

Beneficiaries are never named; the texts carry counts and needs only. Contacts for the day are not
put in feeds (a feed URL may travel further than a logged-in page): the event links to the portal
page, which shows them to the people allowed to see them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from icalendar import Calendar, Event

from programmes.enums import AccessibilityFeature, SessionStatus
from programmes.models import Session

from .enums import SEATED_STATUSES, BookingStatus
from .models import Booking

PRODID = "-//Musée du Louvre-Lens//Portail des partenaires//FR"
UID_DOMAIN = "louvrelens-portail"
PARIS = ZoneInfo("Europe/Paris")
# How far back feeds go: recent past sessions stay visible, older ones drop out of the calendar.
FEED_PAST_DAYS = 90


def _paris(value: dt.datetime) -> dt.datetime:
    return value.astimezone(PARIS)


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def needs_summary(*, wheelchair_users: int, codes: Iterable[str], notes: str = "") -> str:
    """Accessibility needs summed up in a few words, e.g. "2 wheelchairs, LSF"."""
    parts: list[str] = []
    if wheelchair_users:
        parts.append(
            ngettext("%(count)d wheelchair", "%(count)d wheelchairs", wheelchair_users)
            % {"count": wheelchair_users}
        )
    short = {AccessibilityFeature.LSF: "LSF", AccessibilityFeature.FALC: "FALC"}
    for code in sorted(set(codes)):
        if code == AccessibilityFeature.WHEELCHAIR and wheelchair_users:
            continue
        feature = AccessibilityFeature(code)
        parts.append(short.get(feature, str(feature.label)))
    if notes.strip():
        parts.append(_("see the notes"))
    return ", ".join(parts)


def _location(session: Session) -> str:
    return f"{session.place} — {settings.MUSEUM_ADDRESS}" if session.place else settings.MUSEUM_ADDRESS


def _session_page_url(session: Session) -> str:
    return settings.SITE_URL + reverse("planning:session", args=[session.pk])


def _active_bookings(session: Session) -> list:
    """Bookings holding seats, from the prefetch when there is one."""

    cache = getattr(session, "_prefetched_objects_cache", {})
    if "bookings" in cache:
        bookings = list(session.bookings.all())
    else:
        bookings = list(
            session.bookings.filter(status__in=SEATED_STATUSES)
            .select_related("structure")
            .prefetch_related("accessibility_needs")
        )
    return [b for b in bookings if b.status in SEATED_STATUSES]


def session_event(session: Session, *, uid_suffix: str = "") -> Event:
    """One VEVENT for a session, as a mediator sees it: offer, place, the groups expected."""
    event = Event()
    event.add("uid", f"session-{session.pk}{uid_suffix}@{UID_DOMAIN}")
    event.add("dtstamp", _utc(timezone.now()))
    event.add("last-modified", _utc(session.updated_at or timezone.now()))
    event.add("created", _utc(session.created_at or timezone.now()))
    event.add("dtstart", _paris(session.start))
    event.add("dtend", _paris(session.end))
    event.add("sequence", session.sequence)
    event.add("summary", session.offer.title)
    event.add("location", _location(session))
    cancelled = session.status == SessionStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    lines: list[str] = []
    if cancelled:
        lines.append(_("This session is cancelled."))
        if session.cancellation_reason:
            lines.append(session.cancellation_reason)
    else:
        bookings = _active_bookings(session)
        if not bookings:
            lines.append(_("No group has booked yet."))
        for booking in bookings:
            line = _("%(structure)s: %(participants)d participants, %(staff)d accompanying staff") % {
                "structure": booking.structure.name,
                "participants": booking.participants,
                "staff": booking.accompanying_staff,
            }
            needs = needs_summary(
                wheelchair_users=booking.wheelchair_users,
                codes=[option.code for option in booking.accessibility_needs.all()],
                notes=booking.accessibility_notes,
            )
            if needs:
                line += " (" + needs + ")"
            lines.append(line)
    lines.append(_("Details and contacts: %(url)s") % {"url": _session_page_url(session)})
    event.add("description", "\n".join(lines))
    event.add("url", _session_page_url(session))
    return event


def _calendar(*, name: str, method: str | None = "PUBLISH") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    return calendar


def _finish(calendar: Calendar, starts: list[dt.datetime]) -> bytes:
    # A VTIMEZONE covering the events' years (plus a margin) rather than 1970–2038: smaller files.
    today = timezone.localdate()
    first = min([s.date() for s in starts] + [today]) - dt.timedelta(days=366)
    last = max([s.date() for s in starts] + [today]) + dt.timedelta(days=366)
    calendar.add_missing_timezones(first_date=first, last_date=last)
    return calendar.to_ical()


def _booking_event(booking) -> Event:

    session = booking.session
    event = Event()
    event.add("uid", f"booking-{booking.pk}@{UID_DOMAIN}")
    event.add("dtstamp", _utc(timezone.now()))
    event.add("last-modified", _utc(max(booking.updated_at, session.updated_at)))
    event.add("dtstart", _paris(session.start))
    event.add("dtend", _paris(session.end))
    cancelled = booking.status == BookingStatus.CANCELLED or session.status == SessionStatus.CANCELLED
    # A booking has no revision of its own: its session's, plus one once the booking is cancelled,
    # so that a cancellation always supersedes the copy a calendar already holds.
    event.add("sequence", session.sequence + (1 if booking.status == BookingStatus.CANCELLED else 0))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", _("Louvre-Lens: %(offer)s") % {"offer": session.offer.title})
    event.add("location", settings.MUSEUM_ADDRESS)
    lines = []
    if cancelled:
        lines.append(_("This booking is cancelled."))
    meeting_point = session.offer.meeting_point or session.place
    if meeting_point:
        lines.append(_("Meeting point: %(place)s") % {"place": meeting_point})
    lines.append(
        _("Group: %(participants)d participants and %(staff)d accompanying staff")
        % {"participants": booking.participants, "staff": booking.accompanying_staff}
    )
    lines.append(_("Structure: %(structure)s") % {"structure": booking.structure.name})
    if session.offer.what_to_bring:
        lines.append(_("What to bring: %(text)s") % {"text": session.offer.what_to_bring})
    lines.append(
        _("Museum contact: %(phone)s, %(email)s")
        % {"phone": settings.MUSEUM_PHONE, "email": settings.MUSEUM_CONTACT_EMAIL}
    )
    event.add("description", "\n".join(lines))
    return event


def booking_ics(booking) -> bytes:
    """A calendar file with the one event of a booking (attached to confirmation emails)."""
    calendar = _calendar(name=_("Louvre-Lens booking"), method="PUBLISH")
    calendar.add_component(_booking_event(booking))
    return _finish(calendar, [booking.session.start])


def _feed_window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=FEED_PAST_DAYS)


def mediator_feed(user) -> bytes:
    """The sessions a mediator leads, from 90 days ago on, cancelled ones marked CANCELLED."""

    sessions = list(
        Session.objects.filter(assignments__mediator=user, start__gte=_feed_window_start())
        .select_related("offer")
        .prefetch_related(
            Prefetch(
                "bookings",
                queryset=Booking.objects.filter(status__in=SEATED_STATUSES)
                .select_related("structure")
                .prefetch_related("accessibility_needs")
                .order_by("created_at"),
            )
        )
        .order_by("start")
        .distinct()
    )
    name = _("Louvre-Lens — my sessions")
    calendar = _calendar(name=name)
    for session in sessions:
        calendar.add_component(session_event(session))
    return _finish(calendar, [s.start for s in sessions])


def structure_feed(structure) -> bytes:
    """One structure's bookings (confirmed, waiting, done, cancelled), for its coordinators."""
    return structures_feed(
        [structure], name=_("Louvre-Lens — bookings of %(name)s") % {"name": structure.name}
    )


def structures_feed(structures, *, name: str | None = None) -> bytes:
    """The bookings of several structures in one calendar (a coordinator of more than one)."""

    bookings = list(
        Booking.objects.filter(structure__in=structures, session__start__gte=_feed_window_start())
        .exclude(Q(status=BookingStatus.WAITLISTED))
        .select_related("session__offer", "structure")
        .order_by("session__start", "pk")
    )
    calendar = _calendar(name=name or _("Louvre-Lens — our bookings"))
    for booking in bookings:
        calendar.add_component(_booking_event(booking))
    return _finish(calendar, [b.session.start for b in bookings])
