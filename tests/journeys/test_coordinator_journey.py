"""Issue 3's whole coordinator journey, in real Chromium: a visitor registers a structure, confirms
their email with the link of the queued email, staff approve the structure in the admin, the
coordinator logs in, finds an offer with an accessibility filter, books it, sees it in "My bookings",
downloads the .ics, changes the group size and cancels. axe-core checks every page of the portal
on the way (the Django admin is not ours to fix, so it is left out)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlparse

import pytest
from django.utils import timezone, translation
from django.utils.translation import gettext
from icalendar import Calendar

from bookings.enums import BookingStatus
from bookings.models import Booking
from notifications.models import OutboxMessage
from notifications.services import render_message
from partners.enums import StructureStatus
from partners.models import Structure, User
from programmes.enums import AccessibilityFeature, OfferKind
from programmes.models import AccessibilityOption
from tests.partners.factories import PASSWORD, StaffFactory
from tests.programmes.factories import OfferFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COORDINATOR_EMAIL = "nadia.benali@marichelles.example"
COORDINATOR_PASSWORD = "Un-mot-de-passe-solide-42"
STRUCTURE_NAME = "Centre social des Marichelles"
OFFER_TITLE = "Visite en langue des signes de la Galerie du temps"


def fr(msgid: str) -> str:
    """What the French page shows for an English msgid (the msgid itself until it is translated)."""
    with translation.override("fr"):
        return gettext(msgid)


def label(msgid: str) -> re.Pattern:
    """A field's accessible name: its label, with the asterisk crispy forms adds to required ones."""
    return re.compile(rf"^\s*{re.escape(fr(msgid))}\s*\*?\s*$")


def check(page, axe) -> None:
    page.wait_for_load_state("load")
    violations = axe(page)
    assert violations == [], f"{page.url}: {violations}"


def main_button(page, msgid: str):
    return page.get_by_role("main").get_by_role("button", name=fr(msgid), exact=True)


def main_link(page, msgid: str):
    return page.get_by_role("main").get_by_role("link", name=fr(msgid), exact=True)


def menu_link(page, msgid: str):
    return page.get_by_role("navigation", name=fr("Main menu")).get_by_role(
        "link", name=fr(msgid), exact=True
    )


@pytest.fixture
def programme():
    """Published offers (one with LSF, one without) and a session of each, three weeks ahead."""
    for code in AccessibilityFeature.values:  # a transactional test starts from empty tables
        AccessibilityOption.objects.get_or_create(code=code)
    signed = OfferFactory(
        title=OFFER_TITLE,
        slug="visite-lsf-galerie-du-temps",
        kind=OfferKind.GUIDED_VISIT,
        min_group_size=4,
        max_group_size=15,
        meeting_point="Hall d'accueil, près de la librairie",
    )
    signed.accessibility.add(AccessibilityOption.objects.get(code=AccessibilityFeature.LSF))
    other = OfferFactory(title="Atelier de modelage", slug="atelier-modelage", kind=OfferKind.WORKSHOP)
    start = timezone.localtime().replace(hour=14, minute=0, second=0, microsecond=0) + dt.timedelta(days=21)
    session = SessionFactory(
        offer=signed, start=start, booking_deadline=start - dt.timedelta(days=3), capacity=20
    )
    SessionFactory(offer=other, start=start, booking_deadline=start - dt.timedelta(days=3))
    staff = StaffFactory(email="equipe.sociale@louvrelens.example")
    return {"session": session, "staff": staff}


