"""Calendar files and feeds, parsed back with icalendar: UID, DTSTAMP, TZID, VTIMEZONE, SEQUENCE, STATUS."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from bookings.calendar import booking_ics, mediator_feed, session_event, structure_feed
from bookings.enums import BookingStatus
from bookings.sessions import session_cancel, session_update
from programmes.enums import SessionStatus
from tests.bookings.factories import BookingFactory
from tests.programmes.factories import OfferFactory, assign, at, session_at

pytestmark = pytest.mark.django_db


def _parse(content: bytes) -> Calendar:
    return Calendar.from_ical(content)


def _events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


def _raw_lines(content: bytes) -> list[str]:
    return content.decode().replace("\r\n ", "").split("\r\n")


def test_booking_ics_has_required_fields(settings):
    session = session_at(
        at(10, 10), offer=OfferFactory(title="Visite en famille", meeting_point="Hall, banque d'accueil")
    )
    booking = BookingFactory(session=session, participants=9, accompanying_staff=2)

    content = booking_ics(booking)

    calendar = _parse(content)
    assert str(calendar["VERSION"]) == "2.0"
    assert "Louvre-Lens" in str(calendar["PRODID"])
    assert str(calendar["METHOD"]) == "PUBLISH"
    [event] = _events(calendar)
    assert str(event["UID"]) == f"booking-{booking.pk}@louvrelens-portail"
    assert "DTSTAMP" in event
    assert event["DTSTART"].dt == session.start
    assert event["DTEND"].dt == session.end
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["LOCATION"]) == settings.MUSEUM_ADDRESS
    description = str(event["DESCRIPTION"])
    assert "Hall, banque d'accueil" in description
    assert "9" in description and "2" in description
    [timezone] = list(calendar.walk("VTIMEZONE"))
    assert str(timezone["TZID"]) == "Europe/Paris"
    assert any(line.startswith("DTSTART;TZID=Europe/Paris:") for line in _raw_lines(content))


def test_booking_ics_uid_is_stable(db):
    booking = BookingFactory()

    first = _events(_parse(booking_ics(booking)))[0]["UID"]
    second = _events(_parse(booking_ics(booking)))[0]["UID"]

    assert first == second


def test_booking_ics_cancelled_booking_is_cancelled_with_higher_sequence(db):
    booking = BookingFactory(status=BookingStatus.CANCELLED)

    [event] = _events(_parse(booking_ics(booking)))

    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 1


def test_booking_ics_of_cancelled_session_is_cancelled(db):
    booking = BookingFactory(session=session_at(at(10, 10), status=SessionStatus.CANCELLED))

    [event] = _events(_parse(booking_ics(booking)))

    assert str(event["STATUS"]) == "CANCELLED"


def test_session_event_uid_suffix(booked_session):
    event = session_event(booked_session, uid_suffix="-test")

    assert str(event["UID"]) == f"session-{booked_session.pk}-test@louvrelens-portail"


def test_mediator_feed_lists_own_sessions_with_needs_and_no_contact(booked_session, mediator, other_mediator):
    not_mine = session_at(at(11, 10))
    assign(not_mine, other_mediator)

    calendar = _parse(mediator_feed(mediator))

    assert str(calendar["METHOD"]) == "PUBLISH"
    assert "X-WR-CALNAME" in calendar
    [event] = _events(calendar)
    assert str(event["UID"]) == f"session-{booked_session.pk}@louvrelens-portail"
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    description = str(event["DESCRIPTION"])
    assert booked_session.bookings.get().structure.name in description
    assert "06 00 00 00 00" not in description  # contacts stay behind the login
    assert len(list(calendar.walk("VTIMEZONE"))) == 1


def test_mediator_feed_sequence_raised_after_change_then_cancelled(booked_session, mediator):
    before = _events(_parse(mediator_feed(mediator)))[0]
    new_start = booked_session.start + dt.timedelta(hours=2)
    session_update(
        session=booked_session,
        start=new_start,
        end=new_start + dt.timedelta(minutes=90),
        place=booked_session.place,
        capacity=booked_session.capacity,
    )
    moved = _events(_parse(mediator_feed(mediator)))[0]
    session_cancel(session=booked_session, reason="Fermeture")
    cancelled = _events(_parse(mediator_feed(mediator)))[0]

    assert int(before["SEQUENCE"]) == 0
    assert int(moved["SEQUENCE"]) == 1
    assert moved["DTSTART"].dt == new_start
    assert str(moved["STATUS"]) == "CONFIRMED"
    assert int(cancelled["SEQUENCE"]) == 2
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert before["UID"] == moved["UID"] == cancelled["UID"]


def test_structure_feed_lists_bookings_of_structure_only(db):
    mine = BookingFactory(session=session_at(at(10, 10)))
    BookingFactory(session=session_at(at(12, 10)))  # another structure
    cancelled = BookingFactory(
        session=session_at(at(13, 10)), structure=mine.structure, status=BookingStatus.CANCELLED
    )

    calendar = _parse(structure_feed(mine.structure))

    events = {str(e["UID"]): e for e in _events(calendar)}
    assert set(events) == {
        f"booking-{mine.pk}@louvrelens-portail",
        f"booking-{cancelled.pk}@louvrelens-portail",
    }
    assert str(events[f"booking-{cancelled.pk}@louvrelens-portail"]["STATUS"]) == "CANCELLED"
