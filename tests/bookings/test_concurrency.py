"""Capacity is never exceeded, whatever the concurrency (PostgreSQL, real threads and connections).

Each thread has its own database connection (Django connections are per thread) and its own
transaction. The control test runs the same race without the session lock, with a barrier right
after the decision on the seats, so that every thread reads the seats taken before any writes: every
thread decides there is room, which shows the first test proves something; the CHECK constraint
`seats_taken <= capacity` (the seats are added to the session's row) then refuses the extra ones.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from bookings import selectors, services
from bookings.enums import BookingStatus
from bookings.models import Booking
from bookings.services import BookingError
from bookings.services import booking as booking_insert
from programmes.models import Session
from tests.bookings.factories import BookingFactory
from tests.partners.factories import MembershipFactory
from tests.programmes.factories import OfferFactory, SessionFactory

from .conftest import group
from .seats import seats_taken

THREADS = 22
GROUP = {"participants": 4, "accompanying_staff": 1}  # 5 seats per booking

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


@pytest.fixture
def last_seats_session():
    """30 seats, 20 already taken: room for exactly two groups of 5."""
    session = SessionFactory(offer=OfferFactory(min_group_size=1, max_group_size=20), capacity=30)
    BookingFactory(session=session, participants=8, accompanying_staff=2)
    BookingFactory(session=session, participants=8, accompanying_staff=2)
    return session


def race(session_id: int, members: list, *, lock: bool) -> list[str]:
    """Fire one booking per member at the same instant; return each outcome ("ok" or the error code)."""
    start = threading.Barrier(len(members), timeout=30)
    outcomes: list[str] = []
    guard = threading.Lock()

    def attempt(membership) -> None:
        try:
            session = Session.objects.select_related("offer").get(pk=session_id)
            start.wait()
            services.booking_create(
                session=session,
                structure=membership.structure,
                user=membership.user,
                group=group(**GROUP),
                _lock=lock,
            )
            outcome = "ok"
        except BookingError as exc:
            outcome = exc.code
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            outcome = f"unexpected: {exc!r}"
        finally:
            connection.close()
        with guard:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def slow_decision(monkeypatch, *, barrier: threading.Barrier | None = None) -> list[bool]:
    """Widen the window between deciding on the seats and writing (test-only hook on the rule);
    returns the decisions, True for each group found to fit."""
    real = services.seats_blocker
    decisions: list[bool] = []

    def decided_then_wait(session, *, seats: int):
        refusal = real(session, seats=seats)
        decisions.append(refusal is None)
        if barrier is not None:
            barrier.wait()
        time.sleep(0.05)
        return refusal

    monkeypatch.setattr(booking_insert, "seats_blocker", decided_then_wait)  # where the insert asks it
    return decisions


def test_simultaneous_bookings_for_the_last_seats_never_exceed_capacity(last_seats_session, monkeypatch):
    members = [MembershipFactory() for _ in range(THREADS)]
    slow_decision(monkeypatch)

    outcomes = race(last_seats_session.pk, members, lock=True)
    monkeypatch.undo()

    assert len(outcomes) == THREADS
    assert sorted(outcomes) == sorted(["ok"] * 2 + ["no_seats"] * (THREADS - 2))
    assert seats_taken(last_seats_session) == 30
    assert Booking.objects.filter(session=last_seats_session, status=BookingStatus.CONFIRMED).count() == 4


def test_control_without_the_lock_every_thread_finds_room_and_the_check_constraint_refuses(
    last_seats_session, monkeypatch
):
    members = [MembershipFactory() for _ in range(THREADS)]
    decisions = slow_decision(monkeypatch, barrier=threading.Barrier(THREADS, timeout=30))

    outcomes = race(last_seats_session.pk, members, lock=False)
    monkeypatch.undo()

    assert decisions == [True] * THREADS  # 22 groups granted 10 seats: the race the lock prevents
    assert outcomes.count("ok") == 2
    refused = [outcome for outcome in outcomes if outcome != "ok"]
    assert len(refused) == THREADS - 2
    assert all("IntegrityError" in o and "session_seats_within_capacity" in o for o in refused), refused
    assert seats_taken(last_seats_session) == 30


def test_double_submit_racing_past_the_check_books_once(last_seats_session, monkeypatch):
    """Two submits of the same form, both past the 'already booked' check: the constraint keeps one."""
    first = MembershipFactory()
    twin = MembershipFactory.build(structure=first.structure, user=first.user)
    slow_decision(monkeypatch, barrier=threading.Barrier(2, timeout=30))

    outcomes = race(last_seats_session.pk, [first, twin], lock=False)

    assert sorted(outcomes) == ["already_booked", "ok"]
    assert Booking.objects.filter(session=last_seats_session, structure=first.structure).count() == 1


def test_double_submit_racing_past_the_check_with_the_lock_books_once_and_says_why(
    last_seats_session, monkeypatch
):
    """Both submits pass the check made before the lock; the lock serialises them, the constraint keeps
    one, and the second hears the same message as if it had come later."""
    first = MembershipFactory()
    twin = MembershipFactory.build(structure=first.structure, user=first.user)
    checked = threading.Barrier(2, timeout=30)
    waited: set[int] = set()
    real = selectors.active_booking_of

    def checked_then_wait(**kwargs):
        found = real(**kwargs)
        if threading.get_ident() not in waited:  # only the check before the lock, once per thread
            waited.add(threading.get_ident())
            checked.wait()
        return found

    monkeypatch.setattr(selectors, "active_booking_of", checked_then_wait)

    outcomes = race(last_seats_session.pk, [first, twin], lock=True)

    assert sorted(outcomes) == ["already_booked", "ok"]
    assert Booking.objects.filter(session=last_seats_session, structure=first.structure).count() == 1
    assert seats_taken(last_seats_session) == 25
