"""Staff in a real Chromium: plan a season in the admin, read the dashboard and the annual report,
on a desktop and on a 360 px phone; axe-core finds no serious or critical violation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from bookings.enums import BookingStatus
from programmes.models import Session
from tests.bookings.factories import BookingFactory
from tests.partners.factories import (
    PASSWORD,
    MembershipFactory,
    StaffFactory,
    StructureFactory,
    make_mediator,
)
from tests.programmes.factories import (
    OfferFactory,
    ProjectFactory,
    SessionFactory,
    local,
    next_monday,
    session_at,
)

SHOTS = None  # set to a directory path to keep screenshots while working on the pages


def _log_in(page, email: str) -> None:
    page.goto(reverse("partners:login"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/{name}.png", full_page=True)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_plans_a_season_with_a_preview(page, axe):
    staff = StaffFactory()
    offer = OfferFactory(title="Visite Galerie du temps")
    lou = make_mediator(first_name="Lou", last_name="Médiatrice")
    monday = next_monday()

    _log_in(page, staff.email)
    page.goto(reverse("admin:programmes_season_plan"))
    page.select_option("#id_offer", str(offer.pk))
    page.fill("#id_date_from", monday.isoformat())
    page.fill("#id_date_to", (monday + dt.timedelta(days=6)).isoformat())
    page.fill("#id_start_times", "10:00, 14:30")
    page.fill("#id_place", "Hall d'accueil")
    page.fill("#id_capacity", "20")
    page.get_by_label("Lou Médiatrice").check()
    page.locator("input[name=preview]").click()
    page.wait_for_load_state()
    _shot(page, "season-preview")

    assert page.locator("#planned-sessions tbody tr").count() == 12  # Mon, Wed-Sun, twice a day
    assert page.locator("#skipped-slots tbody tr").count() == 1  # Tuesday
    assert page.locator("#planned-sessions .season-warning").count() == 0
    assert Session.objects.count() == 0
    assert axe(page) == []

    page.locator("input[name=create]").click()
    page.wait_for_load_state()
    assert Session.objects.filter(offer=offer).count() == 12
    assert Session.objects.filter(offer=offer, mediators=lou).count() == 12


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("screen", ["page", "phone_page"])
def test_staff_read_the_dashboard_and_the_report(request, axe, screen):
    page = request.getfixturevalue(screen)
    staff = StaffFactory()
    structure = StructureFactory(name="CADA de Lens-Liévin")
    for month, present in ((2, 12), (3, 9), (5, 14)):
        BookingFactory(
            session=session_at(local(2025, month, 10)),
            structure=structure,
            status=BookingStatus.ATTENDED,
            present_participants=present,
        )
    project = ProjectFactory(name="Tour de Babel", start_date=dt.date(2025, 1, 6))
    project.partners.add(structure)

    _log_in(page, staff.email)
    page.goto(f"{reverse('dashboard:index')}?date_from=2025-01-01&date_to=2025-12-31")
    assert page.locator("#figure-people").inner_text() == "35"
    assert page.locator("svg[role=img]").count() == 6
    _shot(page, f"dashboard-{screen}")
    assert axe(page) == []
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert overflow is False

    page.goto(reverse("dashboard:report", args=[2025]))
    assert "Tour de Babel" in page.content()
    _shot(page, f"report-{screen}")
    assert axe(page) == []
    page.emulate_media(media="print")
    assert page.locator("header.site-header").is_hidden()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_partner_reads_their_project_on_a_phone(phone_page, axe):
    structure = StructureFactory(name="CADA de Lens-Liévin")
    coordinator = MembershipFactory(structure=structure).user
    project = ProjectFactory(name="Tour de Babel", slug="tour-de-babel", goals="Prendre la parole.")
    project.partners.add(structure)
    BookingFactory(session=SessionFactory(project=project), structure=structure, participants=11)

    _log_in(phone_page, coordinator.email)
    phone_page.goto(reverse("projects:list"))
    assert axe(phone_page) == []
    phone_page.get_by_role("link", name="Tour de Babel").click()
    phone_page.wait_for_url(f"**{reverse('projects:detail', args=['tour-de-babel'])}")
    _shot(phone_page, "project-phone")
    assert phone_page.locator("#project-sessions .project-booking").count() == 1
    assert axe(phone_page) == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_erase_a_structure_after_confirming(page, axe):
    staff = StaffFactory()
    structure = StructureFactory(name="IME Les Tilleuls")

    _log_in(page, staff.email)
    page.goto(reverse("dashboard:privacy"))
    assert axe(page) == []
    page.locator(f"a[href='{reverse('dashboard:privacy_erase', args=[structure.pk])}']").click()
    page.wait_for_load_state()
    assert axe(page) == []
    page.locator("main form button[type=submit]").click()  # not confirmed: a message at the box
    page.wait_for_load_state()
    assert page.locator(".invalid-feedback, .is-invalid").count() >= 1
    assert axe(page) == []
    page.locator("input[name=confirm]").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{reverse('dashboard:privacy')}")
    structure.refresh_from_db()
    assert structure.name.endswith(f"{structure.pk}")
