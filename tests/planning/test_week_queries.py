"""Mon planning, the week: a fixed number of queries whatever the number of sessions and groups, read
fresh at every visit (nothing of a logged-in page is kept in a cache): what changed shows at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.enums import BookingStatus
from programmes.models import AccessibilityOption
from tests.bookings.factories import BookingFactory
from tests.programmes.factories import OfferFactory, assign, session_at

pytestmark = pytest.mark.django_db


def _next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


def _week(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _add_sessions(mediator, monday: dt.date, first: int, last: int, *, days=7, other_mediator=None) -> None:
    """Sessions spread over the first `days` days of the week, each with two groups (one with needs)
    and, with `other_mediator`, a second mediator."""
    base = dt.datetime.combine(monday, dt.time(9, 0), tzinfo=timezone.get_current_timezone())
    lsf = AccessibilityOption.objects.get(code="lsf")
    for index in range(first, last):
        start = base + dt.timedelta(days=index % days, minutes=10 * (index // days))
        session = session_at(start, minutes=5, capacity=60)  # room for three groups
        assign(session, mediator)
        if other_mediator is not None:
            assign(session, other_mediator)
        BookingFactory(session=session, wheelchair_users=1).accessibility_needs.add(lsf)
        BookingFactory(session=session, comment="Groupe de jeunes")


def _main(content: bytes | str) -> str:
    """The page's main element (the header holds a CSRF token of its own at every request)."""
    text = content.decode() if isinstance(content, bytes) else content
    return text.split('<main id="main"', 1)[1].split("</main>", 1)[0]


def _rendered_week(client, monday, **params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("planning:index"), {"semaine": _week(monday), **params})
    assert response.status_code == 200
    return len(queries), response


def _reads_bookings(queries) -> bool:
    return any('FROM "bookings_booking"' in query["sql"] for query in queries.captured_queries)


@pytest.mark.parametrize("viewer", ["mediator", "staff"])
def test_the_week_runs_the_same_queries_with_3_and_40_sessions(
    client, mediator, other_mediator, staff, viewer
):
    monday = _next_monday()
    client.force_login(mediator if viewer == "mediator" else staff)
    _add_sessions(mediator, monday, 0, 3, other_mediator=other_mediator)
    with_three, response = _rendered_week(client, monday)
    assert len(response.context["week"].sessions) == 3

    _add_sessions(mediator, monday, 3, 40, other_mediator=other_mediator)
    with_forty, response = _rendered_week(client, monday)

    assert len(response.context["week"].sessions) == 40
    assert sum(len(s["groups"]) for s in response.context["week"].sessions) == 80
    assert with_forty == with_three


def test_the_day_sheet_runs_the_same_queries_with_3_and_40_sessions(client, mediator, other_mediator):
    monday = _next_monday()
    client.force_login(mediator)
    url = reverse("planning:day", args=[monday.year, monday.month, monday.day])
    _add_sessions(mediator, monday, 0, 3, days=1, other_mediator=other_mediator)
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(url).context["sessions"]) == 3

    _add_sessions(mediator, monday, 3, 40, days=1, other_mediator=other_mediator)
    with CaptureQueriesContext(connection) as forty:
        assert len(client.get(url).context["sessions"]) == 40

    assert len(forty) == len(three)


def test_a_second_visit_reads_the_week_again(client, mediator):
    monday = _next_monday()
    _add_sessions(mediator, monday, 0, 3)
    client.force_login(mediator)
    _rendered, first = _rendered_week(client, monday)

    with CaptureQueriesContext(connection) as queries:
        second = client.get(reverse("planning:index"), {"semaine": _week(monday)})

    assert _reads_bookings(queries)  # the groups are read again, not taken from a cache
    assert _main(second.content) == _main(first.content)


def test_a_new_booking_shows_at_the_next_visit(client, mediator):
    monday = _next_monday()
    _add_sessions(mediator, monday, 0, 2)
    client.force_login(mediator)
    url = reverse("planning:index")
    client.get(url, {"semaine": _week(monday)})
    session = mediator.assignments.order_by("session__start").first().session

    # A third group of the default size would not fit (two groups of 10 seats, capacity 25).
    BookingFactory(
        session=session, structure__name="Mission locale de Liévin", participants=4, accompanying_staff=1
    )
    after = client.get(url, {"semaine": _week(monday)}).content.decode()

    assert "Mission locale de Liévin" in after


