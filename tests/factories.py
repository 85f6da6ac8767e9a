"""Transitional: re-exports the per-app factories (tests/<app>/factories.py) for the test folders
not switched yet (tests/bookings, tests/properties). New code imports from the app's factories."""

from tests.bookings.factories import BookingFactory, ProjectRequestFactory
from tests.partners.factories import (
    PASSWORD,
    MembershipFactory,
    StaffFactory,
    StructureFactory,
    UserFactory,
)
from tests.programmes.factories import ExhibitionFactory, OfferFactory, ProjectFactory, SessionFactory

__all__ = [
    "PASSWORD",
    "BookingFactory",
    "ExhibitionFactory",
    "MembershipFactory",
    "OfferFactory",
    "ProjectFactory",
    "ProjectRequestFactory",
    "SessionFactory",
    "StaffFactory",
    "StructureFactory",
    "UserFactory",
]
