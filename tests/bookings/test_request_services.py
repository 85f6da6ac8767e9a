"""Project requests ("Pensez-y !"): request_create and request_answer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bookings import services
from bookings.enums import RequestKind, RequestStatus
from bookings.models import ProjectRequest
from bookings.services import BookingError
from notifications.models import OutboxMessage
from partners.enums import StructureStatus
from tests.bookings.factories import ProjectRequestFactory
from tests.partners.factories import MembershipFactory, StaffFactory
from tests.programmes.factories import ExhibitionFactory

pytestmark = pytest.mark.django_db


def ask(structure, user, **overrides):
    today = timezone.localdate()
    values = {
        "kind": RequestKind.CYCLE,
        "wished_start": today + dt.timedelta(days=30),
        "wished_end": today + dt.timedelta(days=90),
        "participants": 12,
        "group_description": "Adultes en apprentissage du français",
        "goals": "Découvrir l'écriture",
    }
    values.update(overrides)
    return services.request_create(structure=structure, user=user, **values)


def test_request_create_stores_it_and_tells_the_staff(structure, coordinator, settings):
    settings.STAFF_NOTIFICATION_EMAILS = ["a@louvrelens.example", "b@louvrelens.example"]
    exhibition = ExhibitionFactory()

    request = ask(structure, coordinator, exhibition=exhibition)

    assert request.status == RequestStatus.NEW
    assert (request.structure, request.created_by, request.exhibition) == (structure, coordinator, exhibition)
    assert sorted(OutboxMessage.objects.filter(template="request_received").values_list("to", flat=True)) == [
        "a@louvrelens.example",
        "b@louvrelens.example",
    ]


def test_request_create_refused_for_a_period_in_the_past(structure, coordinator):
    with pytest.raises(BookingError) as exc_info:
        ask(structure, coordinator, wished_start=timezone.localdate())

    assert (exc_info.value.code, exc_info.value.field) == ("period_past", "wished_start")
    assert not ProjectRequest.objects.exists()


def test_request_create_refused_when_the_period_ends_before_it_starts(structure, coordinator):
    today = timezone.localdate()
    with pytest.raises(BookingError) as exc_info:
        ask(
            structure,
            coordinator,
            wished_start=today + dt.timedelta(days=9),
            wished_end=today + dt.timedelta(days=8),
        )

    assert (exc_info.value.code, exc_info.value.field) == ("period_order", "wished_end")


def test_request_create_refused_for_a_structure_not_active(structure, coordinator):
    structure.status = StructureStatus.PENDING
    structure.save()

    with pytest.raises(BookingError) as exc_info:
        ask(structure, coordinator)

    assert exc_info.value.code == "structure_inactive"


def test_request_create_refused_to_someone_outside_the_structure(structure):
    with pytest.raises(BookingError) as exc_info:
        ask(structure, MembershipFactory().user)

    assert exc_info.value.code == "not_coordinator"


def test_request_answer_records_and_emails_every_coordinator(structure, coordinator):
    colleague = MembershipFactory(structure=structure).user
    request = ProjectRequestFactory(structure=structure)
    staff = StaffFactory()

    answered = services.request_answer(
        request=request, status=RequestStatus.ACCEPTED, answer="  Avec plaisir !  ", answered_by=staff
    )

    assert (answered.status, answered.answer, answered.answered_by) == (
        RequestStatus.ACCEPTED,
        "Avec plaisir !",
        staff,
    )
    assert answered.answered_at is not None
    messages = OutboxMessage.objects.filter(template="request_answered")
    assert sorted(messages.values_list("to", flat=True)) == sorted([coordinator.email, colleague.email])
    assert messages.first().context["answer"] == "Avec plaisir !"


def test_request_answer_refused_without_an_answer(structure):
    request = ProjectRequestFactory(structure=structure)

    with pytest.raises(BookingError) as exc_info:
        services.request_answer(
            request=request, status=RequestStatus.DECLINED, answer=" ", answered_by=StaffFactory()
        )

    assert exc_info.value.code == "answer_missing"


def test_request_answer_refused_with_the_status_new(structure):
    request = ProjectRequestFactory(structure=structure)

    with pytest.raises(BookingError) as exc_info:
        services.request_answer(
            request=request, status=RequestStatus.NEW, answer="Oui", answered_by=StaffFactory()
        )

    assert exc_info.value.code == "status_invalid"
    assert OutboxMessage.objects.count() == 0
