"""History (django-simple-history): every change of a booking, a session or a structure is recorded,
with who made it and when, and shown in the admin."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from bookings.enums import BookingStatus
from tests.bookings.factories import BookingFactory
from tests.partners.factories import StructureFactory
from tests.programmes.factories import SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acting_as():
    """Make changes as `user` in a request, as HistoryRequestMiddleware does for every page."""

    def act(user):
        request = RequestFactory().post("/")
        request.user = user
        HistoricalRecords.context.request = request

    yield act
    if hasattr(HistoricalRecords.context, "request"):
        del HistoricalRecords.context.request


def change(instance, **fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.save()


@pytest.mark.parametrize(
    ("factory", "changes"),
    [
        (BookingFactory, [{"participants": 12}, {"status": BookingStatus.CANCELLED}]),
        (SessionFactory, [{"capacity": 30}, {"place": "Salle pédagogique"}]),
        (StructureFactory, [{"phone": "03 21 99 99 99"}, {"name": "Centre social renommé"}]),
    ],
    ids=["booking", "session", "structure"],
)
def test_each_change_is_recorded_with_who_what_and_when(acting_as, staff, coordinator, factory, changes):
    instance = factory()
    before = timezone.now()

    acting_as(coordinator)
    change(instance, **changes[0])
    acting_as(staff)
    change(instance, **changes[1])

    records = list(instance.history.order_by("history_date"))
    assert [r.history_type for r in records] == ["+", "~", "~"]
    first, second = records[1], records[2]
    assert (first.history_user, second.history_user) == (coordinator, staff)
    assert before <= first.history_date <= second.history_date <= timezone.now()
    first_diff = first.diff_against(records[0])
    assert [(c.field, c.new) for c in first_diff.changes] == list(changes[0].items())
    second_diff = second.diff_against(first)
    assert [(c.field, c.new) for c in second_diff.changes] == list(changes[1].items())


def test_deletion_is_recorded_too(acting_as, staff):
    structure = StructureFactory()
    structure_id = structure.pk

    acting_as(staff)
    structure.delete()

    record = StructureFactory._meta.model.history.filter(id=structure_id).latest("history_date")
    assert (record.history_type, record.history_user) == ("-", staff)


def test_a_change_made_through_a_page_records_the_staff_member(staff_client, staff):
    """Through a real request (the middleware): the erasure page changes a structure."""
    structure = StructureFactory()

    staff_client.post(reverse("dashboard:privacy_erase", args=[structure.pk]), {"confirm": "on"})

    record = structure.history.latest("history_date")
    assert (record.history_type, record.history_user) == ("~", staff)


@pytest.mark.parametrize(
    ("factory", "admin_name"),
    [
        (BookingFactory, "admin:bookings_booking_history"),
        (SessionFactory, "admin:programmes_session_history"),
        (StructureFactory, "admin:partners_structure_history"),
    ],
    ids=["booking", "session", "structure"],
)
def test_history_is_visible_in_the_admin(acting_as, staff_client, coordinator, factory, admin_name):
    instance = factory()
    acting_as(coordinator)
    instance.save()

    response = staff_client.get(reverse(admin_name, args=[instance.pk]))

    assert response.status_code == 200
    records = list(response.context["page_obj"].object_list)
    assert [(r.history_type, r.history_user) for r in records] == [("~", coordinator), ("+", None)]
    assert coordinator.email in response.content.decode()
