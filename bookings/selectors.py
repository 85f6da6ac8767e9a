"""Reads about bookings shared by views, admin and tasks."""

from __future__ import annotations

import datetime as dt
import functools

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext, ngettext

from common.cache import cache_get_or_set
from common.text import DateWords, url_maker
from partners.enums import StructureStatus
from partners.models import Structure
from programmes.enums import OfferKind, SessionStatus
from programmes.models import Exhibition, Offer, Session
from programmes.selectors import month_bounds, published_offers

from .enums import SEATED_STATUSES, BookingStatus
from .models import Booking, ProjectRequest


def seats_holding_q(prefix: str = "") -> Q:
    """Bookings that hold seats: seated ones, and waiting groups with a live offer of freed seats."""
    now = timezone.now()
    return Q(**{f"{prefix}status__in": SEATED_STATUSES}) | Q(
        **{f"{prefix}status": BookingStatus.WAITLISTED, f"{prefix}waitlist_offer_expires_at__gt": now}
    )


def seats_taken(*, session_id: int) -> int:
    """Seats taken in a session, counted from the bookings themselves (never from a cached counter)."""
    total = Booking.objects.filter(seats_holding_q(), session_id=session_id).aggregate(
        seats=Sum(F("participants") + F("accompanying_staff"))
    )["seats"]
    return total or 0


def annotate_seats_taken(sessions: QuerySet) -> QuerySet:
    """Add `seats_taken` and `seats_left` to a queryset of sessions, in the same query."""
    taken = Coalesce(
        Sum(
            F("bookings__participants") + F("bookings__accompanying_staff"),
            filter=seats_holding_q("bookings__"),
        ),
        Value(0),
        output_field=IntegerField(),
    )
    return sessions.annotate(seats_taken=taken).annotate(seats_left=F("capacity") - F("seats_taken"))


def bookings_visible_to(user) -> QuerySet:
    """Bookings of the user's own structures: what they may see or change (anything else is a 404)."""
    if user is None or not user.is_authenticated:
        return Booking.objects.none()
    return Booking.objects.filter(structure__memberships__user=user).select_related(
        "session__offer", "structure", "attendee"
    )


# "My bookings" shows the past and the cancelled bookings a page at a time: a structure that has
# come for years has hundreds.
BOOKINGS_PER_PAGE = 20

# The columns "my bookings" prints, and nothing else (no model instances: a page can list dozens).
_ROW_FIELDS = (
    "pk",
    "status",
    "participants",
    "accompanying_staff",
    "waitlist_offer_expires_at",
    "session__start",
    "session__place",
    "session__offer__title",
    "attendee_id",
    "attendee__first_name",
    "attendee__last_name",
    "attendee__email",
)


class BookingRow(dict):
    """One line of "my bookings", every value ready to print.

    A dict, the template engine's quickest lookup; `pk` is also an attribute, like a booking's.
    """

    @property
    def pk(self) -> int:
        return self["pk"]


def _booking_rows(values: list[dict]) -> list[BookingRow]:
    words = DateWords()
    detail_url = url_maker("bookings:detail")
    labels = {status.value: str(status.label) for status in BookingStatus}
    seats_offered = gettext("Seats offered: confirm them")
    rows = []
    for value in values:
        start = timezone.localtime(value["session__start"])
        status = value["status"]
        if value["attendee_id"] is not None:
            name = f"{value['attendee__first_name']} {value['attendee__last_name']}".strip()
            who = name or value["attendee__email"]
        else:
            who = ngettext(
                "%(participants)s participant, %(staff)s accompanying",
                "%(participants)s participants, %(staff)s accompanying",
                value["participants"],
            ) % {"participants": value["participants"], "staff": value["accompanying_staff"]}
        offered = status == BookingStatus.WAITLISTED and value["waitlist_offer_expires_at"] is not None
        rows.append(
            BookingRow(
                pk=value["pk"],
                url=detail_url(value["pk"]),
                title=value["session__offer__title"],
                place=value["session__place"],
                iso=start.isoformat(),
                date=words.day_month_year(start),
                day=words.weekday_day_month_year(start),
                time=f"{start:%H:%M}",
                status=status,
                status_label=seats_offered if offered else labels.get(status, status),
                who=who,
            )
        )
    return rows


def _pager(page, *, param: str, other_param: str, other_number: int) -> dict | None:
    """The links of a Paginator page (None when there is a single page)."""
    if not page.has_other_pages():
        return None

    def link(number: int) -> str:
        return f"?{param}={number}&{other_param}={other_number}"

    return {
        "number": page.number,
        "total": page.paginator.num_pages,
        "previous_url": link(page.previous_page_number()) if page.has_previous() else "",
        "next_url": link(page.next_page_number()) if page.has_next() else "",
    }