def test_coordinator_registers_is_approved_books_changes_and_cancels(
    page, browser, live_server, axe, programme, tmp_path
):
    session = programme["session"]

    # 1. A visitor finds the registration form from the home page's menu.
    page.goto("/")
    check(page, axe)
    menu_link(page, "Register your structure").click()
    page.wait_for_url("**/compte/inscription/")
    check(page, axe)
    page.get_by_label(label("Name of the structure")).fill(STRUCTURE_NAME)
    page.get_by_label(label("Kind of structure")).select_option("social_centre")
    page.get_by_label(label("Address")).fill("3 rue des Fleurs")
    page.get_by_label(label("Postcode")).fill("62300")
    page.get_by_label(label("City")).fill("Lens")
    page.get_by_label(label("Phone of the structure")).fill("03 21 00 11 22")
    page.get_by_label(label("Email of the structure")).fill("accueil@marichelles.example")
    page.get_by_label(label("People you accompany")).fill("Familles du quartier")
    page.get_by_label(label("First name")).fill("Nadia")
    page.get_by_label(label("Last name")).fill("Benali")
    page.get_by_label(label("Your work email address")).fill(COORDINATOR_EMAIL)
    page.get_by_label(label("Your phone")).fill("06 12 34 56 78")
    page.get_by_label(label("Password")).fill(COORDINATOR_PASSWORD)
    page.get_by_label(label("Password again")).fill(COORDINATOR_PASSWORD)
    main_button(page, "Send my registration").click()
    page.wait_for_url("**/compte/inscription/merci/")
    check(page, axe)
    structure = Structure.objects.get(name=STRUCTURE_NAME)
    assert structure.status == StructureStatus.PENDING

    # 2. The email check, with the link of the email as it is rendered for sending.
    message = OutboxMessage.objects.get(template="account_verify_email", to=COORDINATOR_EMAIL)
    link = re.search(r"https?://\S+/compte/verifier-email/\S+/", render_message(message).body).group(0)
    page.goto(urlparse(link).path)
    check(page, axe)
    main_button(page, "Confirm my address").click()
    page.get_by_role("heading", level=1, name=fr("Your email address is confirmed")).wait_for()
    check(page, axe)
    assert User.objects.get(email=COORDINATOR_EMAIL).email_verified is True

    # 3. Staff approve the structure in the admin, with the action of the structure list.
    admin = browser.new_context(base_url=live_server.url, locale="fr-FR")
    staff_page = admin.new_page()
    staff_page.set_default_timeout(15_000)
    try:
        staff_page.goto("/admin/partners/structure/?status__exact=pending")
        staff_page.locator("#id_username").fill(programme["staff"].email)
        staff_page.locator("#id_password").fill(PASSWORD)
        staff_page.locator("#login-form [type=submit]").click()
        staff_page.wait_for_url("**/admin/partners/structure/**")
        staff_page.get_by_role("checkbox", name=re.compile(re.escape(str(structure)))).check()
        staff_page.locator("select[name=action]").select_option("approve_structures")
        staff_page.locator("button[name=index]").click()
        success = staff_page.locator(".messagelist .success")
        success.wait_for()
        with translation.override("fr"):
            assert success.inner_text().strip() == translation.ngettext(
                "%(count)d structure approved.", "%(count)d structures approved.", 1
            ) % {"count": 1}
    finally:
        admin.close()
    structure.refresh_from_db()
    assert structure.status == StructureStatus.ACTIVE
    assert OutboxMessage.objects.filter(template="structure_approve", to=COORDINATOR_EMAIL).count() == 1

    # 4. The coordinator logs in.
    page.goto("/compte/connexion/")
    check(page, axe)
    page.get_by_label(label("Email address")).fill(COORDINATOR_EMAIL)
    page.get_by_label(label("Password")).fill(COORDINATOR_PASSWORD)
    main_button(page, "Log in").click()
    page.wait_for_url(lambda url: "/compte/connexion/" not in url)
    check(page, axe)

    # 5. The catalogue, filtered on French sign language.
    menu_link(page, "Offers").click()
    page.wait_for_url("**/offres/")
    check(page, axe)
    page.get_by_label(label("Accessibility")).select_option(AccessibilityFeature.LSF)
    main_button(page, "Show the offers").click()
    page.wait_for_url("**accessibility=lsf**")
    check(page, axe)
    titles = page.get_by_role("main").get_by_role("heading", level=3).all_inner_texts()
    assert titles == [OFFER_TITLE]

    # 6. Book the session.
    page.get_by_role("link", name=re.compile(rf"^{re.escape(fr('Book'))} — {re.escape(OFFER_TITLE)}")).click()
    page.wait_for_url(f"**/reservations/seance/{session.pk}/reserver/")
    check(page, axe)
    assert page.get_by_label(label("Their phone number")).input_value() == "06 12 34 56 78"
    page.get_by_label(label("Number of participants")).fill("8")
    page.get_by_label(label("Number of accompanying staff")).fill("2")
    main_button(page, "Book").click()
    page.wait_for_url("**/confirmation/")
    check(page, axe)
    booking = Booking.objects.get(structure=structure)
    assert (booking.session_id, booking.participants, booking.accompanying_staff, booking.status) == (
        session.pk,
        8,
        2,
        BookingStatus.CONFIRMED,
    )

    # 7. The booking is in "My bookings"; its page has the practical information.
    menu_link(page, "My bookings").click()
    page.wait_for_url("**/reservations/")
    check(page, axe)
    page.get_by_role("main").get_by_role("link", name=re.compile(rf"^{re.escape(OFFER_TITLE)}")).click()
    page.wait_for_url(f"**/reservations/{booking.pk}/")
    check(page, axe)
    assert "près de la librairie" in page.get_by_role("main").inner_text()

    # 8. The .ics file.
    with page.expect_download() as download_info:
        main_link(page, "Add to my calendar (.ics)").click()
    path = tmp_path / "visite.ics"
    download_info.value.save_as(path)
    event = Calendar.from_ical(path.read_bytes()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == session.start
    assert OFFER_TITLE in str(event.get("summary"))

    # 9. A smaller group.
    main_link(page, "Change the group").click()
    page.wait_for_url(f"**/reservations/{booking.pk}/modifier/")
    check(page, axe)
    page.get_by_label(label("Number of participants")).fill("6")
    page.get_by_label(label("Number of accompanying staff")).fill("1")
    main_button(page, "Save the changes").click()
    page.wait_for_url(f"**/reservations/{booking.pk}/")
    check(page, axe)
    booking.refresh_from_db()
    assert (booking.participants, booking.accompanying_staff) == (6, 1)

    # 10. Cancel.
    main_link(page, "Cancel the booking").click()
    page.wait_for_url(f"**/reservations/{booking.pk}/annuler/")
    check(page, axe)
    main_button(page, "Yes, cancel the booking").click()
    page.wait_for_url("**/reservations/")
    check(page, axe)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert list(
        OutboxMessage.objects.filter(to=COORDINATOR_EMAIL).order_by("pk").values_list("template", flat=True)
    ) == [
        "account_verify_email",
        "structure_approve",
        "booking_confirmed",
        "booking_changed",
        "booking_cancelled",
    ]
