"""Factories of the partners app: people, structures, memberships, invitations, training records."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from partners.enums import StructureKind, StructureStatus, TrainingModule, TrainingSource
from partners.models import MEDIATORS_GROUP, Invitation, Membership, Structure, TrainingRecord, User
from partners.validators import luhn_is_valid

PASSWORD = "Un-mot-de-passe-solide-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Martin{n}")
    email_verified = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


def make_mediator(**kwargs) -> User:
    """A user in the Mediators group."""
    user = UserFactory(**kwargs)
    group, _created = Group.objects.get_or_create(name=MEDIATORS_GROUP)
    user.groups.add(group)
    return user


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    name = factory.Sequence(lambda n: f"Centre social numéro {n}")
    kind = StructureKind.SOCIAL_CENTRE
    address = "12 rue de la République"
    postcode = "62300"
    city = "Lens"
    departement = "62"
    phone = "03 21 00 00 00"
    email = factory.Sequence(lambda n: f"structure{n}@exemple.fr")
    publics = "Familles du quartier"
    status = StructureStatus.ACTIVE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    structure = factory.SubFactory(StructureFactory)


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