MY_BOOKINGS_KEYS = (
    "upcoming",
    "past",
    "cancelled",
    "past_page",
    "cancelled_page",
    "past_pager",
    "cancelled_pager",
)


def structure_bookings(structure, *, past_page=None, cancelled_page=None) -> dict:
    """A structure's bookings for "my bookings": upcoming (all), past and cancelled (a page each).

    Returns the lines to print (BookingRow) under "upcoming", "past" and "cancelled", the Paginator
    pages of the last two under "past_page" and "cancelled_page", and their links under
    "past_pager" and "cancelled_pager" (None for a single page). Two queries whatever the number of
    bookings: the sizes of the paged lists, then the lines of the three.

    The values are lazy: the queries run when the page first uses one of them, so a page whose
    list is served from the cache of rendered fragments (bookings/list.html) reads nothing.
    """

    @functools.cache
    def read() -> dict:
        return _read_structure_bookings(structure, past_page=past_page, cancelled_page=cancelled_page)

    def lazy(key: str) -> SimpleLazyObject:
        return SimpleLazyObject(lambda: read()[key])

    return {key: lazy(key) for key in MY_BOOKINGS_KEYS}


def _read_structure_bookings(structure, *, past_page, cancelled_page) -> dict:
    now = timezone.now()
    mine = Booking.objects.filter(structure=structure)
    past_q = Q(session__start__lt=now) & ~Q(status__in=(BookingStatus.CANCELLED, BookingStatus.WAITLISTED))
    cancelled_q = Q(status=BookingStatus.CANCELLED) | Q(
        status=BookingStatus.WAITLISTED, session__start__lt=now
    )
    counts = mine.aggregate(past=Count("pk", filter=past_q), cancelled=Count("pk", filter=cancelled_q))

    pages = {}
    for name, condition, number in (("past", past_q, past_page), ("cancelled", cancelled_q, cancelled_page)):
        paginator = Paginator(mine.filter(condition).order_by("-session__start", "-pk"), BOOKINGS_PER_PAGE)
        paginator.count = counts[name]  # known already: no COUNT query per list
        pages[name] = paginator.get_page(number)
    upcoming = mine.filter(
        session__start__gte=now, status__in=(BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
    )
    # One round trip for the three lists. The pages are picked by their keys first, so that the
    # offers and the relais are joined to those twenty lines only, not to the whole history.
    parts = [
        lines.order_by().values(*_ROW_FIELDS).annotate(section=Value(index))
        for index, lines in enumerate(
            (
                upcoming,
                mine.filter(pk__in=pages["past"].object_list.values("pk")),
                mine.filter(pk__in=pages["cancelled"].object_list.values("pk")),
            )
        )
    ]
    sections: list[list[dict]] = [[], [], []]
    for value in parts[0].union(*parts[1:], all=True):
        sections[value["section"]].append(value)
    sections[0].sort(key=lambda v: (v["session__start"], v["pk"]))
    sections[1].sort(key=lambda v: (v["session__start"], v["pk"]), reverse=True)
    sections[2].sort(key=lambda v: (v["session__start"], v["pk"]), reverse=True)
    values = dict(zip(("upcoming", "past", "cancelled"), sections, strict=True))
    past, cancelled = pages["past"], pages["cancelled"]
    return {
        "upcoming": _booking_rows(values["upcoming"]),
        "past": _booking_rows(values["past"]),
        "cancelled": _booking_rows(values["cancelled"]),
        "past_page": past,
        "cancelled_page": cancelled,
        "past_pager": _pager(past, param="passees", other_param="annulees", other_number=cancelled.number),
        "cancelled_pager": _pager(
            cancelled, param="annulees", other_param="passees", other_number=past.number
        ),
    }


def requests_visible_to(user) -> QuerySet:
    """Project requests of the user's own structures."""

    if user is None or not user.is_authenticated:
        return ProjectRequest.objects.none()
    return ProjectRequest.objects.filter(structure__memberships__user=user).select_related(
        "structure", "exhibition"
    )


def active_booking_of(*, session, structure, user) -> Booking | None:
    """The structure's active booking of a session (for relais offers: the user's own seat), if any."""
    active = Booking.objects.filter(
        session=session, status__in=(BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
    )
    if session.offer.is_per_person:
        return active.filter(attendee=user).first()
    return active.filter(structure=structure, attendee__isnull=True).first()


# ---------------------------------------------------------------------------------------------
# Sessions with their seats (the catalogue, the home page)
# ---------------------------------------------------------------------------------------------

HOME_FIGURES_CACHE_KEY = "bookings:home_figures"


def home_figures() -> dict[str, int]:
    """The headline figures of the home page, from the portal's own data (two queries).

    They sum up every attendance ever recorded, which grows with the programme: with the setting
    HOME_FIGURES_CACHE_SECONDS they are kept that long in the cache (a cache that is down: computed).
    """
    seconds = getattr(settings, "HOME_FIGURES_CACHE_SECONDS", 0)
    if not seconds:
        return _home_figures()
    return cache_get_or_set(HOME_FIGURES_CACHE_KEY, _home_figures, seconds=seconds)


def _home_figures() -> dict[str, int]:

    people = Booking.objects.filter(status=BookingStatus.ATTENDED).aggregate(
        total=Sum("present_participants")
    )["total"]
    counts = Structure.objects.aggregate(active=Count("id", filter=Q(status=StructureStatus.ACTIVE)))
    return {"people_accompanied": people or 0, "active_partners": counts["active"]}


def bookable_sessions():
    """Planned sessions still open for booking, with `seats_taken` and `seats_left`, soonest first."""

    now = timezone.now()
    return annotate_seats_taken(
        Session.objects.filter(status=SessionStatus.PLANNED, start__gt=now, booking_deadline__gt=now)
    ).order_by("start", "pk")


class SessionPreview(list):
    """The first bookable sessions of an offer (the list itself) and how many it has in all (`len()`).

    The catalogue shows a few dates per offer and a link to "all N dates": only those few are loaded
    and have their seats counted, whatever the number of sessions in the calendar.
    """

    def __init__(self, sessions: list[Session], total: int) -> None:
        super().__init__(sessions)
        self.total = total

    def __len__(self) -> int:
        return self.total


def annotate_seats_in_python(sessions: list[Session]) -> None:
    """Set `seats_taken` and `seats_left` on sessions already loaded (one query for all of them)."""

    taken = (
        dict(
            Booking.objects.filter(seats_holding_q(), session_id__in=[s.pk for s in sessions])
            .order_by()
            .values("session_id")
            .annotate(seats=Sum(F("participants") + F("accompanying_staff")))
            .values_list("session_id", "seats")
        )
        if sessions
        else {}
    )
    for session in sessions:
        session.seats_taken = taken.get(session.pk) or 0
        session.seats_left = session.capacity - session.seats_taken


def catalogue_offers(
    *,
    kind: str = "",
    audience: str = "",
    accessibility: str = "",
    exhibition: Exhibition | None = None,
    month: dt.date | None = None,
    sessions_per_offer: int | None = None,
) -> list[Offer]:
    """Published offers matching the filters, each with `upcoming` (its bookable sessions, seats counted).

    With `sessions_per_offer`, `upcoming` is a SessionPreview: the first sessions only, while its
    len() is the number of all of them. Three queries (four with `sessions_per_offer`) whatever the
    number of offers and sessions: offers, their accessibility features, their sessions (and the
    seats of the sessions shown).
    """
    now = timezone.now()
    open_sessions = Session.objects.filter(
        status=SessionStatus.PLANNED, start__gt=now, booking_deadline__gt=now
    )
    offers = published_offers().select_related("exhibition")
    if kind:
        offers = offers.filter(kind=kind)
    if audience:
        offers = offers.filter(audience=audience)
    if accessibility:
        offers = offers.filter(accessibility__code=accessibility)
    if exhibition is not None:
        offers = offers.filter(exhibition=exhibition)
    if month is not None:
        first, following = month_bounds(month)
        open_sessions = open_sessions.filter(start__gte=first, start__lt=following)
        offers = offers.filter(Exists(open_sessions.filter(offer=OuterRef("pk"))))
    if sessions_per_offer is None:

        sessions = Prefetch(
            "sessions",
            queryset=annotate_seats_taken(open_sessions).order_by("start", "pk"),
            to_attr="upcoming",
        )
        return list(offers.prefetch_related("accessibility", sessions).order_by("title", "pk"))
    total = (
        open_sessions.filter(offer=OuterRef("pk"))
        .order_by()
        .values("offer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    offers = list(
        offers.annotate(upcoming_total=Coalesce(Subquery(total, output_field=IntegerField()), Value(0)))
        .prefetch_related(
            "accessibility",
            Prefetch(
                "sessions",
                queryset=open_sessions.order_by("start", "pk")[:sessions_per_offer],
                to_attr="first_upcoming",
            ),
        )
        .order_by("title", "pk")
    )
    annotate_seats_in_python([session for offer in offers for session in offer.first_upcoming])
    for offer in offers:
        offer.upcoming = SessionPreview(offer.first_upcoming, offer.upcoming_total)
    return offers


def next_abc_sessions(limit: int = 3) -> list[Session]:
    """The next sessions of L'ABC du musée open for booking (shown to relais who need it first)."""
    return list(
        bookable_sessions()
        .filter(offer__kind=OfferKind.ABC, offer__is_published=True)
        .select_related("offer")[:limit]
    )
