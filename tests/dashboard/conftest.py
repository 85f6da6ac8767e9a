"""Fixtures of the staff dashboard's tests: a small programme whose 2025 figures are known by hand
(staff, coordinators and mediators come from tests/conftest.py)."""

from __future__ import annotations

import pytest

from bookings.enums import BookingStatus
from partners.enums import StructureKind
from programmes.enums import OfferKind
from tests.bookings.factories import BookingFactory
from tests.partners.factories import StructureFactory
from tests.programmes.factories import OfferFactory, local, session_at

YEAR_2025 = {"date_from": "2025-01-01", "date_to": "2025-12-31"}


@pytest.fixture
def programme_2025():
    """A small programme whose figures for 2025 are computed by hand in the tests.

    2025: the CADA (social) came twice (9 and 7 people), the ESAT (health) twice (6 and 5), the
    France Travail agency (insertion) was absent once and cancelled once.
    People accompanied in 2025: 9 + 6 + 7 + 5 = 27; March 22, June 5. Visits 20, workshop 7.
    Attendance recorded 5 times, 1 absence: no-show rate 20 %.
    """
    cada = StructureFactory(name="CADA de Liévin", kind=StructureKind.CADA)
    esat = StructureFactory(name="ESAT des Deux Rives", kind=StructureKind.ESAT)
    agency = StructureFactory(name="France Travail Lens", kind=StructureKind.EMPLOYMENT_AGENCY)
    visit = OfferFactory(kind=OfferKind.GUIDED_VISIT)
    workshop = OfferFactory(kind=OfferKind.WORKSHOP)
    march_10 = session_at(local(2025, 3, 10), offer=visit)
    march_20 = session_at(local(2025, 3, 20, 14), offer=workshop)
    june_5 = session_at(local(2025, 6, 5), offer=visit)
    december_2024 = session_at(local(2024, 12, 31, 23, 30), offer=visit)  # before the period
    january_2026 = session_at(local(2026, 1, 1, 0, 30), offer=visit)  # after the period
    attended = BookingStatus.ATTENDED
    bookings = {
        "cada_march_10": BookingFactory(
            session=march_10, structure=cada, status=attended, present_participants=9
        ),
        "esat_march_10": BookingFactory(
            session=march_10, structure=esat, status=attended, present_participants=6
        ),
        "agency_march_20": BookingFactory(session=march_20, structure=agency, status=BookingStatus.ABSENT),
        "cada_march_20": BookingFactory(
            session=march_20, structure=cada, status=attended, present_participants=7
        ),
        "esat_june_5": BookingFactory(
            session=june_5, structure=esat, status=attended, present_participants=5
        ),
        "agency_june_5": BookingFactory(session=june_5, structure=agency, status=BookingStatus.CANCELLED),
        "cada_2024": BookingFactory(
            session=december_2024, structure=cada, status=attended, present_participants=20
        ),
        "esat_2026": BookingFactory(
            session=january_2026, structure=esat, status=attended, present_participants=30
        ),
    }
    return {"cada": cada, "esat": esat, "agency": agency, "bookings": bookings}
