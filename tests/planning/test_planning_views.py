"""Mon planning, the session page, the day sheet and the subscription page: who may see what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.attendance import attendance_record
from programmes.models import AccessibilityOption
from tests.bookings.factories import BookingFactory
from tests.partners.factories import MembershipFactory
from tests.programmes.factories import OfferFactory, assign, session_at

pytestmark = pytest.mark.django_db


def _day_url(session):
    day = timezone.localdate(session.start)
    return reverse("planning:day", args=[day.year, day.month, day.day])


def _week_of(session) -> str:
    year, week, _ = timezone.localdate(session.start).isocalendar()
    return f"{year}-W{week:02d}"


# --- Access: every URL, every kind of visitor -------------------------------------------------


def _urls(session):
    return [
        reverse("planning:index"),
        _day_url(session),
        reverse("planning:session", args=[session.pk]),
        reverse("planning:attendance", args=[session.pk]),
    ]


def test_planning_urls_redirect_anonymous_to_login(client, booked_session):
    for url in [*_urls(booked_session), reverse("planning:subscribe")]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("partners:login")), url


def test_planning_urls_allowed_to_assigned_mediator(client, booked_session, mediator):
    client.force_login(mediator)

    for url in [*_urls(booked_session), reverse("planning:subscribe")]:
        assert client.get(url).status_code == 200, url


def test_session_urls_404_for_mediator_not_assigned(client, booked_session, other_mediator):
    client.force_login(other_mediator)

    assert client.get(reverse("planning:session", args=[booked_session.pk])).status_code == 404
    assert client.get(reverse("planning:attendance", args=[booked_session.pk])).status_code == 404
    assert client.post(reverse("planning:attendance", args=[booked_session.pk])).status_code == 404


def test_planning_urls_404_for_coordinator(client, booked_session):
    coordinator = MembershipFactory(structure=booked_session.bookings.get().structure).user
    client.force_login(coordinator)

    for url in _urls(booked_session):
        assert client.get(url).status_code == 404, url


def test_subscribe_allowed_to_coordinator_404_for_plain_user(client, coordinator, django_user_model):
    client.force_login(coordinator)
    assert client.get(reverse("planning:subscribe")).status_code == 200
    plain = django_user_model.objects.create_user(email="plain@exemple.fr", password="x")  # noqa: S106
    client.force_login(plain)
    assert client.get(reverse("planning:subscribe")).status_code == 404
    assert client.post(reverse("planning:regenerate")).status_code == 404


def test_planning_urls_allowed_to_staff(client, booked_session, staff):
    client.force_login(staff)

    for url in _urls(booked_session):
        assert client.get(url).status_code == 200, url


# --- What the pages show -----------------------------------------------------------------------


def test_planning_week_shows_only_own_sessions_with_groups_and_needs(
    client, booked_session, mediator, other_mediator
):
    booking = booked_session.bookings.get()
    booking.accessibility_needs.add(AccessibilityOption.objects.get(code="lsf"))
    hidden = session_at(
        booked_session.start + dt.timedelta(hours=3), offer=OfferFactory(title="Séance d'un collègue")
    )
    assign(hidden, other_mediator)
    client.force_login(mediator)

    response = client.get(reverse("planning:index"), {"semaine": _week_of(booked_session)})

    content = response.content.decode()
    assert booked_session.offer.title in content
    assert booking.structure.name in content
    assert "2 fauteuils, LSF" in content or "2 wheelchairs, LSF" in content
    assert booking.contact_phone in content
    assert "Séance d'un collègue" not in content


def test_planning_invalid_week_shows_message_and_current_week(client, mediator):
    client.force_login(mediator)

    response = client.get(reverse("planning:index"), {"semaine": "2025-W99"})

    assert response.status_code == 200
    assert response.context["week_error"]
    today = timezone.localdate()
    assert response.context["monday"] == today - dt.timedelta(days=today.weekday())


def test_planning_marks_today(client, mediator):
    client.force_login(mediator)

    response = client.get(reverse("planning:index"))

    assert response.content.decode().count('aria-current="date"') == 1


def test_planning_staff_picker_filters_by_mediator(client, booked_session, other_mediator, staff):
    other = session_at(
        booked_session.start + dt.timedelta(hours=3), offer=OfferFactory(title="Atelier du collègue")
    )
    assign(other, other_mediator)
    client.force_login(staff)
    week = _week_of(booked_session)

    everyone = client.get(reverse("planning:index"), {"semaine": week}).content.decode()
    picked = client.get(
        reverse("planning:index"), {"semaine": week, "mediateur": other_mediator.pk}
    ).content.decode()

    assert booked_session.offer.title in everyone and "Atelier du collègue" in everyone
    assert "Atelier du collègue" in picked and booked_session.offer.title not in picked


def _add_sessions(mediator, monday, first: int, last: int) -> None:
    base = dt.datetime.combine(monday, dt.time(9, 0), tzinfo=timezone.get_current_timezone())
    lsf = AccessibilityOption.objects.get(code="lsf")
    for index in range(first, last):
        session = session_at(base + dt.timedelta(days=index % 7, minutes=10 * (index // 7)), minutes=5)
        assign(session, mediator)
        BookingFactory(session=session).accessibility_needs.add(lsf)


def _planning_queries(client, monday) -> tuple[int, int]:
    year, week, _ = monday.isocalendar()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("planning:index"), {"semaine": f"{year}-W{week:02d}"})
    assert response.status_code == 200
    return len(queries), len(response.context["week"].sessions)


@pytest.mark.parametrize("viewer", ["mediator", "staff"])
def test_planning_same_query_count_with_1_and_50_sessions(client, mediator, staff, viewer):
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    client.force_login(mediator if viewer == "mediator" else staff)
    _add_sessions(mediator, monday, 0, 1)
    with_one, shown_one = _planning_queries(client, monday)

    _add_sessions(mediator, monday, 1, 50)
    with_fifty, shown_fifty = _planning_queries(client, monday)

    assert (shown_one, shown_fifty) == (1, 50)
    assert with_fifty == with_one


def test_day_sheet_same_query_count_with_1_and_20_sessions(client, mediator):
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    client.force_login(mediator)
    url = reverse("planning:day", args=[monday.year, monday.month, monday.day])
    _add_sessions(mediator, monday, 0, 1)
    with CaptureQueriesContext(connection) as one:
        client.get(url)

    for index in range(1, 20):
        _add_sessions(mediator, monday, index * 7, index * 7 + 1)  # same day (Monday), later times
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(url)

    assert len(response.context["sessions"]) == 20
    assert len(twenty) == len(one)


def test_session_page_shows_contacts_and_attendance_history(client, mediator):
    session = session_at(timezone.now() - dt.timedelta(hours=3))
    assign(session, mediator)
    booking = BookingFactory(session=session, contact_name="Alex Dupont", contact_phone="06 12 34 56 78")
    attendance_record(booking=booking, by=mediator, present_participants=7, present_staff=2)
    client.force_login(mediator)

    content = client.get(reverse("planning:session", args=[session.pk])).content.decode()

    assert "Alex Dupont" in content and "06 12 34 56 78" in content
    assert f'data-booking="{booking.pk}"' in content


def test_day_sheet_lists_the_day_and_has_print_styles(client, booked_session, mediator):
    client.force_login(mediator)

    response = client.get(_day_url(booked_session))

    assert response.status_code == 200
    assert booked_session.offer.title in response.content.decode()
    assert "css/planning.css" in response.content.decode()


def test_day_sheet_invalid_date_is_404(client, mediator):
    client.force_login(mediator)

    assert client.get("/planning/jour/2025-02-30/").status_code == 404


@pytest.mark.parametrize("name", ["planning:session", "planning:attendance"])
def test_session_pages_same_query_count_with_1_and_6_groups(client, mediator, name):
    session = session_at(timezone.now() - dt.timedelta(hours=3), capacity=60)  # room for six groups
    assign(session, mediator)
    lsf = AccessibilityOption.objects.get(code="lsf")
    first = BookingFactory(session=session)
    first.accessibility_needs.add(lsf)
    attendance_record(booking=first, by=mediator, present_participants=first.participants, present_staff=0)
    client.force_login(mediator)
    url = reverse(name, args=[session.pk])
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200

    for _ in range(5):
        booking = BookingFactory(session=session)
        booking.accessibility_needs.add(lsf)
        attendance_record(
            booking=booking, by=mediator, present_participants=booking.participants, present_staff=0
        )
    with CaptureQueriesContext(connection) as six:
        response = client.get(url)

    groups = response.context["page"].groups if name == "planning:session" else response.context["forms"]
    assert len(groups) == 6
    assert len(six) == len(one)
