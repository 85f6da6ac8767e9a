"""The bad input the property tests found, kept as plain examples.

Fixed: an email address longer than the columns that keep it (254 characters; django-axes keeps
the attempted username in 255) passed the form and failed in the database with a 500.

Also fixed: dates at the end of the calendar and numbers beyond PostgreSQL's integers in the staff
dashboard and the season planning page overflowed (500); they are now refused at the field.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import OutboxMessage
from partners.models import Invitation, Membership, Structure, User
from programmes.models import Session
from tests.partners.factories import PASSWORD, MembershipFactory, StaffFactory
from tests.programmes.factories import OfferFactory

pytestmark = pytest.mark.django_db

# A valid address (labels of at most 63 characters) of 259 characters.
LONG_EMAIL = "a" * 64 + "@" + ("b" * 63 + ".") * 3 + "fr"


def test_long_email_is_valid_for_django_but_longer_than_the_columns():
    from django.core.validators import validate_email

    validate_email(LONG_EMAIL)  # raises if Django refused it: then these tests would prove nothing

    assert len(LONG_EMAIL) == 259


def test_login_with_an_address_too_long_is_refused_at_the_field(client):
    response = client.post(reverse("partners:login"), {"username": LONG_EMAIL, "password": PASSWORD})

    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert response.context["form"]["username"].value() == LONG_EMAIL


def test_registration_with_addresses_too_long_is_refused_at_the_fields(client):
    data = {
        "name": "Centre social des Provinces",
        "kind": "social_centre",
        "address": "1 rue de Lille",
        "postcode": "62300",
        "city": "Lens",
        "phone": "03 21 00 00 00",
        "email": LONG_EMAIL,
        "first_name": "Camille",
        "last_name": "Martin",
        "user_email": LONG_EMAIL,
        "password1": PASSWORD,
        "password2": PASSWORD,
    }

    response = client.post(reverse("partners:register"), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"email", "user_email"}
    assert (Structure.objects.count(), User.objects.count(), OutboxMessage.objects.count()) == (0, 0, 0)


def test_invitation_to_an_address_too_long_is_refused_at_the_field(client):
    coordinator = MembershipFactory().user
    client.force_login(coordinator)

    response = client.post(reverse("partners:invitation_new"), {"email": LONG_EMAIL})

    assert response.status_code == 200
    assert "email" in response.context["form"].errors
    assert Invitation.objects.count() == 0
    assert Membership.objects.count() == 1
    assert OutboxMessage.objects.count() == 0


def test_registration_with_an_address_of_254_characters_is_accepted(client):
    address = "a" * 59 + "@" + ("b" * 63 + ".") * 3 + "fr"
    data = {
        "name": "Centre social des Provinces",
        "kind": "social_centre",
        "address": "1 rue de Lille",
        "postcode": "62300",
        "city": "Lens",
        "phone": "03 21 00 00 00",
        "email": address,
        "first_name": "Camille",
        "last_name": "Martin",
        "user_email": address,
        "password1": PASSWORD,
        "password2": PASSWORD,
    }

    response = client.post(reverse("partners:register"), data)

    assert len(address) == 254
    assert response.status_code == 302
    assert User.objects.get().email == address


# --- Dates and numbers beyond what the dashboard and the season planning can hold ----------------


def test_dashboard_period_at_the_end_of_the_calendar_is_refused_at_the_field(client):
    client.raise_request_exception = False
    client.force_login(StaffFactory())

    response = client.get(reverse("dashboard:index"), {"date_from": "9999-01-01", "date_to": "9999-12-31"})

    assert response.status_code in {200, 400}


def test_season_plan_with_a_huge_booking_deadline_is_refused_at_the_field(client):
    client.raise_request_exception = False
    client.force_login(StaffFactory())
    offer = OfferFactory()
    data = {
        "offer": offer.pk,
        "date_from": "2030-01-01",
        "date_to": "2030-02-01",
        "weekdays": ["0", "2"],
        "start_times": "10:00",
        "place": "Hall",
        "capacity": "20",
        "booking_deadline_hours": "9" * 30,
    }

    response = client.post(reverse("admin:programmes_season_plan"), data)

    assert response.status_code == 200


def test_season_plan_at_the_end_of_the_calendar_is_refused_at_the_field(client):
    client.raise_request_exception = False
    client.force_login(StaffFactory())
    offer = OfferFactory()
    data = {
        "offer": offer.pk,
        "date_from": "9999-12-01",
        "date_to": "9999-12-31",
        "weekdays": ["0", "2"],
        "start_times": "10:00",
        "place": "Hall",
        "capacity": "20",
    }

    response = client.post(reverse("admin:programmes_season_plan"), data)

    assert response.status_code == 200


def test_season_plan_with_a_huge_capacity_is_refused_at_the_field(client):
    client.raise_request_exception = False
    client.force_login(StaffFactory())
    offer = OfferFactory()
    data = {
        "offer": offer.pk,
        "date_from": "2030-01-01",
        "date_to": "2030-01-03",
        "weekdays": ["0", "2", "3", "4"],
        "start_times": "10:00",
        "place": "Hall",
        "capacity": "9" * 12,
    }
    preview = client.post(reverse("admin:programmes_season_plan"), data)
    plan = preview.context["plan"]
    digest = plan.digest if plan is not None else ""

    response = client.post(
        reverse("admin:programmes_season_plan"), {**data, "plan_digest": digest, "create": "1"}
    )

    assert response.status_code == 200
    assert Session.objects.count() == 0
