"""The booking POST stays cheap: few queries, a short critical section.

Under load, 32 clients post the booking form to one session; bookings of a session wait for each
other at the session's row lock, and once the session is full every request is refused. So: the
queries of the POST are counted (success and refusal), what runs while the lock is held is listed
(the seats are read from the locked session row: a full session is refused there at once), and a
stale read of the session never grants seats.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from bookings import services
from bookings.models import Booking
from bookings.services import BookingError
from notifications.models import OutboxMessage
from partners.enums import StructureStatus
from partners.models import Structure
from programmes.models import Session
from tests.bookings.factories import BookingFactory
from tests.partners.factories import MembershipFactory
from tests.programmes.factories import SessionFactory

from .conftest import form_data, group
from .seats import seats_taken

pytestmark = pytest.mark.django_db

LOCK = "FOR NO KEY UPDATE"
FULL = "This session is full. You can join its waiting list: we will email you if seats free up."
ALREADY_BOOKED = (
    "Your structure has already booked this session. To change the number of people, change "
    "that booking instead of making a new one."
)
# Every page of a logged-in user reads the user, their session (from the cache when it has it) and
# their structures: those are the same on every page, and are left out of the exact lists below;
# `post` checks how many there are of each. The structures are read twice: for the page (the menu,
# the current structure), and by the service, which decides whether the user may book on its own read.
REQUEST_TABLES = {'FROM "django_session"': 1, 'FROM "partners_user"': 1, 'FROM "partners_membership"': 2}


def booking_queries(captured) -> list[str]:
    """The statements of the booking page itself, each reduced to what it does and on what table."""
    names = []
    for query in captured:
        sql = query["sql"]
        if any(table in sql for table in REQUEST_TABLES):
            continue
        if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            names.append(sql.split(' "')[0])  # the test's transaction makes the service's a savepoint
            continue
        verb = sql.split()[0]
        if verb == "UPDATE":
            table = sql.split()[1].strip('"')
        else:
            table = sql.split(" INTO " if verb == "INSERT" else " FROM ")[1].split()[0].strip('"')
        names.append(f"{verb} {table}{' (lock)' if LOCK in sql else ''}")
    return names


@pytest.fixture
def full_session(offer):
    session = SessionFactory(offer=offer, capacity=10, place="Salle pleine")
    BookingFactory(session=session, participants=8, accompanying_staff=2)
    return session


def post(client, session, **overrides):
    """POST the form; the page's own statements (and at most the two reads of the auth layer)."""
    url = reverse("bookings:create", args=[session.pk])
    client.get(url)  # the session and the user are read once, as on a real second request
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, {**form_data(**overrides), "action": "book"})
    queries = booking_queries(captured.captured_queries)
    for table, most in REQUEST_TABLES.items():
        assert sum(table in query["sql"] for query in captured.captured_queries) <= most, table
    return response, queries


# --- Queries -------------------------------------------------------------------------------------


def test_post_booking_success_queries(logged_in, session):
    response, queries = post(logged_in, session)

    assert response.status_code == 302
    assert queries == [
        "SELECT programmes_session",  # the session, its offer and its seats taken (one read)
        "SELECT bookings_booking",  # an active booking of the structure, before the lock
        "SAVEPOINT",
        "SELECT programmes_session (lock)",  # the session and its seats taken, under the lock
        "INSERT bookings_booking",
        "INSERT bookings_historicalbooking",
        "UPDATE programmes_session",  # the seats taken, written in the same transaction
        "INSERT notifications_outboxmessage",  # the confirmation email (a new booking: not looked up)
        "RELEASE SAVEPOINT",
    ]


def test_post_refusal_of_a_full_session_queries_and_holds_the_lock_for_one_read(logged_in, full_session):
    response, queries = post(logged_in, full_session)

    assert response.status_code == 200
    assert response.context["form"].errors["participants"] == [gettext(FULL)]
    assert response.context["offer_waitlist"] is True
    assert queries == [
        "SELECT programmes_session",
        "SELECT bookings_booking",  # an active booking of the structure: its message comes first
        "SAVEPOINT",
        "SELECT programmes_session (lock)",  # its seats taken: nothing more is read or written
        "ROLLBACK TO SAVEPOINT",
        "RELEASE SAVEPOINT",
        "SELECT programmes_accessibilityoption",  # the form's checkboxes
    ]


