"""The calendar feed pages: a mediator's and a structure's feed served by token without login, the
token regenerated (the old address revoked), and the subscription page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from icalendar import Calendar

from tests.bookings.factories import BookingFactory
from tests.partners.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _parse(content: bytes) -> Calendar:
    return Calendar.from_ical(content)


def _events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


def test_feed_view_serves_calendar_without_login(client, booked_session, mediator):
    response = client.get(reverse("planning:feed", args=[mediator.calendar_token]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "private" in response["Cache-Control"]
    assert len(_events(_parse(response.content))) == 1


def test_feed_view_unknown_token_is_404(client, mediator):
    response = client.get(reverse("planning:feed", args=["not-a-token"]))

    assert response.status_code == 404


def test_feed_view_of_non_mediator_is_404(client, coordinator):
    response = client.get(reverse("planning:feed", args=[coordinator.calendar_token]))

    assert response.status_code == 404


def test_regenerate_revokes_old_feed_url(client, mediator):
    old_url = reverse("planning:feed", args=[mediator.calendar_token])
    client.force_login(mediator)

    response = client.post(reverse("planning:regenerate"))

    mediator.refresh_from_db()
    new_url = reverse("planning:feed", args=[mediator.calendar_token])
    assert response.status_code == 302
    assert new_url != old_url
    client.logout()
    assert client.get(old_url).status_code == 404
    assert client.get(new_url).status_code == 200


def test_regenerate_refuses_get(client, mediator):
    client.force_login(mediator)

    response = client.get(reverse("planning:regenerate"))

    assert response.status_code == 405


def test_structure_feed_view_for_coordinator_token(client, db):
    membership = MembershipFactory()
    booking = BookingFactory(structure=membership.structure)

    response = client.get(reverse("planning:structure_feed", args=[membership.user.calendar_token]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    [event] = _events(_parse(response.content))
    assert str(event["UID"]) == f"booking-{booking.pk}@louvrelens-portail"


def test_structure_feed_view_of_user_without_structure_is_404(client, mediator):
    response = client.get(reverse("planning:structure_feed", args=[mediator.calendar_token]))

    assert response.status_code == 404


def test_structure_feed_revoked_by_regeneration(client, db):
    membership = MembershipFactory()
    old_url = reverse("planning:structure_feed", args=[membership.user.calendar_token])
    client.force_login(membership.user)

    client.post(reverse("planning:regenerate"))
    client.logout()

    assert client.get(old_url).status_code == 404


def test_feed_view_refuses_post(client, mediator):
    response = client.post(reverse("planning:feed", args=[mediator.calendar_token]))

    assert response.status_code == 405


def test_subscribe_page_shows_personal_links(client, mediator):
    client.force_login(mediator)

    response = client.get(reverse("planning:subscribe"))

    content = response.content.decode()
    assert reverse("planning:feed", args=[mediator.calendar_token]) in content
    assert reverse("planning:structure_feed", args=[mediator.calendar_token]) not in content