def test_a_cancelled_booking_leaves_the_week_at_the_next_visit(client, mediator):
    monday = _next_monday()
    _add_sessions(mediator, monday, 0, 1)
    session = mediator.assignments.get().session
    booking = BookingFactory(session=session, structure__name="Mission locale de Liévin")
    client.force_login(mediator)
    url = reverse("planning:index")
    assert "Mission locale de Liévin" in client.get(url, {"semaine": _week(monday)}).content.decode()

    booking.status = BookingStatus.CANCELLED
    booking.save()
    after = client.get(url, {"semaine": _week(monday)}).content.decode()

    assert "Mission locale de Liévin" not in after
    assert "2 groupes : " in after  # the two groups left


def test_a_renamed_offer_shows_at_the_next_visit(client, mediator):
    monday = _next_monday()
    start = dt.datetime.combine(monday, dt.time(14, 0), tzinfo=timezone.get_current_timezone())
    offer = OfferFactory(title="Atelier gravure")
    assign(session_at(start, offer=offer), mediator)
    client.force_login(mediator)
    url = reverse("planning:index")
    client.get(url, {"semaine": _week(monday)})

    offer.title = "Atelier gravure et estampe"
    offer.save()
    after = client.get(url, {"semaine": _week(monday)}).content.decode()

    assert "Atelier gravure et estampe" in after


def test_a_new_assignment_shows_at_the_next_visit(client, mediator):
    monday = _next_monday()
    client.force_login(mediator)
    url = reverse("planning:index")
    assert "Aucune séance cette semaine." in client.get(url, {"semaine": _week(monday)}).content.decode()

    start = dt.datetime.combine(monday, dt.time(14, 0), tzinfo=timezone.get_current_timezone())
    assign(session_at(start, offer=OfferFactory(title="Atelier gravure")), mediator)
    after = client.get(url, {"semaine": _week(monday)}).content.decode()

    assert "Atelier gravure" in after


def test_each_mediator_gets_their_own_week(client, mediator, other_mediator):
    monday = _next_monday()
    start = dt.datetime.combine(monday, dt.time(10, 0), tzinfo=timezone.get_current_timezone())
    assign(session_at(start, offer=OfferFactory(title="Visite de Lou")), mediator)
    assign(session_at(start, offer=OfferFactory(title="Visite de Sam")), other_mediator)
    url = reverse("planning:index")
    client.force_login(mediator)
    client.get(url, {"semaine": _week(monday)})

    client.force_login(other_mediator)
    content = client.get(url, {"semaine": _week(monday)}).content.decode()

    assert "Visite de Sam" in content and "Visite de Lou" not in content


def test_staff_get_one_week_per_mediator_picked(client, mediator, other_mediator, staff):
    monday = _next_monday()
    start = dt.datetime.combine(monday, dt.time(10, 0), tzinfo=timezone.get_current_timezone())
    assign(session_at(start, offer=OfferFactory(title="Visite de Lou")), mediator)
    assign(session_at(start, offer=OfferFactory(title="Visite de Sam")), other_mediator)
    client.force_login(staff)
    url = reverse("planning:index")

    everyone = client.get(url, {"semaine": _week(monday)}).content.decode()
    sam = client.get(url, {"semaine": _week(monday), "mediateur": other_mediator.pk}).content.decode()
    again = client.get(url, {"semaine": _week(monday)}).content.decode()

    assert "Visite de Lou" in everyone and "Visite de Sam" in everyone
    assert "Visite de Sam" in sam and "Visite de Lou" not in sam
    assert f'<option value="{other_mediator.pk}" selected>' in sam
    assert _main(again) == _main(everyone)


def test_the_week_in_english_is_not_the_french_one(client, mediator):
    monday = _next_monday()
    _add_sessions(mediator, monday, 0, 1)
    client.force_login(mediator)
    url = reverse("planning:index")
    french = client.get(url, {"semaine": _week(monday)}).content.decode()

    english = client.get(url, {"semaine": _week(monday)}, headers={"accept-language": "en"}).content.decode()

    assert "Semaine " in french and "Day by day" not in french
    assert f"Week {monday.isocalendar()[1]}, from " in english and "Day by day" in english
