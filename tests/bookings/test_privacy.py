"""Personal data: old free text cleared (with its history), a structure's data exported and erased
(the pages staff use for it: tests/dashboard/test_privacy_pages.py; the `requested` structure:
tests/conftest.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils.translation import gettext

from bookings.enums import BookingStatus
from bookings.models import Booking
from bookings.privacy import (
    CLEARED,
    ERASED_STRUCTURE_NAME,
    free_text_clear_due,
    free_text_cutoff,
    months_before,
    structure_erase,
    structure_export,
)
from bookings.services import BookingError
from dashboard import impact
from notifications.models import OutboxMessage
from partners.enums import StructureStatus
from partners.models import Invitation, Membership, User
from tests.bookings.factories import booking_ended_at
from tests.partners.factories import PASSWORD
from tests.programmes.factories import local

pytestmark = pytest.mark.django_db

NOW = local(2026, 11, 25, 3, 0)


def free_text(booking: Booking) -> tuple:
    return (booking.comment, booking.accessibility_notes, booking.contact_name, booking.contact_phone)


def test_months_before_keeps_the_day_or_takes_the_last_of_a_shorter_month():
    assert months_before(local(2026, 3, 31, 12), 1) == local(2026, 2, 28, 12)
    assert months_before(local(2026, 11, 25, 3), 24) == local(2024, 11, 25, 3)
    assert months_before(local(2026, 1, 15, 8), 13) == local(2024, 12, 15, 8)


def test_free_text_clear_due_clears_exactly_what_is_due(settings):
    settings.FREE_TEXT_RETENTION_MONTHS = 24
    cutoff = free_text_cutoff(now=NOW)
    assert cutoff == local(2024, 11, 25, 3, 0)
    due = booking_ended_at(cutoff - dt.timedelta(minutes=1))
    kept = booking_ended_at(cutoff + dt.timedelta(minutes=1))

    cleared = free_text_clear_due(now=NOW)

    assert cleared == 1
    due.refresh_from_db()
    kept.refresh_from_db()
    assert free_text(due) == ("", "", CLEARED, CLEARED)
    assert due.free_text_cleared_at == NOW
    assert (due.participants, due.present_participants) == (8, 7)  # the counts stay
    assert free_text(kept) == (
        "Le groupe arrive en bus, vers 9 h 45.",
        "Une personne malvoyante.",
        "Dominique Leroy",
        "06 12 34 56 78",
    )
    assert kept.free_text_cleared_at is None
    # The history's copies of the free text go too, and only those of the booking due.
    assert {free_text(record) for record in due.history.all()} == {("", "", CLEARED, CLEARED)}
    assert due.history.count() == 2
    assert {record.comment for record in kept.history.all()} == {
        "Le groupe arrive en bus.",
        "Le groupe arrive en bus, vers 9 h 45.",
    }


def test_free_text_clear_due_is_idempotent(settings):
    settings.FREE_TEXT_RETENTION_MONTHS = 24
    due = booking_ended_at(free_text_cutoff(now=NOW) - dt.timedelta(days=1))

    first = free_text_clear_due(now=NOW)
    second = free_text_clear_due(now=NOW + dt.timedelta(days=1))

    assert (first, second) == (1, 0)
    due.refresh_from_db()
    assert due.free_text_cleared_at == NOW


def test_free_text_retention_follows_the_setting(settings):
    settings.FREE_TEXT_RETENTION_MONTHS = 6
    recent = booking_ended_at(NOW - dt.timedelta(days=200))

    assert free_text_clear_due(now=NOW) == 1
    recent.refresh_from_db()
    assert recent.comment == ""


# ---------------------------------------------------------------------------------------------
# A structure's data
# ---------------------------------------------------------------------------------------------


def test_structure_export_holds_everything_about_the_structure(requested):
    document = json.loads(structure_export(structure=requested["structure"]).decode("utf-8"))

    assert document["structure"]["name"] == "IME Les Tilleuls"
    assert document["structure"]["siret"] == "12345678901234"
    assert sorted(m["email"] for m in document["members"]) == ["partage@exemple.fr", "relais@exemple.fr"]
    assert [b["id"] for b in document["bookings"]] == [requested["booking"].pk]
    assert document["bookings"][0]["comment"] == "Le groupe arrive en bus, vers 9 h 45."
    assert document["bookings"][0]["booked_by"] == "relais@exemple.fr"
    assert [i["email"] for i in document["invitations"]] == ["invite@exemple.fr"]
    assert [r["goals"] for r in document["requests"]] == ["Découvrir la Galerie du temps."]
    assert len(document["structure_history"]) == 1


def test_structure_erase_anonymises_and_keeps_the_counts(requested, staff):
    structure = requested["structure"]
    figures_before = impact.impact(impact.Period.year(2025))["totals"]

    erased = structure_erase(structure=structure, by=staff)

    structure.refresh_from_db()
    assert erased.name == structure.name == ERASED_STRUCTURE_NAME.format(id=structure.pk)
    assert (structure.address, structure.siret, structure.phone, structure.email, structure.publics) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert structure.status == StructureStatus.ARCHIVED
    assert Membership.objects.filter(structure=structure).count() == 0
    assert Invitation.objects.filter(structure=structure).count() == 0
    # A coordinator of this structure only: deactivated and anonymised, cannot log in.
    only_here = User.objects.get(pk=requested["only_here"].pk)
    assert (only_here.is_active, only_here.first_name, only_here.last_name) == (False, "", "")
    assert only_here.email.endswith("@anonyme.invalid")
    assert (only_here.has_usable_password(), only_here.check_password(PASSWORD)) == (False, False)
    # A coordinator of another structure too: keeps their account and their other structure.
    elsewhere = User.objects.get(pk=requested["elsewhere"].pk)
    assert (elsewhere.is_active, elsewhere.email) == (True, "partage@exemple.fr")
    assert list(Membership.objects.filter(user=elsewhere).values_list("structure", flat=True)) == [
        requested["other"].pk
    ]
    # Bookings keep their counts, lose their free text; the figures do not change.
    booking = Booking.objects.get(pk=requested["booking"].pk)
    assert (booking.participants, booking.present_participants, booking.status) == (
        8,
        7,
        BookingStatus.ATTENDED,
    )
    assert free_text(booking) == ("", "", CLEARED, CLEARED)
    assert booking.booked_by is None
    assert impact.impact(impact.Period.year(2025))["totals"] == figures_before
    request = requested["request"]
    request.refresh_from_db()
    assert (request.goals, request.group_description) == (CLEARED, CLEARED)
    assert OutboxMessage.objects.filter(to="relais@exemple.fr").count() == 0
    # History purged: one record says who erased it; no old version of the bookings remains.
    assert [(r.name, r.history_user) for r in structure.history.all()] == [(structure.name, staff)]
    assert booking.history.count() == 0


def test_structure_erase_is_refused_to_non_staff(requested):
    with pytest.raises(BookingError) as error:
        structure_erase(structure=requested["structure"], by=requested["only_here"])

    assert str(error.value) == gettext("Only museum staff can erase a structure's data.")
    assert Membership.objects.filter(structure=requested["structure"]).count() == 2
