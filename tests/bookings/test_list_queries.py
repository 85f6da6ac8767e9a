"""My bookings: a fixed number of queries whatever the number of bookings, and none for the list
when its rendered fragment is in the cache (bookings/list.html, keyed by the content version)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory, TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.enums import BookingStatus
from bookings.selectors import structure_bookings
from common.cache import content_changed
from partners.models import User
from partners.selectors import request_memberships
from programmes.enums import OfferKind
from tests.bookings.factories import BookingFactory
from tests.partners.factories import UserFactory
from tests.programmes.factories import OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db


def bump_content_version() -> None:
    """As after a committed write: services call common.cache.content_changed(), which bumps the
    content version when their transaction commits (here: the test's callbacks are run)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        content_changed()


def _add_bookings(structure, first: int, last: int) -> None:
    """Upcoming, past, cancelled and relais bookings in turn, one session each."""
    now = timezone.now().replace(microsecond=0)
    kinds = [
        (dt.timedelta(days=3), BookingStatus.CONFIRMED, {}),
        (-dt.timedelta(days=3), BookingStatus.ATTENDED, {}),
        (dt.timedelta(days=5), BookingStatus.CANCELLED, {}),
        (dt.timedelta(days=7), BookingStatus.WAITLISTED, {"waitlist_offer_expires_at": now}),
        (dt.timedelta(days=9), BookingStatus.CONFIRMED, {"attendee": UserFactory}),
    ]
    for index in range(first, last):
        offset, status, extra = kinds[index % len(kinds)]
        start = now + offset + dt.timedelta(hours=index)
        offer = OfferFactory(kind=OfferKind.ABC) if "attendee" in extra else OfferFactory()
        session = SessionFactory(offer=offer, start=start, booking_deadline=start - dt.timedelta(days=1))
        values = {k: (v() if callable(v) else v) for k, v in extra.items()}
        BookingFactory(structure=structure, session=session, status=status, **values)


def _rendered_page_queries(client) -> tuple[int, object]:
    bump_content_version()  # as after a write: the page is rendered, not taken from the cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("bookings:list"))
    assert response.status_code == 200
    return len(queries), response


def test_my_bookings_runs_the_same_queries_with_3_and_40_bookings(client, structure, coordinator):
    client.force_login(coordinator)
    client.get(reverse("bookings:list"))  # warm the session
    _add_bookings(structure, 0, 3)
    with_three, response = _rendered_page_queries(client)
    assert [len(response.context[key]) for key in ("upcoming", "past", "cancelled")] == [1, 1, 1]

    _add_bookings(structure, 3, 40)
    with_forty, response = _rendered_page_queries(client)

    assert [len(response.context[key]) for key in ("upcoming", "past", "cancelled")] == [24, 8, 8]
    assert with_forty == with_three


def test_the_list_runs_two_queries_whatever_the_page_asked(client, structure, coordinator):
    client.force_login(coordinator)
    client.get(reverse("bookings:list"))  # warm the session
    _add_bookings(structure, 0, 60)
    first, _response = _rendered_page_queries(client)

    bump_content_version()
    with CaptureQueriesContext(connection) as other_pages:
        client.get(reverse("bookings:list"), {"passees": "2", "annulees": "99"})
    bump_content_version()
    with CaptureQueriesContext(connection) as nonsense:
        client.get(reverse("bookings:list"), {"passees": "x", "annulees": "-1"})

    assert len(other_pages) == len(nonsense) == first
    list_queries = [q["sql"] for q in other_pages.captured_queries if "bookings_booking" in q["sql"]]
    assert len(list_queries) == 2


def _render(coordinator, structure, **extra) -> tuple[int, str]:
    request = RequestFactory().get(reverse("bookings:list"))
    request.user = User.objects.get(pk=coordinator.pk)  # a fresh request of the same person
    request_memberships(request)  # read before counting: the menu's query is not the list's
    with CaptureQueriesContext(connection) as queries:
        html = render_to_string(
            "bookings/list.html", {"structure": structure, **structure_bookings(structure), **extra}, request
        )
    return len(queries), html.split('<main id="main"', 1)[1]


def test_the_list_is_rendered_fresh_each_time_with_its_two_queries(structure, coordinator):
    """No per-user cache: each rendering reads the list again, so a new booking shows at once."""
    _add_bookings(structure, 0, 5)

    first, first_html = _render(coordinator, structure)
    start = timezone.now() + dt.timedelta(days=30)
    BookingFactory(
        structure=structure,
        session=SessionFactory(
            offer=OfferFactory(title="Atelier des vacances"),
            start=start,
            booking_deadline=start - dt.timedelta(days=1),
        ),
    )
    second, second_html = _render(coordinator, structure)

    assert second == first
    assert "Atelier des vacances" in second_html and "Atelier des vacances" not in first_html