def test_post_refusal_of_a_structure_that_has_booked_queries_and_takes_no_lock(logged_in, session, structure):
    existing = BookingFactory(session=session, structure=structure)

    response, queries = post(logged_in, session)

    # The page says the booking exists and links it, without the form: there is nothing to fill in.
    assert response.status_code == 200
    assert response.context["existing"] == existing
    assert "form" not in response.context
    content = response.content.decode()
    assert gettext(ALREADY_BOOKED) in content  # a translated text of the template, as it is
    assert reverse("bookings:detail", args=[existing.pk]) in content
    assert queries == [
        "SELECT programmes_session",
        "SELECT bookings_booking",  # the structure's active booking: the refusal, and the link
    ]


# --- The critical section ------------------------------------------------------------------------


def test_post_booking_holds_the_lock_for_the_count_and_the_writes_only(session, structure, coordinator):
    with CaptureQueriesContext(connection) as captured:
        services.booking_create(session=session, structure=structure, user=coordinator, group=group())

    statements = [query["sql"] for query in captured.captured_queries]
    locked_at = next(i for i, sql in enumerate(statements) if LOCK in sql)
    savepoint = statements[locked_at - 1].split()[1]
    released_at = statements.index(f"RELEASE SAVEPOINT {savepoint}")
    assert booking_queries(captured.captured_queries[locked_at + 1 : released_at]) == [
        "INSERT bookings_booking",
        "INSERT bookings_historicalbooking",
        "UPDATE programmes_session",
        "INSERT notifications_outboxmessage",
    ]


def test_post_too_few_seats_left_are_refused_with_the_seats_left(session, structure, coordinator):
    BookingFactory(session=session, participants=15, accompanying_staff=4)

    with pytest.raises(BookingError) as refused:
        services.booking_create(session=session, structure=structure, user=coordinator, group=group())

    assert (refused.value.code, refused.value.field) == ("no_seats", "participants")
    assert refused.value.message == gettext(
        "Only %(left)d seats are left in this session (participants and accompanying staff together). "
        "Make the group smaller, or join the waiting list."
    ) % {"left": 6}
    assert seats_taken(session) == 19


def test_post_seats_seen_stale_never_grant_seats(full_session, structure, coordinator):
    """The caller read the session when it had room (its read is older than the last booking): the
    seats read under the lock decide."""
    seen = Session.objects.get(pk=full_session.pk)
    seen.seats_taken = 0

    with pytest.raises(BookingError) as refused:
        services.booking_create(session=seen, structure=structure, user=coordinator, group=group())

    assert refused.value.code == "no_seats"
    assert seats_taken(full_session) == full_session.capacity
    assert Booking.objects.filter(session=full_session).count() == 1


def test_post_decides_on_the_structure_as_the_database_has_it_not_as_the_caller_read_it(
    session, structure, coordinator
):
    seen = Structure.objects.get(pk=structure.pk)  # as the page read it (or the cache kept it)
    Structure.objects.filter(pk=structure.pk).update(status=StructureStatus.SUSPENDED)
    outsider = MembershipFactory()

    with pytest.raises(BookingError) as suspended:
        services.booking_create(session=session, structure=seen, user=coordinator, group=group())
    with pytest.raises(BookingError) as not_mine:
        services.booking_create(
            session=session, structure=outsider.structure, user=coordinator, group=group()
        )

    assert seen.status == StructureStatus.ACTIVE
    assert suspended.value.code == "structure_inactive"
    assert not_mine.value.code == "not_coordinator"
    assert not Booking.objects.filter(session=session).exists()


def test_post_booking_email_is_queued_once_with_the_booking_links(session, structure, coordinator):
    booking = services.booking_create(session=session, structure=structure, user=coordinator, group=group())

    message = OutboxMessage.objects.get(booking=booking)
    assert message.dedupe_key == f"booking_confirmed:booking-{booking.pk}:user-{coordinator.pk}"
    assert message.context["booking_id"] == booking.pk
    assert message.context["booking_url"].endswith(reverse("bookings:detail", args=[booking.pk]))
    assert message.context["offer_title"] == session.offer.title
    assert (message.context["participants"], message.context["first_name"]) == (8, coordinator.first_name)
