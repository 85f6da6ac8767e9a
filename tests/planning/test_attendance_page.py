"""The attendance page of a session: the sheet of its groups, recorded all or nothing, errors at the
fields, and what it says before the session and once it is cancelled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.attendance import AttendanceWindow
from bookings.enums import BookingStatus
from bookings.models import AttendanceChange
from programmes.enums import SessionStatus
from tests.bookings.factories import BookingFactory
from tests.programmes.factories import assign, at, session_at

pytestmark = pytest.mark.django_db


def _post_data(booking, **values):
    prefix = f"b{booking.pk}"
    return {f"{prefix}-{key}": value for key, value in values.items()}


def test_attendance_page_records_and_redirects(client, past_booking, mediator):
    client.force_login(mediator)
    url = reverse("planning:attendance", args=[past_booking.session_id])

    response = client.post(
        url, _post_data(past_booking, presence="present", present_participants="7", present_staff="1")
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("planning:session", args=[past_booking.session_id])
    past_booking.refresh_from_db()
    assert (past_booking.status, past_booking.present_participants, past_booking.present_staff) == (
        BookingStatus.ATTENDED,
        7,
        1,
    )


def test_attendance_page_shows_error_at_field_and_keeps_input(client, past_booking, mediator):
    client.force_login(mediator)
    url = reverse("planning:attendance", args=[past_booking.session_id])

    response = client.post(
        url, _post_data(past_booking, presence="present", present_participants="40", present_staff="1")
    )

    assert response.status_code == 400
    form = response.context["forms"][0]
    assert "present_participants" in form.errors
    assert 'value="40"' in response.content.decode()
    past_booking.refresh_from_db()
    assert past_booking.present_participants is None


def test_attendance_page_all_or_nothing(client, mediator):
    session = session_at(timezone.now() - dt.timedelta(hours=4))
    assign(session, mediator)
    first = BookingFactory(session=session, participants=8)
    second = BookingFactory(session=session, participants=8)
    client.force_login(mediator)

    response = client.post(
        reverse("planning:attendance", args=[session.pk]),
        {
            **_post_data(first, presence="present", present_participants="8", present_staff="2"),
            **_post_data(second, presence="present", present_participants="-3", present_staff="2"),
        },
    )

    assert response.status_code == 400
    first.refresh_from_db()
    assert first.present_participants is None
    assert AttendanceChange.objects.count() == 0


def test_attendance_page_future_session_shows_message_and_no_form(client, booked_session, mediator):
    client.force_login(mediator)
    url = reverse("planning:attendance", args=[booked_session.pk])

    page = client.get(url)
    posted = client.post(url, _post_data(booked_session.bookings.get(), presence="absent"))

    assert page.status_code == 200
    assert page.context["window"] is AttendanceWindow.NOT_YET
    assert "Cette séance n'a pas encore eu lieu" in page.content.decode()
    assert '<form method="post" novalidate>' not in page.content.decode()
    assert posted.status_code == 200
    assert booked_session.bookings.get().status == BookingStatus.CONFIRMED


def test_attendance_page_rejects_non_number(client, past_booking, mediator):
    client.force_login(mediator)

    response = client.post(
        reverse("planning:attendance", args=[past_booking.session_id]),
        _post_data(past_booking, presence="present", present_participants="sept", present_staff=""),
    )

    assert response.status_code == 400
    assert "present_participants" in response.context["forms"][0].errors


def test_attendance_page_of_a_cancelled_session_to_come_says_it_is_cancelled(client, mediator):
    session = session_at(at(2, 10), status=SessionStatus.CANCELLED)
    assign(session, mediator)
    BookingFactory(session=session)
    client.force_login(mediator)

    page = client.get(reverse("planning:attendance", args=[session.pk]))

    assert page.context["window"] is AttendanceWindow.CANCELLED
    assert "Cette séance a été annulée" in page.content.decode()
