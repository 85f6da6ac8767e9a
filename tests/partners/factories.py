"""Factories and helpers of the partners' tests (the shared ones live in tests/factories.py)."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from partners.enums import TrainingModule, TrainingSource
from partners.models import Invitation, TrainingRecord
from partners.validators import luhn_is_valid
from tests.factories import StructureFactory, UserFactory


def make_siret(prefix: str) -> str:
    """A valid SIRET starting with `prefix` (13 digits): the last digit is the Luhn key."""
    assert len(prefix) == 13
    return next(prefix + str(d) for d in range(10) if luhn_is_valid(prefix + str(d)))


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    structure = factory.SubFactory(StructureFactory)
    email = factory.Sequence(lambda n: f"collegue{n}@exemple.fr")
    invited_by = factory.SubFactory(UserFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))


class TrainingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRecord

    user = factory.SubFactory(UserFactory)
    module = TrainingModule.ABC
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    source = TrainingSource.STAFF
