"""factory_boy factories for the domain: valid by default, every field overridable."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from bookings.enums import BookingStatus
from bookings.models import Booking, ProjectRequest
from bookings.services import session_seats_recount
from partners.enums import StructureKind, StructureStatus
from partners.models import Membership, Structure, User
from programmes.enums import Audience, ExhibitionKind, OfferKind, SessionStatus
from programmes.models import Exhibition, Offer, Project, Session

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


class ExhibitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Exhibition

    title = factory.Sequence(lambda n: f"Exposition {n}")
    slug = factory.Sequence(lambda n: f"exposition-{n}")
    kind = ExhibitionKind.TEMPORARY
    start_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=120))


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    title = factory.Sequence(lambda n: f"Visite découverte {n}")
    slug = factory.Sequence(lambda n: f"visite-decouverte-{n}")
    kind = OfferKind.GUIDED_VISIT
    audience = Audience.GROUP
    summary = "Une visite de la Galerie du temps avec un médiateur."
    description = "Une heure et demie pour découvrir les chefs-d'œuvre de la Galerie du temps."
    duration_minutes = 90
    min_group_size = 4
    max_group_size = 20
    participants_per_staff = None


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    offer = factory.SubFactory(OfferFactory)
    start = factory.LazyFunction(lambda: timezone.now().replace(microsecond=0) + dt.timedelta(days=14))
    end = factory.LazyAttribute(lambda o: o.start + dt.timedelta(minutes=90))
    place = "Hall d'accueil"
    capacity = 25
    booking_deadline = factory.LazyAttribute(lambda o: o.start - dt.timedelta(days=2))
    status = SessionStatus.PLANNED


class BookingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Booking

    session = factory.SubFactory(SessionFactory)
    structure = factory.SubFactory(StructureFactory)
    status = BookingStatus.CONFIRMED
    participants = 8
    accompanying_staff = 2
    contact_name = "Dominique Leroy"
    contact_phone = "06 00 00 00 00"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        booking = super()._create(model_class, *args, **kwargs)
        # Written without the services: the session's seats taken are counted again, as they keep them.
        session_seats_recount(session_ids=[booking.session_id])
        booking.session.refresh_from_db(fields=["seats_taken"])
        return booking


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Projet {n}")
    slug = factory.Sequence(lambda n: f"projet-{n}")
    description = "Un cycle de visites et d'ateliers."
    start_date = factory.LazyFunction(timezone.localdate)


class ProjectRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectRequest

    structure = factory.SubFactory(StructureFactory)
    kind = "cycle"
    wished_start = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=30))
    wished_end = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=90))
    participants = 10
    group_description = "Un groupe d'adultes en apprentissage du français."
    goals = "Découvrir l'écriture à travers les âges."
