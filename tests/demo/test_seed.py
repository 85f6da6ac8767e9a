"""`manage.py seed_demo`: the demo programme, idempotent, with its three demo accounts.

The demo is seeded once for the module (it goes through the services: a few seconds); the tests
that run the seed from an empty database are in `test_seed_runs.py`.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone

from bookings.enums import SEATED_STATUSES, BookingStatus, RequestStatus
from bookings.models import Booking, ProjectRequest
from demo.data import DEMO_PASSWORD, SUSPENSION_REASON
from notifications.models import OutboxMessage
from partners.enums import KIND_FIELD, StructureField, StructureStatus, TrainingModule
from partners.models import MEDIATORS_GROUP, Invitation, Membership, Structure, TrainingRecord, User
from programmes.enums import OfferKind, SessionStatus
from programmes.models import Assignment, MediatorUnavailability, Offer, Project, Session
from programmes.services import mediator_conflict

pytestmark = pytest.mark.django_db

LOGINS = ["equipe@louvrelens.example", "mediatrice@louvrelens.example", "relais@louvrelens.example"]


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo, seeded once for the module inside a transaction rolled back at its end (each test
    runs in a savepoint of it), so that the other test modules never see it. Returns its output."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed(force=True)
        transaction.set_rollback(True)


def test_seed_demo_twice_creates_nothing_twice(seeded):
    first = counts()

    output = seed(force=True)

    assert counts() == first
    assert "nothing new to create" in output


def test_seed_demo_a_week_later_creates_nothing_twice(seeded, monkeypatch):
    first = counts()
    later = timezone.now() + dt.timedelta(days=8)
    monkeypatch.setattr(timezone, "now", lambda: later)

    seed(force=True)

    assert counts() == first


def test_seed_demo_prints_the_three_logins_and_the_password(seeded):
    for login in LOGINS:
        assert login in seeded
    assert DEMO_PASSWORD in seeded


@pytest.mark.parametrize("email", LOGINS)
def test_seed_demo_accounts_can_log_in(seeded, client, email):
    response = client.post(reverse("partners:login"), {"username": email, "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == User.objects.get(email=email).pk


def test_seed_demo_accounts_have_their_roles(seeded):
    staff, mediator, coordinator = (User.objects.get(email=email) for email in LOGINS)

    assert (staff.is_staff, staff.is_superuser) == (True, True)
    assert mediator.groups.filter(name=MEDIATORS_GROUP).exists()
    assert not mediator.is_staff
    assert coordinator.memberships.get().structure.status == StructureStatus.ACTIVE
    assert TrainingRecord.objects.filter(user=coordinator, module=TrainingModule.ABC).exists()


def test_seed_demo_other_people_cannot_log_in_with_a_password(seeded):
    others = User.objects.exclude(email__in=LOGINS)

    assert others.count() > 40
    assert not any(user.has_usable_password() for user in others)


def test_seed_demo_has_every_offer_kind(seeded):
    kinds = set(Offer.objects.values_list("kind", flat=True))

    assert kinds == set(OfferKind.values)
    assert Offer.objects.filter(kind=OfferKind.GUIDED_VISIT).count() >= 4
    autonomous = Offer.objects.get(kind=OfferKind.AUTONOMOUS_VISIT)
    assert autonomous.requires_abc_training is True
    assert Offer.objects.get(kind=OfferKind.ABC).duration_minutes == 90


def test_seed_demo_has_about_forty_structures_of_the_three_fields(seeded):
    structures = list(Structure.objects.all())
    statuses = [s.status for s in structures]

    assert 38 <= len(structures) <= 45
    assert {KIND_FIELD[s.kind] for s in structures} == set(StructureField)
    assert statuses.count(StructureStatus.PENDING) >= 2
    assert statuses.count(StructureStatus.SUSPENDED) == 1
    assert statuses.count(StructureStatus.ACTIVE) > 30
    assert {s.departement for s in structures} == {"62", "59"}
    assert all(s.memberships.exists() for s in structures)


def test_seed_demo_has_the_projects_with_their_partners(seeded):
    babel = Project.objects.get(slug="tour-de-babel")
    depart = Project.objects.get(slug="dep-art")

    assert [s.name for s in babel.partners.all()] == ["CADA Lens-Liévin"]
    assert babel.exhibition.title == "L'Histoire commence en Mésopotamie"
    assert (babel.patron, babel.start_date.year) == ("Fondation Total", 2016)
    assert [s.name for s in depart.partners.all()] == ["Agence France Travail de Lens"]
    assert depart.sessions.filter(start__gt=timezone.now()).exists()
    assert depart.sessions.filter(start__lt=timezone.now()).exists()


def test_seed_demo_calendar_has_no_tuesday_and_spans_past_and_future(seeded):
    now = timezone.now()
    weekdays = {
        timezone.localtime(start).weekday() for start in Session.objects.values_list("start", flat=True)
    }

    assert 1 not in weekdays  # the museum is closed on Tuesdays
    assert Session.objects.filter(start__gt=now, start__lt=now + dt.timedelta(days=125)).count() > 40
    assert Session.objects.filter(start__lt=now, start__gt=now - dt.timedelta(days=370)).count() > 100
    assert Session.objects.filter(start__gt=now, assignments__isnull=False).exists()
    assert Session.objects.filter(start__gt=now, assignments__isnull=True).exists()


def test_seed_demo_sessions_are_never_overbooked(seeded):
    over = [
        session.pk
        for session in Session.objects.annotate(
            taken=Sum(
                F("bookings__participants") + F("bookings__accompanying_staff"),
                filter=Q(bookings__status__in=SEATED_STATUSES),
            )
        )
        if (session.taken or 0) > session.capacity
    ]

    assert over == []


def test_seed_demo_past_bookings_have_attendance_and_future_ones_are_confirmed(seeded):
    now = timezone.now()
    past = Booking.objects.filter(session__start__lt=now)
    future = Booking.objects.filter(session__start__gt=now)

    assert past.filter(status=BookingStatus.ATTENDED, present_participants__gte=1).count() > 100
    assert past.filter(status=BookingStatus.ABSENT).exists()
    assert not past.filter(status__in=[BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]).exists()
    assert not past.filter(status=BookingStatus.ATTENDED, present_participants__gt=F("participants")).exists()
    assert future.filter(status=BookingStatus.CONFIRMED).count() > 20
    assert not future.filter(status__in=[BookingStatus.ATTENDED, BookingStatus.ABSENT]).exists()


def test_seed_demo_has_a_full_session_with_a_waiting_list(seeded):
    waiting = Booking.objects.get(status=BookingStatus.WAITLISTED)
    session = waiting.session
    seated = session.bookings.filter(status=BookingStatus.CONFIRMED).aggregate(
        seats=Sum(F("participants") + F("accompanying_staff"))
    )["seats"]

    assert session.start > timezone.now()
    assert seated == session.capacity
    assert waiting.structure.memberships.filter(user__email="relais@louvrelens.example").exists()


def test_seed_demo_cancelled_sessions_have_no_active_booking(seeded):
    cancelled = Session.objects.filter(status=SessionStatus.CANCELLED)

    assert cancelled.exists()
    assert not Booking.objects.filter(
        session__in=cancelled, status__in=[BookingStatus.CONFIRMED, BookingStatus.ATTENDED]
    ).exists()


def test_seed_demo_has_requests_in_every_status(seeded):
    assert set(ProjectRequest.objects.values_list("status", flat=True)) == set(RequestStatus.values)


def test_seed_demo_leaves_none_of_its_emails_in_the_outbox(seeded):
    assert OutboxMessage.objects.count() == 0


def test_seed_demo_structures_are_registered_then_approved_long_ago(seeded):
    now = timezone.now()
    structures = Structure.objects.all()

    assert not structures.filter(status=StructureStatus.PENDING, approved_at__isnull=False).exists()
    decided = structures.exclude(status=StructureStatus.PENDING)
    assert decided.filter(approved_at__lte=now - dt.timedelta(days=60)).count() == decided.count()
    assert structures.get(status=StructureStatus.SUSPENDED).status_reason == SUSPENSION_REASON


def test_seed_demo_other_coordinators_joined_by_invitation(seeded):
    joined = Invitation.objects.filter(accepted_at__isnull=False)

    assert joined.count() == Membership.objects.count() - Structure.objects.count() > 5
    for invitation in joined:
        members = Membership.objects.filter(structure=invitation.structure)
        assert members.filter(user=invitation.invited_by).exists()
        assert members.filter(user__email=invitation.email).exists()
    pending = Invitation.objects.get(accepted_at__isnull=True)
    assert (pending.email, pending.invited_by.email) == ("nouvelle.collegue@exemple.fr", LOGINS[2])


def test_seed_demo_mediators_to_come_lead_one_session_at_a_time_and_not_when_away(seeded):
    assignments = Assignment.objects.filter(
        session__start__gt=timezone.now(), session__status=SessionStatus.PLANNED
    ).select_related("session", "mediator")

    assert assignments.count() > 20
    conflicts = [
        mediator_conflict(
            mediator=a.mediator, start=a.session.start, end=a.session.end, exclude_session_id=a.session_id
        )
        for a in assignments
    ]
    assert conflicts == [None] * len(conflicts)
    assert MediatorUnavailability.objects.filter(mediator__email=LOGINS[1]).count() == 1


def test_seed_demo_bookings_to_come_were_made_before_their_booking_deadline(seeded):
    future = Booking.objects.filter(session__start__gt=timezone.now())

    assert future.count() > 20
    assert not future.filter(created_at__gte=F("session__booking_deadline")).exists()


def test_seed_demo_requests_to_come_are_answered_by_staff(seeded):
    answered = ProjectRequest.objects.exclude(status=RequestStatus.NEW)

    assert {r.answered_by.email for r in answered} == {LOGINS[0]}
    assert all(r.answer and r.answered_at for r in answered)
    assert ProjectRequest.objects.get(status=RequestStatus.NEW).answer == ""
