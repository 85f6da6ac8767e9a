"""The strict Content-Security-Policy in a real Chromium: the portal's pages and the staff admin
raise no CSP violation, their scripts still work (Bootstrap's menu, the admin's widgets), and the
menu opens on a 360 px phone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bookings.enums import BookingStatus
from programmes.models import Assignment
from tests.bookings.factories import BookingFactory, ProjectRequestFactory
from tests.partners.factories import (
    PASSWORD,
    MembershipFactory,
    StaffFactory,
    StructureFactory,
    UserFactory,
    make_mediator,
)
from tests.programmes.factories import OfferFactory, ProjectFactory, SessionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The test's own script (allowed: Playwright injects it, not the page): it records every violation.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile || ""}:${event.lineNumber || ""}`);
});
"""


def _watch(page) -> list[str]:
    """Start recording CSP violations (DOM events and console messages) of every page visited."""
    messages: list[str] = []
    page.add_init_script(RECORD_VIOLATIONS)
    page.on(
        "console",
        lambda message: messages.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return messages


def _visit(page, url: str, console: list[str]) -> list[str]:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    page.wait_for_load_state("load")
    found = page.evaluate("window.__cspViolations")
    found += console
    console.clear()
    return [f"{url}: {violation}" for violation in found]


def _log_in(page, email: str) -> None:
    page.goto(reverse("partners:login"))
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def _log_out(page) -> None:
    page.context.clear_cookies()


@pytest.fixture
def programme():
    structure = StructureFactory(name="Centre social Alpha")
    coordinator = MembershipFactory(structure=structure, user=UserFactory(email="ana@exemple.fr")).user
    mediator = make_mediator(email="mila@exemple.fr")
    staff = StaffFactory(email="equipe@exemple.fr")
    offer = OfferFactory(title="Visite de la Galerie du temps")
    session = SessionFactory(offer=offer)
    Assignment.objects.create(session=session, mediator=mediator)
    booking = BookingFactory(session=session, structure=structure, comment="Groupe de 8 adultes.")
    BookingFactory(status=BookingStatus.ATTENDED, present_participants=7)  # figures for the charts
    project = ProjectFactory()
    project.partners.add(structure)
    request = ProjectRequestFactory(structure=structure, project=project)
    return {
        "coordinator": coordinator,
        "mediator": mediator,
        "staff": staff,
        "offer": offer,
        "session": session,
        "booking": booking,
        "project": project,
        "request": request,
        "structure": structure,
    }


def test_pages_of_every_role_raise_no_csp_violation(page, programme):
    console = _watch(page)
    p = programme
    violations: list[str] = []
    day = p["session"].start.astimezone().date()

    for url in [
        reverse("home"),
        reverse("catalogue:index"),
        reverse("catalogue:offer", args=[p["offer"].slug]),
        reverse("partners:login"),
        reverse("partners:register"),
        reverse("legal"),
        reverse("accessibility"),
        "/introuvable/",
    ]:
        if url == "/introuvable/":
            page.goto(url)  # the French 404 page: same layout, same policy
            violations += [f"{url}: {v}" for v in page.evaluate("window.__cspViolations") + console]
            console.clear()
            continue
        violations += _visit(page, url, console)

    _log_in(page, p["coordinator"].email)
    for url in [
        reverse("bookings:list"),
        reverse("bookings:detail", args=[p["booking"].pk]),
        reverse("bookings:change", args=[p["booking"].pk]),
        reverse("bookings:create", args=[p["session"].pk]),
        reverse("bookings:requests"),
        reverse("bookings:request_create"),
        reverse("bookings:request_detail", args=[p["request"].pk]),
        reverse("partners:my_structure"),
        reverse("partners:password_change"),
        reverse("projects:detail", args=[p["project"].slug]),
    ]:
        violations += _visit(page, url, console)
    _log_out(page)

    _log_in(page, p["mediator"].email)
    for url in [
        reverse("planning:index"),
        reverse("planning:session", args=[p["session"].pk]),
        reverse("planning:day", kwargs={"year": day.year, "month": day.month, "day": day.day}),
        reverse("planning:attendance", args=[p["session"].pk]),
        reverse("planning:subscribe"),
    ]:
        violations += _visit(page, url, console)
    _log_out(page)

    assert violations == []


def test_staff_dashboard_and_admin_raise_no_csp_violation_and_their_scripts_work(page, programme):
    console = _watch(page)
    p = programme
    violations: list[str] = []
    _log_in(page, p["staff"].email)

    for url in [
        reverse("dashboard:index"),
        reverse("dashboard:report", args=[p["session"].start.year]),
        reverse("admin:index"),
        reverse("admin:programmes_session_changelist"),
        reverse("admin:bookings_booking_changelist"),
        reverse("admin:partners_structure_changelist"),
        reverse("admin:programmes_session_add"),
        reverse("admin:bookings_projectrequest_change", args=[p["request"].pk]),
        reverse("admin:partners_structure_history", args=[p["structure"].pk]),
        reverse("admin:programmes_season_plan"),
    ]:
        violations += _visit(page, url, console)

    # The admin's own scripts ran: the filter widget of a many-to-many field ...
    violations += _visit(page, reverse("admin:bookings_booking_change", args=[p["booking"].pk]), console)
    assert page.locator(".selector-available").count() == 1
    # ... the calendar and clock shortcuts of the date fields, and the autocomplete (it fetches results).
    violations += _visit(page, reverse("admin:programmes_session_change", args=[p["session"].pk]), console)
    assert page.locator(".datetimeshortcuts").count() >= 2
    page.locator(".select2-selection").first.click()  # the co-built project (the offer is read-only)
    page.locator(".select2-search__field").fill(p["project"].name)
    page.locator(".select2-results__option", has_text=p["project"].name).first.wait_for()
    violations += page.evaluate("window.__cspViolations") + console

    assert violations == []


def test_the_menu_opens_and_closes_on_a_360_px_phone_under_the_csp(phone_page):
    console = _watch(phone_page)
    violations = _visit(phone_page, reverse("home"), console)
    toggler = phone_page.locator(".navbar-toggler")
    menu = phone_page.locator("#main-nav")
    assert menu.is_hidden()

    toggler.click()
    phone_page.locator("#main-nav.collapse.show").wait_for()  # opened, transition over
    menu.get_by_role("link", name="Offres").wait_for(state="visible")

    assert toggler.get_attribute("aria-expanded") == "true"
    toggler.click()
    menu.wait_for(state="hidden")
    assert toggler.get_attribute("aria-expanded") == "false"
    assert violations + phone_page.evaluate("window.__cspViolations") + console == []
