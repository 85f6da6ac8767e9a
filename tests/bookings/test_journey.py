"""The coordinator's journey in real Chromium: log in, find an offer by an accessibility filter, book,
see it in my bookings, download the .ics, change the group size, cancel. axe-core checks every page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from icalendar import Calendar

from bookings.enums import BookingStatus
from bookings.models import Booking
from programmes.enums import AccessibilityFeature, OfferKind
from programmes.models import AccessibilityOption
from tests.partners.factories import PASSWORD, MembershipFactory, UserFactory
from tests.programmes.factories import OfferFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def journey_data():
    for code in AccessibilityFeature.values:
        AccessibilityOption.objects.get_or_create(code=code)
    audio = AccessibilityOption.objects.get(code=AccessibilityFeature.AUDIO_DESCRIPTION)
    described = OfferFactory(
        title="Visite audio-décrite de la Galerie du temps",
        slug="visite-audio-decrite",
        kind=OfferKind.GUIDED_VISIT,
        min_group_size=4,
        max_group_size=15,
        participants_per_staff=8,
        meeting_point="Hall d'accueil, près de la librairie",
        easy_read_summary="Une visite où le médiateur décrit les œuvres avec des mots.",
    )
    described.accessibility.add(audio)
    OfferFactory(title="Atelier de modelage", slug="atelier-modelage", kind=OfferKind.WORKSHOP)
    start = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0) + dt.timedelta(days=15)
    session = SessionFactory(
        offer=described, start=start, booking_deadline=start - dt.timedelta(days=3), capacity=20
    )
    user = UserFactory(
        email="relais@centre-social.fr", first_name="Nadia", last_name="Benali", phone="06 12 34 56 78"
    )
    membership = MembershipFactory(user=user)
    return {"session": session, "user": user, "structure": membership.structure}


def check(page, axe):
    violations = axe(page)
    assert violations == [], f"{page.url}: {violations}"


def test_coordinator_books_changes_and_cancels_in_the_browser(page, axe, journey_data, tmp_path):
    session = journey_data["session"]

    # Log in.
    page.goto("/compte/connexion/?next=/offres/")
    check(page, axe)
    page.fill("#id_username", "relais@centre-social.fr")
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/offres/")

    # Find the offer by an accessibility filter.
    check(page, axe)
    page.select_option("#id_accessibility", AccessibilityFeature.AUDIO_DESCRIPTION)
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url("**accessibility=audio_description**")
    assert page.locator("article h3").all_inner_texts() == ["Visite audio-décrite de la Galerie du temps"]
    check(page, axe)

    # Book.
    page.locator(f"a[href='/reservations/seance/{session.pk}/reserver/']").first.click()
    page.wait_for_url(f"**/reservations/seance/{session.pk}/reserver/")
    check(page, axe)
    page.fill("#id_participants", "9")
    page.fill("#id_accompanying_staff", "1")
    page.locator("button[value=book]").click()
    # The staff ratio (one for every 8) is enforced at the field, and what was typed is kept.
    assert page.locator("#id_participants").input_value() == "9"
    assert page.locator("#id_accompanying_staff").is_visible()
    check(page, axe)
    page.fill("#id_accompanying_staff", "2")
    page.locator("button[value=book]").click()
    page.wait_for_url("**/confirmation/")
    check(page, axe)
    booking = Booking.objects.get()
    assert (booking.participants, booking.accompanying_staff, booking.status) == (
        9,
        2,
        BookingStatus.CONFIRMED,
    )

    # My bookings, then the booking's page.
    page.goto("/reservations/")
    check(page, axe)
    page.locator(f"a[href='/reservations/{booking.pk}/']").click()
    page.wait_for_url(f"**/reservations/{booking.pk}/")
    check(page, axe)
    assert "près de la librairie" in page.content()

    # Download the .ics.
    with page.expect_download() as download_info:
        page.locator(f"a[href='/reservations/{booking.pk}/calendrier.ics']").click()
    path = tmp_path / "booking.ics"
    download_info.value.save_as(path)
    event = Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == session.start
    assert "Galerie du temps" in str(event.get("summary"))

    # Change the group size.
    page.locator(f"a[href='/reservations/{booking.pk}/modifier/']").click()
    page.wait_for_url("**/modifier/")
    check(page, axe)
    page.fill("#id_participants", "6")
    page.fill("#id_accompanying_staff", "1")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/reservations/{booking.pk}/")
    check(page, axe)
    booking.refresh_from_db()
    assert (booking.participants, booking.accompanying_staff) == (6, 1)

    # Cancel.
    page.locator(f"a[href='/reservations/{booking.pk}/annuler/']").click()
    page.wait_for_url("**/annuler/")
    check(page, axe)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/reservations/")
    check(page, axe)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_catalogue_on_a_phone_with_easy_to_read_texts(phone_page, axe, journey_data):
    phone_page.goto("/offres/?facile=1")

    assert "Une visite où le médiateur décrit les œuvres avec des mots." in phone_page.content()
    # Nothing in the page's content is wider than the screen (the site header belongs to the base layout).
    width = phone_page.evaluate("document.querySelector('main').scrollWidth")
    assert width <= 360
    check(phone_page, axe)
