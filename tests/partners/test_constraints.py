"""The database constraints of the partners app reject bad data, and let the valid case through.

Writes go through `QuerySet.update()` or `create()`, which skip the forms' and models' validation:
what is tested here is the last line of defence, the database itself. tests/common/test_constraints.py
checks that every constraint of the models has its test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from partners.models import Invitation, Membership, TrainingRecord, User
from tests.constraints import accepted, rejected, update
from tests.partners.factories import StructureFactory, UserFactory

pytestmark = pytest.mark.django_db


def _invitation():
    return Invitation.objects.create(
        structure=StructureFactory(),
        email="collegue@exemple.fr",
        expires_at=timezone.now() + dt.timedelta(days=7),
    )


# Check constraints: (constraint, make a valid row, bad values, good values)
CHECKS = [
    (
        "structure_status_valid",
        StructureFactory,
        lambda o: {"status": "closed"},
        lambda o: {"status": "archived"},
    ),
    ("structure_kind_valid", StructureFactory, lambda o: {"kind": "zoo"}, lambda o: {"kind": "esat"}),
    (
        "structure_siret_14_digits",
        StructureFactory,
        lambda o: {"siret": "1234567890123A"},
        lambda o: {"siret": "12345678901234"},
    ),
    (
        "structure_postcode_5_digits",
        StructureFactory,
        lambda o: {"postcode": "6230"},
        lambda o: {"postcode": "59000"},
    ),
    (
        "invitation_expires_after_creation",
        _invitation,
        lambda o: {"expires_at": o.created_at},
        lambda o: {"expires_at": o.created_at + dt.timedelta(seconds=1)},
    ),
]


@pytest.mark.parametrize(("name", "make", "bad", "good"), CHECKS, ids=[check[0] for check in CHECKS])
def test_check_constraint_rejects_bad_data_and_accepts_good_data(name, make, bad, good):
    obj = make()

    assert rejected(update(obj, **bad(obj))), f"{name} let bad data through"
    assert accepted(update(obj, **good(obj))), f"{name} refused good data"


# Unique constraints (with conditions), each tested below
UNIQUE_TESTED = {
    "structure_unique_siret",
    "structure_unique_name_city",
    "membership_unique_user_structure",
    "training_unique_per_day",
}


def test_structure_unique_siret_rejects_a_second_structure_with_the_same_siret():
    StructureFactory(siret="12345678901234")

    assert rejected(lambda: StructureFactory(siret="12345678901234"))
    assert accepted(lambda: [StructureFactory(siret=""), StructureFactory(siret="")])


def test_structure_unique_name_city_rejects_the_same_name_in_the_same_city_whatever_the_case():
    StructureFactory(name="Centre social La Ruche", city="Harnes")

    assert rejected(lambda: StructureFactory(name="CENTRE SOCIAL LA RUCHE", city="harnes"))
    assert accepted(lambda: StructureFactory(name="Centre social La Ruche", city="Lens"))


def test_membership_unique_user_structure_rejects_a_second_membership():
    user, structure = UserFactory(), StructureFactory()
    Membership.objects.create(user=user, structure=structure)

    assert rejected(lambda: Membership.objects.create(user=user, structure=structure))
    assert accepted(lambda: Membership.objects.create(user=user, structure=StructureFactory()))


def test_training_unique_per_day_rejects_the_same_module_twice_the_same_day():
    user, day = UserFactory(), timezone.localdate()
    TrainingRecord.objects.create(user=user, module="abc", completed_on=day, source="staff")

    assert rejected(
        lambda: TrainingRecord.objects.create(user=user, module="abc", completed_on=day, source="staff")
    )
    assert accepted(
        lambda: TrainingRecord.objects.create(user=user, module="deepening", completed_on=day, source="staff")
    )


def test_user_email_duplicate_is_rejected_even_through_the_manager():
    User.objects.create_user(email="Camille@Exemple.fr", password="x")

    assert rejected(lambda: User.objects.create_user(email="camille@exemple.fr", password="x"))


# Unique fields
UNIQUE_FIELDS = [
    ("partners.User.email", lambda: UserFactory(email="a@exemple.fr"), lambda o: UserFactory(email=o.email)),
    (
        "partners.User.calendar_token",
        UserFactory,
        lambda o: UserFactory(calendar_token=o.calendar_token),
    ),
    (
        "partners.Invitation.token",
        _invitation,
        lambda o: Invitation.objects.create(
            structure=o.structure, email="b@exemple.fr", token=o.token, expires_at=o.expires_at
        ),
    ),
]


@pytest.mark.parametrize(("name", "make", "duplicate"), UNIQUE_FIELDS, ids=[u[0] for u in UNIQUE_FIELDS])
def test_unique_field_rejects_a_duplicate(name, make, duplicate):
    obj = make()

    assert rejected(lambda: duplicate(obj)), f"{name} accepted a duplicate"
