"""Reads about bookings shared by views, admin and tasks."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import (
    Count,
    Exists,
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
from partners.models import Membership, Structure, User
from programmes.enums import OfferKind
from programmes.models import Exhibition, Offer, Session
from programmes.selectors import month_bounds, published_offers

from .enums import BookingStatus
from .models import Booking, ProjectRequest


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


def booking_recipients(booking: Booking, *, memberships: Iterable[Membership] | None = None) -> list[User]:
    """Who is emailed about a booking (its confirmation, changes, waiting list, reminders, the session
    cancelled or moved): the relais attending, for an offer booked one person at a time; otherwise
    every coordinator of the structure, whoever booked (the booking is the structure's: any of them
    may change it, and whoever booked may be away that week). Never a deactivated account.

    `memberships`: the structure's memberships with their users, when at hand (no query then).
    """
    if booking.attendee_id is not None:
        return [booking.attendee] if booking.attendee.is_active else []
    if memberships is None:
        memberships = Membership.objects.filter(structure_id=booking.structure_id).select_related("user")
    users = [membership.user for membership in memberships if membership.user.is_active]
    return sorted(users, key=lambda user: user.pk)


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


def bookable_sessions() -> QuerySet[Session]:
    """Sessions open for booking now, soonest first; their seats are their `seats_taken`."""
    return Session.objects.bookable(timezone.now()).order_by("start", "pk")


def catalogue_offers(
    *,
    kind: str = "",
    audience: str = "",
    accessibility: str = "",
    exhibition: Exhibition | None = None,
    month: dt.date | None = None,
    sessions_per_offer: int | None = None,
) -> list[Offer]:
    """Published offers matching the filters, each with `upcoming` (its sessions open for booking,
    soonest first) and `upcoming_total` (how many there are).

    With `sessions_per_offer`, `upcoming` holds the first sessions only: the catalogue shows a few
    dates per offer and a link to all of them. Three queries whatever the number of offers and
    sessions: the offers (with the number of their sessions), their accessibility features, their
    sessions (the seats left are read from the sessions themselves).
    """
    open_sessions = Session.objects.bookable(timezone.now())
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
    shown = open_sessions.order_by("start", "pk")
    if sessions_per_offer is not None:
        shown = shown[:sessions_per_offer]
    total = (
        open_sessions.filter(offer=OuterRef("pk"))
        .order_by()
        .values("offer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        offers.annotate(upcoming_total=Coalesce(Subquery(total, output_field=IntegerField()), Value(0)))
        .prefetch_related("accessibility", Prefetch("sessions", queryset=shown, to_attr="upcoming"))
        .order_by("title", "pk")
    )


def next_abc_sessions(limit: int = 3) -> list[Session]:
    """The next sessions of L'ABC du musée open for booking (shown to relais who need it first)."""
    return list(
        bookable_sessions()
        .filter(offer__kind=OfferKind.ABC, offer__is_published=True)
        .select_related("offer")[:limit]
    )
