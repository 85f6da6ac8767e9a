"""Random sequences of booking operations keep the booking invariants (hypothesis, stateful).

Each example starts from a clean state: the machine opens a savepoint when it starts and rolls
back to it when it ends, inside the test's transaction. Time passing is what it does to the rows:
a live offer of freed seats gets an expiry in the past (the services read `timezone.now()`).

Invariants, read from the database after every step:
- the seats taken kept on each session (`Session.seats_taken`) are the seats its bookings hold,
  counted again here from the rows: the seated bookings, and the waiting groups offered freed seats
  whose offer has not been taken back (an offer that ran out keeps its seats until a write takes it
  back: the periodic task, or a change that offers seats in the session); and they never exceed the
  capacity;
- at most one active booking per structure and session (per relais for relais offers);
- the waiting list is served in order: the services' rule is "offer the seats left to the waiting
  groups, in the order they joined, while they fit" (a group that does not fit is skipped). So,
  when no stale offer waits for the periodic task, no waiting group without an offer fits in the
  seats left; and a group offered seats in a step had no earlier waiting group, still without
  an offer, that fitted in the seats left when its turn came;
- every change is notified once: the outbox holds exactly one message per (event, booking,
  recipient) the step made, the recipients being every coordinator of the structure (the relais
  attending, for a relais offer); each confirmed booking has its confirmation, each cancelled one its
  cancellation; a rejected operation (BookingError) changes no row and queues no message.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from bookings import services
from bookings.enums import ACTIVE_STATUSES, SEATED_STATUSES, BookingStatus
from bookings.models import Booking
from bookings.services import BookingError
from bookings.sessions import session_update
from notifications.models import OutboxMessage
from partners.models import MEDIATORS_GROUP
from programmes.enums import Audience, OfferKind
from programmes.models import Assignment, Session
from programmes.services import ProgrammeError
from tests.partners.factories import MembershipFactory, StructureFactory, UserFactory
from tests.programmes.factories import OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db

WAITING = BookingStatus.WAITLISTED
BOOKING_TEMPLATES = (
    "booking_confirmed",
    "booking_changed",
    "booking_cancelled",
    "waitlist_joined",
    "waitlist_offer",
    "waitlist_offer_expired",
    "mediator_booking_changed",
)
CONTACT = {"contact_name": "Dominique Leroy", "contact_phone": "06 00 00 00 00"}
BOOKING_PICK = st.integers(min_value=0, max_value=10_000)
WIDE = st.booleans()
ACTOR = st.integers(min_value=0, max_value=7)
SESSION = st.integers(min_value=0, max_value=2)
# Mostly small groups (several fit in a session), sometimes one too large for the offer (max 10).
PARTICIPANTS = st.one_of(st.integers(min_value=1, max_value=5), st.integers(min_value=1, max_value=11))
STAFF = st.integers(min_value=0, max_value=2)
# Who acts on a booking: whoever made it, a colleague of the same structure, someone of another.
ACTING = st.sampled_from(["owner", "owner", "colleague", "outsider"])


def _order(booking: Booking) -> tuple:
    return (booking.created_at, booking.pk)


class BookingMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.savepoint = transaction.savepoint()
        self.ready = False
        self.expected: Counter = Counter()
        self.ever_confirmed: set[int] = set()
        self.cancelled_after_confirmed: set[int] = set()

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    # --- The world ----------------------------------------------------------------------------

    @initialize(
        far_capacity=st.integers(min_value=6, max_value=14),
        soon_capacity=st.integers(min_value=4, max_value=14),
        relais_capacity=st.integers(min_value=1, max_value=3),
        opening=st.lists(st.tuples(ACTOR, SESSION, PARTICIPANTS, STAFF), min_size=2, max_size=12),
    )
    def world(
        self, far_capacity: int, soon_capacity: int, relais_capacity: int, opening: list[tuple]
    ) -> None:
        """Three sessions and six structures; the first requests come in (so that every example
        starts with bookings and, often, a waiting list)."""
        now = timezone.now().replace(microsecond=0)
        visit = OfferFactory(min_group_size=1, max_group_size=10, participants_per_staff=6)
        workshop = OfferFactory(
            kind=OfferKind.WORKSHOP, min_group_size=1, max_group_size=10, cancellation_deadline_hours=0
        )
        abc = OfferFactory(kind=OfferKind.ABC, audience=Audience.RELAIS, min_group_size=1, max_group_size=1)
        self.far = SessionFactory(offer=visit, capacity=far_capacity)
        # Starts in three hours: the mediators hear of every change; offers expire at its start.
        soon_start = now + dt.timedelta(hours=3)
        self.soon = SessionFactory(
            offer=workshop,
            capacity=soon_capacity,
            start=soon_start,
            end=soon_start + dt.timedelta(minutes=90),
            booking_deadline=soon_start - dt.timedelta(hours=1),
        )
        self.relais = SessionFactory(offer=abc, capacity=relais_capacity)
        self.sessions = [self.far, self.soon, self.relais]
        mediator = UserFactory()
        mediator.groups.add(Group.objects.get_or_create(name=MEDIATORS_GROUP)[0])
        Assignment.objects.create(session=self.soon, mediator=mediator)
        self.mediators = [mediator]

        structures = [StructureFactory() for _ in range(6)]
        a1 = MembershipFactory(structure=structures[0]).user
        a2 = MembershipFactory(structure=structures[0]).user
        others = [MembershipFactory(structure=s).user for s in structures[1:]]
        self.coordinators = {
            structures[0].pk: [a1, a2],
            **{s.pk: [u] for s, u in zip(structures[1:], others, strict=True)},
        }
        self.structures = {s.pk: s for s in structures}
        # (user, structure): the coordinators, and one who is not a member of the structure.
        self.actors = [(a1, structures[0]), (a2, structures[0])] + list(
            zip(others, structures[1:], strict=True)
        )
        self.actors.append((others[0], structures[0]))
        self.outsider = UserFactory()
        self.ready = True
        for actor, session, participants, staff in opening:
            self.book(actor=actor, session=session, participants=participants, staff=staff, wait_if_full=True)

    # --- Running a step -----------------------------------------------------------------------

    def _snapshot(self) -> dict:
        rows = Booking.objects.order_by("pk").values_list(
            "pk", "status", "waitlist_offer_expires_at", "participants", "accompanying_staff"
        )
        capacities = tuple(Session.objects.order_by("pk").values_list("pk", "capacity", "seats_taken"))
        return {"bookings": {pk: rest for pk, *rest in rows}, "capacities": capacities}

    def _run(self, label: str, action, *, leaving: int | None = None):
        """Run one operation; on a BookingError check that nothing changed; else check the notices.

        `leaving`: the booking the operation takes off the waiting list on purpose (no expiry notice).
        """
        before = self._snapshot()
        messages_before = OutboxMessage.objects.count()
        try:
            result = action()
        except (BookingError, ProgrammeError) as exc:
            event(f"{label} rejected: {getattr(exc, 'code', 'programme')}")
            assert self._snapshot() == before, "a rejected operation changed the data"
            assert OutboxMessage.objects.count() == messages_before, "a rejected operation queued an email"
            return None
        after = self._snapshot()
        new_offers = set()
        for pk, (status, expires, *_sizes) in after["bookings"].items():
            previous = before["bookings"].get(pk)
            if status == BookingStatus.CONFIRMED:
                self.ever_confirmed.add(pk)
            if status == WAITING and expires is not None and (previous is None or previous[1] is None):
                new_offers.add(pk)
                self._expect("waitlist_offer", pk)
            if previous is None:
                continue
            if previous[0] == BookingStatus.CONFIRMED and status == BookingStatus.CANCELLED:
                self.cancelled_after_confirmed.add(pk)
            if (
                previous[0] == WAITING
                and previous[1] is not None
                and status == BookingStatus.CANCELLED
                and pk != leaving
            ):
                self._expect("waitlist_offer_expired", pk)
        self._check_waiting_list_order(new_offers)
        event(f"{label} done")
        if new_offers:
            event("seats offered to the waiting list")
        return result if result is not None else True

    def _recipients(self, booking: Booking) -> list[str]:
        """Who hears of a booking: the relais attending, else every coordinator of the structure."""
        if booking.attendee_id is not None:
            return [booking.attendee.email]
        return [user.email for user in self.coordinators[booking.structure_id]]

    def _expect(self, template: str, booking_pk: int) -> None:
        booking = Booking.objects.select_related("attendee").get(pk=booking_pk)
        for email in self._recipients(booking):
            self.expected[(template, booking_pk, email)] += 1

    def _expect_mediators(self, booking: Booking) -> None:
        if booking.session_id == self.soon.pk:
            for mediator in self.mediators:
                self.expected[("mediator_booking_changed", booking.pk, mediator.email)] += 1

    def _pick(self, pick: int, wide: bool, **likely) -> Booking | None:
        """A booking: one matching `likely` (the useful case), or when `wide` any booking at all."""
        bookings = Booking.objects.select_related("session__offer", "structure", "booked_by").order_by("pk")
        if not wide:
            bookings = bookings.filter(**likely)
        found = list(bookings)
        return found[pick % len(found)] if found else None

    def _acting(self, booking: Booking, acting: str):
        team = self.coordinators[booking.structure_id]
        if acting == "owner":
            return booking.booked_by
        if acting == "colleague":
            return team[-1] if team[-1] != booking.booked_by else team[0]
        return self.outsider

    # --- Rules --------------------------------------------------------------------------------

    def _insert(self, service, *, actor: int, session: int, participants: int, staff: int):
        user, structure = self.actors[actor]
        target = self.sessions[session]
        per_person = target.offer.is_per_person
        return self._run(
            service.__name__,
            lambda: service(
                session=target,
                structure=structure,
                user=user,
                group=services.Group(
                    participants=1 if per_person else participants,
                    accompanying_staff=0 if per_person else staff,
                    **CONTACT,
                ),
            ),
        )

    @rule(
        actor=ACTOR,
        session=SESSION,
        participants=PARTICIPANTS,
        staff=STAFF,
        wait_if_full=st.booleans(),
    )
    def book(self, actor: int, session: int, participants: int, staff: int, wait_if_full: bool) -> None:
        """Book; when the seats are missing, join the waiting list as the page then proposes."""
        sizes = {"actor": actor, "session": session, "participants": participants, "staff": staff}
        booking = self._insert(services.booking_create, **sizes)
        if booking is not None:
            self._expect("booking_confirmed", booking.pk)
            self._expect_mediators(booking)
            return
        left = Session.objects.get(pk=self.sessions[session].pk).seats_left  # as the page reads it
        if wait_if_full and participants + staff > left:
            booking = self._insert(services.waitlist_join, **sizes)
            if booking is not None:
                self._expect("waitlist_joined", booking.pk)

    @rule(
        pick=BOOKING_PICK,
        wide=WIDE,
        acting=ACTING,
        participants=PARTICIPANTS,
        staff=STAFF,
    )
    def change(self, pick: int, wide: bool, acting: str, participants: int, staff: int) -> None:
        booking = self._pick(pick, wide, status=BookingStatus.CONFIRMED)
        if booking is None:
            return
        if booking.session.offer.is_per_person:
            participants, staff = 1, 0
        done = self._run(
            "change",
            lambda: services.booking_change(
                booking=booking,
                user=self._acting(booking, acting),
                group=dataclasses.replace(
                    services.Group.of(booking), participants=participants, accompanying_staff=staff
                ),
            ),
        )
        if done is not None:
            self._expect("booking_changed", booking.pk)
            self._expect_mediators(booking)

    @rule(pick=BOOKING_PICK, wide=WIDE, acting=ACTING, where_groups_wait=st.booleans())
    def cancel(self, pick: int, wide: bool, acting: str, where_groups_wait: bool) -> None:
        """Cancel a booking (with `where_groups_wait`: a seated one in a session with a waiting list)."""
        likely = {"status__in": ACTIVE_STATUSES}
        if where_groups_wait:
            waited = Booking.objects.filter(status=WAITING, waitlist_offer_expires_at__isnull=True)
            likely = {"status": BookingStatus.CONFIRMED, "session__in": waited.values("session")}
        booking = self._pick(pick, wide, **likely)
        if booking is None:
            return
        was_confirmed = booking.status == BookingStatus.CONFIRMED
        done = self._run(
            "cancel",
            lambda: services.booking_cancel(booking=booking, user=self._acting(booking, acting)),
            leaving=booking.pk,
        )
        if done is not None and was_confirmed:
            self._expect("booking_cancelled", booking.pk)
            self._expect_mediators(booking)

    @rule(pick=BOOKING_PICK, wide=WIDE, acting=ACTING)
    def leave_waiting_list(self, pick: int, wide: bool, acting: str) -> None:
        booking = self._pick(pick, wide, status=WAITING)
        if booking is None:
            return
        self._run(
            "leave",
            lambda: services.waitlist_leave(booking=booking, user=self._acting(booking, acting)),
            leaving=booking.pk,
        )

    @rule(pick=BOOKING_PICK, wide=WIDE, acting=ACTING)
    def confirm_offer(self, pick: int, wide: bool, acting: str) -> None:
        booking = self._pick(pick, wide, status=WAITING, waitlist_offer_expires_at__isnull=False)
        if booking is None:
            return
        done = self._run(
            "confirm", lambda: services.waitlist_confirm(booking=booking, user=self._acting(booking, acting))
        )
        if done is not None:
            self._expect("booking_confirmed", booking.pk)
            self._expect_mediators(booking)

    @rule(session=SESSION, capacity=st.integers(min_value=0, max_value=16))
    def change_capacity(self, session: int, capacity: int) -> None:
        """Staff change the capacity in the session's admin form (`session_update`, whose new seats are
        offered after commit)."""
        target = Session.objects.get(pk=self.sessions[session].pk)

        def update():
            with TestCase.captureOnCommitCallbacks(execute=True):
                return session_update(
                    session=target, start=target.start, end=target.end, place=target.place, capacity=capacity
                )

        self._run("session_update", update)

    @rule(session=st.integers(min_value=0, max_value=3), then_expire=st.booleans())
    def time_passes(self, session: int, then_expire: bool) -> None:
        """The offers' time runs out (in one session, or in all when `session` is 3); then, maybe,
        the periodic task passes the expired offers to the next groups."""
        now = timezone.now()
        live = Booking.objects.filter(status=WAITING, waitlist_offer_expires_at__gt=now)
        if session < len(self.sessions):
            live = live.filter(session=self.sessions[session])
        live.update(waitlist_offer_expires_at=now - dt.timedelta(seconds=1))
        if then_expire:
            self._run("expire", services.waitlist_expire_offers)

    # --- Invariants ---------------------------------------------------------------------------

    def _seats(self, session: Session) -> tuple[list[Booking], int, int]:
        """The session's bookings, the seats they hold (counted here), and the seats left."""
        rows = list(Booking.objects.filter(session=session).select_related("booked_by", "attendee"))
        taken = sum(
            b.seats
            for b in rows
            if b.status in SEATED_STATUSES
            or (b.status == WAITING and b.waitlist_offer_expires_at is not None)
        )
        return rows, taken, session.capacity - taken

    def _check_waiting_list_order(self, new_offers: set[int]) -> None:
        now = timezone.now()
        for session in Session.objects.filter(pk__in=[s.pk for s in self.sessions]):
            rows, _taken, left = self._seats(session)
            waiting = sorted(
                (b for b in rows if b.status == WAITING and not b.waitlist_offer_expires_at), key=_order
            )
            stale = [
                b
                for b in rows
                if b.status == WAITING and b.waitlist_offer_expires_at and b.waitlist_offer_expires_at <= now
            ]
            if session.booking_deadline > now and not stale:
                for group in waiting:
                    assert group.seats > left, (
                        f"waiting group {group.pk} ({group.seats} seats) fits in the {left} seats left "
                        "but was not offered them"
                    )
            offered = sorted((b for b in rows if b.pk in new_offers), key=_order)
            for index, group in enumerate(offered):
                left_then = left + sum(b.seats for b in offered[index:])
                for earlier in waiting:
                    if _order(earlier) < _order(group):
                        assert earlier.seats > left_then, (
                            f"group {group.pk} was offered seats before group {earlier.pk}, which waited "
                            f"longer and fitted in the {left_then} seats left"
                        )

    @invariant()
    def seats_kept_are_the_seats_counted_and_never_over_capacity(self) -> None:
        if not self.ready:
            return
        for session in Session.objects.filter(pk__in=[s.pk for s in self.sessions]):
            _rows, taken, _left = self._seats(session)
            assert session.seats_taken == taken, (
                f"the session keeps {session.seats_taken} seats taken, its bookings hold {taken}"
            )
            assert taken <= session.capacity, f"{taken} seats taken in a session of {session.capacity}"

    @invariant()
    def one_active_booking_per_structure_and_relais(self) -> None:
        if not self.ready:
            return
        active = list(Booking.objects.filter(status__in=ACTIVE_STATUSES).select_related("session__offer"))
        groups = Counter((b.session_id, b.structure_id) for b in active if not b.session.offer.is_per_person)
        relais = Counter((b.session_id, b.attendee_id) for b in active if b.session.offer.is_per_person)
        assert all(count == 1 for count in groups.values()), groups
        assert all(count == 1 for count in relais.values()), relais
        for booking in Booking.objects.select_related("session__offer"):
            if booking.session.offer.is_per_person:
                assert booking.attendee_id == booking.booked_by_id
                assert (booking.participants, booking.accompanying_staff) == (1, 0)
            else:
                assert booking.attendee_id is None
            # A cancelled group keeps the expiry of the offer it had (history); a seated one has none.
            if booking.status in SEATED_STATUSES:
                assert booking.waitlist_offer_expires_at is None

    @invariant()
    def every_change_notified_once(self) -> None:
        if not self.ready:
            return
        # The mediators' notices name the booking in their context (they are about the session).
        actual = Counter(
            (template, booking_id or context.get("booking_id"), to)
            for template, booking_id, to, context in OutboxMessage.objects.filter(
                template__in=BOOKING_TEMPLATES
            ).values_list("template", "booking_id", "to", "context")
        )
        assert actual == self.expected, (
            f"missing: {dict(self.expected - actual)}, unexpected: {dict(actual - self.expected)}"
        )
        confirmations = Counter(
            OutboxMessage.objects.filter(template="booking_confirmed").values_list("booking_id", "to")
        )
        cancellations = Counter(
            OutboxMessage.objects.filter(template="booking_cancelled").values_list("booking_id", "to")
        )
        for booking in Booking.objects.filter(status=BookingStatus.CONFIRMED).select_related("attendee"):
            for email in self._recipients(booking):
                count = confirmations[(booking.pk, email)]
                assert count == 1, f"confirmed booking {booking.pk} has {count} confirmations to {email}"
        for booking in Booking.objects.filter(pk__in=self.cancelled_after_confirmed).select_related(
            "attendee"
        ):
            for email in self._recipients(booking):
                count = cancellations[(booking.pk, email)]
                assert count == 1, f"cancelled booking {booking.pk} has {count} cancellations to {email}"
        assert {pk for pk, _to in confirmations} <= self.ever_confirmed


def test_booking_operations_keep_the_invariants():
    run_state_machine_as_test(
        BookingMachine,
        settings=settings(
            max_examples=60,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
