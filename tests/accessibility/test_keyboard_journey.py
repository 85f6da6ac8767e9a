"""The booking journey with the keyboard only, in real Chromium: log in, open the offers, filter them,
open an offer, book (first with a mistake), and find the booking in "My bookings". Only Tab,
Shift+Tab, Enter, Space, arrow keys and typing are used, never a click. On every page: the skip link
is the first Tab stop, every focused element shows a visible focus indicator and is on screen, no
positive tabindex disturbs the order, and Tab goes round the whole page and back (no keyboard trap)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bookings.enums import BookingStatus
from bookings.models import Booking
from demo import data as demo_data
from partners.models import User
from programmes.enums import AccessibilityFeature
from programmes.models import Offer
from tests.programmes.factories import SessionFactory

from .conftest import DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the focused element is, and how it shows its focus.
FOCUS_INFO = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return {tag: "BODY", path: "body"};
  const path = [];
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const siblings = node.parentElement ? node.parentElement.children : [node];
    path.unshift(node.tagName + ":" + Array.prototype.indexOf.call(siblings, node));
  }
  const style = getComputedStyle(el);
  const rect = el.getBoundingClientRect();
  return {
    tag: el.tagName, id: el.id, href: el.getAttribute("href"), name: el.getAttribute("name"),
    value: el.getAttribute("value"), type: el.getAttribute("type"), classes: el.className,
    text: (el.innerText || "").trim().slice(0, 100), path: path.join("/"),
    inMain: !!el.closest("main"), invalid: el.getAttribute("aria-invalid"),
    describedBy: el.getAttribute("aria-describedby"),
    outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== "none",
    onScreen: rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.right > 0
      && rect.top < window.innerHeight && rect.left < window.innerWidth,
  };
}"""
ON_SCREEN = """() => {
  const rect = document.activeElement.getBoundingClientRect();
  return rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.right > 0
    && rect.top < window.innerHeight && rect.left < window.innerWidth;
}"""
POSITIVE_TABINDEX = (
    """document.querySelectorAll('[tabindex]:not([tabindex="0"]):not([tabindex="-1"])').length"""
)


def fr(msgid: str) -> str:
    with translation.override("fr"):
        return gettext(msgid)


def focus(page) -> dict:
    return page.evaluate(FOCUS_INFO)


def press(page, key: str) -> dict:
    """Press a key; the element that has the focus then must show it and be on screen."""
    page.keyboard.press(key)
    info = focus(page)
    if info["tag"] != "BODY":
        assert info["outline"] or info["shadow"], f"focus not visible on {info}"
        if not info["onScreen"]:  # Bootstrap scrolls smoothly: give the scrolling time to end
            try:
                page.wait_for_function(ON_SCREEN, timeout=3_000)
            except PlaywrightTimeoutError:
                raise AssertionError(f"{page.url}: focused element off screen: {info}") from None
    return info


def tab_to(page, wanted, *, key: str = "Tab", limit: int = 250) -> dict:
    """Tab (or Shift+Tab) until `wanted(info)`; fail if the focus goes round the page without finding it."""
    seen: set[str] = set()
    for _ in range(limit):
        info = press(page, key)
        if wanted(info):
            return info
        if info["path"] in seen and info["tag"] != "BODY":
            raise AssertionError(f"{page.url}: went round the page without reaching the element")
        seen.add(info["path"])
    raise AssertionError(f"{page.url}: {limit} key presses without reaching the element (keyboard trap?)")


def is_skip_link(info: dict) -> bool:
    return info["tag"] == "A" and info["href"] == "#main"


def check_new_page(page) -> None:
    """What every page reached by keyboard must offer, checked right after it loads."""
    page.wait_for_load_state("load")
    landed = focus(page)
    assert page.evaluate(POSITIVE_TABINDEX) == 0
    if landed["tag"] == "BODY":
        # After a link or a form sending, the focus starts again at the top of the new page,
        # so that the first Tab stop is the skip link, shown on screen.
        first = press(page, "Tab")
        assert is_skip_link(first), f"{page.url}: first Tab stop is {first}"
    else:
        # Or on the main content (the URL ends in #main: a redirect keeps the fragment of the page
        # it came from), or in the one field the page is for (the login form's email: Django's
        # autofocus). The skip link then is the first stop before it.
        assert landed["id"] == "main" or (
            landed["inMain"] and page.evaluate("document.activeElement.autofocus")
        ), f"{page.url}: {landed}"
        first = tab_to(page, is_skip_link, key="Shift+Tab")
    assert first["text"] == fr("Skip to main content")
    # Tab goes through the whole page and comes back to the skip link: no trap anywhere.
    back = tab_to(page, is_skip_link, limit=400)
    assert is_skip_link(back)
    # Shift+Tab goes round backwards just as well.
    assert is_skip_link(tab_to(page, is_skip_link, key="Shift+Tab", limit=400))
    # The skip link works: Enter moves the focus to the main content.
    press(page, "Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    assert urlsplit(page.url).fragment == "main"


def follow(page, wanted) -> None:
    """Tab to a link or button and press Enter; wait for the page it leads to."""
    tab_to(page, wanted)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    check_new_page(page)


def href_is(path: str):
    return lambda info: info["tag"] == "A" and urlsplit(info["href"] or "").path == path


def test_a_coordinator_books_a_visit_with_the_keyboard_only(browser, live_server, demo):
    coordinator = User.objects.get(email=demo_data.COORDINATOR["email"])
    offer = Offer.objects.get(slug="visite-en-lsf")
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + dt.timedelta(days=26)
    session = SessionFactory(offer=offer, start=start, capacity=20, place="Galerie du temps")
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", **DESKTOP)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        # The home page; the skip link, then the "Log in" link of the menu.
        page.goto(reverse("home"))
        check_new_page(page)
        follow(page, href_is(reverse("partners:login")))

        # Log in: type in the two fields, Enter in the password sends the form.
        tab_to(page, lambda i: i["name"] == "username")
        page.keyboard.type(coordinator.email)
        assert press(page, "Tab")["name"] == "password"
        page.keyboard.type(demo_data.DEMO_PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert urlsplit(page.url).path != reverse("partners:login")
        check_new_page(page)

        # The offers, from the menu; then the accessibility filter, changed with the arrow keys.
        follow(page, href_is(reverse("catalogue:index")))
        tab_to(page, lambda i: i["name"] == "accessibility")
        for _ in range(len(AccessibilityFeature.choices) + 1):
            if page.evaluate("document.activeElement.value") == AccessibilityFeature.LSF:
                break
            press(page, "ArrowDown")
        assert page.evaluate("document.activeElement.value") == AccessibilityFeature.LSF
        follow(page, lambda i: i["tag"] == "BUTTON" and i["text"] == fr("Show the offers"))
        assert "accessibility=lsf" in page.url

        # The offer's page, from its title; then the "Book" link of the new session.
        follow(page, href_is(reverse("catalogue:offer", args=[offer.slug])))
        follow(page, href_is(reverse("bookings:create", args=[session.pk])))

        # A mistake first: no participant. Enter in the field sends the form (its first button: "Book").
        participants = tab_to(page, lambda i: i["name"] == "participants")
        assert participants["inMain"]
        page.keyboard.press("Control+a")
        page.keyboard.type("0")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.title().startswith(fr("Error:"))
        check_new_page(page)
        # The field says it is wrong, and its message is tied to it.
        participants = tab_to(page, lambda i: i["name"] == "participants")
        assert participants["invalid"] == "true"
        error_id = next(i for i in participants["describedBy"].split() if i.endswith("_error"))
        assert page.locator(f"#{error_id}").inner_text().strip() != ""
        page.keyboard.press("Control+a")
        page.keyboard.type("8")
        assert press(page, "Tab")["name"] == "accompanying_staff"
        page.keyboard.press("Control+a")
        page.keyboard.type("2")
        # Shift+Tab goes back to the previous field, and Tab forward again.
        assert press(page, "Shift+Tab")["name"] == "participants"
        assert press(page, "Tab")["name"] == "accompanying_staff"
        # The "Book" button, pressed with Space.
        tab_to(page, lambda i: i["tag"] == "BUTTON" and i["value"] == "book")
        with page.expect_navigation():
            page.keyboard.press("Space")
        booking = Booking.objects.get(session=session, structure__memberships__user=coordinator)
        assert (booking.status, booking.participants, booking.accompanying_staff) == (
            BookingStatus.CONFIRMED,
            8,
            2,
        )
        assert urlsplit(page.url).path == reverse("bookings:done", args=[booking.pk])
        check_new_page(page)

        # "My bookings", from the menu: the new booking is there, and its link can be reached.
        follow(page, href_is(reverse("bookings:list")))
        tab_to(page, href_is(reverse("bookings:detail", args=[booking.pk])))
    finally:
        context.close()
