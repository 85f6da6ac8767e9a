"""Script and HTML typed into any free-text field is shown as text, never run.

Every free-text field a person can write (partners, coordinators, mediators, staff) is filled with a
payload that names its field; every page that shows them is read as each role: the payloads appear
escaped (so the page really shows them, and the test can fail), and no script element, event-handler
attribute, injected image or javascript: link comes out of them. Calendar files keep one event per
event whatever the texts hold, and exports never hand a spreadsheet a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from html.parser import HTMLParser

import pytest
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from icalendar import Calendar

from bookings.enums import BookingStatus, RequestStatus
from partners.enums import StructureStatus
from programmes.models import Assignment, ClosingDay, Exhibition, MediatorUnavailability

from .conftest import World

pytestmark = pytest.mark.django_db

JS_URL = "javascript:alert(1)"
SHORT = '"><svg onload=alert(1)>'  # for fields of 30 characters


def payload(tag: str) -> str:
    """A payload naming its field: a script, an attribute break-out with an event handler, a template."""
    return f'<script>alert("{tag}")</script>"><img src=x onerror=alert("{tag}")>{{{{7*7}}}}'


def shown(tag: str) -> str:
    return escape(payload(tag))


class Dangers(HTMLParser):
    """What a browser would run: script elements, on* attributes, javascript: URLs, injected elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._in_script = True
        if tag in {"img", "svg"} and any(name in {"onerror", "onload"} for name, _ in attrs):
            self.found.append(f"<{tag}> with an event handler")
        if tag == "img" and ("src", "x") in attrs:
            self.found.append("injected <img src=x>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in {"href", "src", "action", "formaction", "xlink:href"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and "alert(" in data:
            self.found.append(f"script running {data.strip()[:60]!r}")


def dangers(html: str) -> list[str]:
    parser = Dangers()
    parser.feed(html)
    parser.close()
    raw = [needle for needle in ("<script>alert(", "<img src=x onerror", "<svg onload") if needle in html]
    return parser.found + raw


# ---------------------------------------------------------------------------------------------
# The world, written with payloads
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def dirty(world: World) -> World:
    w = world
    a = w.structure_a
    a.name, a.address, a.city = payload("s.name"), payload("s.address"), payload("s.city")[:120]
    a.publics, a.status_reason, a.phone, a.email = payload("s.publics"), payload("s.reason"), SHORT, JS_URL
    a.save()
    for user, tag in ((w.coordinator_a, "coord"), (w.mediator, "medi")):
        user.first_name, user.last_name, user.phone = payload(f"{tag}.first"), payload(f"{tag}.last"), SHORT
        user.save()
    exhibition = Exhibition.objects.create(
        title=payload("exh.title"),
        slug="exposition-piegee",
        kind="temporary",
        description=payload("exh.desc"),
        start_date=timezone.localdate() - dt.timedelta(days=10),
    )
    o = w.offer
    o.title, o.summary, o.description = payload("o.title"), payload("o.summary"), payload("o.desc")
    o.easy_read_summary, o.formula = payload("o.easy"), payload("o.formula")
    o.meeting_point, o.what_to_bring = payload("o.meeting"), payload("o.bring")
    o.exhibition = exhibition
    o.save()
    w.session.place = payload("session.place")
    w.session.save()
    b = w.booking
    b.comment, b.contact_name, b.contact_phone = payload("b.comment"), payload("b.contact"), SHORT
    b.accessibility_notes = payload("b.notes")
    b.save()
    r = w.request
    r.group_description, r.goals, r.answer = payload("r.group"), payload("r.goals"), payload("r.answer")
    r.status = RequestStatus.ACCEPTED
    r.save()
    p = w.project
    p.name, p.description, p.goals, p.patron = (
        payload("p.name"),
        payload("p.desc"),
        payload("p.goals"),
        payload("p.patron"),
    )
    p.save()
    w.invitation.email = JS_URL
    w.invitation.save()
    MediatorUnavailability.objects.create(
        mediator=w.mediator,
        start=w.session.start + dt.timedelta(days=2),
        end=w.session.start + dt.timedelta(days=3),
        reason=payload("unavail"),
    )
    ClosingDay.objects.create(
        date=timezone.localdate() + dt.timedelta(days=40), label=payload("closing")[:120]
    )
    # Structure B waits for approval and has the same kind of name: the dashboard lists it.
    w.structure_b.name, w.structure_b.status = payload("b.name"), StructureStatus.PENDING
    w.structure_b.save()
    # A past session that structure A attended, for the figures, charts and annual report.
    past = w.session.__class__.objects.create(
        offer=o,
        start=timezone.now() - dt.timedelta(days=3),
        end=timezone.now() - dt.timedelta(days=3) + dt.timedelta(hours=1),
        booking_deadline=timezone.now() - dt.timedelta(days=5),
        place=payload("past.place"),
        capacity=30,
        project=p,
    )
    Assignment.objects.create(session=past, mediator=w.mediator)
    b.__class__.objects.create(
        session=past,
        structure=a,
        status=BookingStatus.ATTENDED,
        participants=6,
        present_participants=6,
        contact_name=payload("past.contact"),
        contact_phone=SHORT,
        comment=payload("past.comment"),
    )
    w.past_session = past
    return w


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _check(client: Client, url: str, tags: list[str], *, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, f"{url} -> {response.status_code}"
    html = response.content.decode()
    assert dangers(html) == [], url
    missing = [tag for tag in tags if shown(tag) not in html]
    assert missing == [], f"{url} does not show, escaped: {missing}"
    return html


def _week(moment: dt.datetime) -> str:
    year, week, _day = timezone.localdate(moment).isocalendar()
    return f"{year}-W{week:02d}"


def _period(w) -> str:
    start = timezone.localdate(w.past_session.start) - dt.timedelta(days=1)
    end = timezone.localdate(w.session.start) + dt.timedelta(days=40)
    return f"date_from={start.isoformat()}&date_to={end.isoformat()}"


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def test_public_pages_show_the_payloads_as_text(dirty):
    w, visitor = dirty, _client()
    offer_tags = ["o.title", "o.summary"]

    _check(visitor, reverse("home"), [])
    _check(visitor, reverse("catalogue:index"), offer_tags + ["exh.title"])
    _check(visitor, reverse("catalogue:index") + "?facile=1", offer_tags + ["o.easy"])
    _check(
        visitor,
        reverse("catalogue:offer", args=[w.offer.slug]) + "?facile=0",
        ["o.title", "o.desc", "o.meeting", "o.bring", "session.place", "exh.title"],
    )
    _check(visitor, reverse("catalogue:offer", args=[w.offer.slug]) + "?facile=1", ["o.easy"])


def test_coordinator_pages_show_the_payloads_as_text(dirty):
    w, coordinator = dirty, _client(dirty.coordinator_a)
    booking = w.booking.pk

    _check(coordinator, reverse("bookings:list"), ["o.title", "coord.first"])
    _check(
        coordinator,
        reverse("bookings:detail", args=[booking]),
        ["o.title", "b.comment", "b.contact", "b.notes", "session.place"],
    )
    _check(coordinator, reverse("bookings:change", args=[booking]), ["b.comment", "b.contact", "b.notes"])
    _check(coordinator, reverse("bookings:done", args=[booking]), ["o.title"])
    _check(coordinator, reverse("bookings:cancel", args=[booking]), ["o.title"])
    _check(coordinator, reverse("bookings:waitlist_confirm", args=[w.waiting.pk]), ["o.title"])
    _check(coordinator, reverse("bookings:create", args=[w.session.pk]), ["o.title", "coord.first"])
    _check(coordinator, reverse("bookings:requests"), [])
    _check(
        coordinator,
        reverse("bookings:request_detail", args=[w.request.pk]),
        ["r.group", "r.goals", "r.answer"],
    )
    _check(
        coordinator,
        reverse("partners:my_structure"),
        ["s.name", "s.address", "s.publics", "coord.first", "coord.last"],
    )
    _check(coordinator, reverse("partners:leave", args=[w.structure_a.pk]), ["s.name"])
    _check(coordinator, reverse("partners:training"), [])
    _check(coordinator, reverse("projects:list"), ["p.name", "p.desc"])
    _check(
        coordinator,
        reverse("projects:detail", args=[w.project.slug]),
        ["p.name", "p.desc", "p.goals", "p.patron", "o.title"],
    )
    _check(coordinator, reverse("planning:subscribe"), ["s.name"])


def test_mediator_pages_show_the_payloads_as_text(dirty):
    w, mediator = dirty, _client(dirty.mediator)
    day = timezone.localdate(w.session.start)

    _check(
        mediator,
        reverse("planning:index") + f"?semaine={_week(w.session.start)}",
        ["o.title", "session.place", "s.name"],
    )
    _check(
        mediator,
        reverse("planning:session", args=[w.session.pk]),
        ["o.title", "session.place", "s.name", "b.comment", "b.contact", "b.notes"],
    )
    _check(
        mediator,
        reverse("planning:day", kwargs={"year": day.year, "month": day.month, "day": day.day}),
        ["o.title", "session.place", "s.name", "b.contact"],
    )
    _check(mediator, reverse("planning:attendance", args=[w.past_session.pk]), ["o.title", "s.name"])


def test_staff_pages_show_the_payloads_as_text(dirty):
    w, staff = dirty, _client(dirty.staff)

    _check(staff, reverse("dashboard:index") + "?" + _period(w), ["s.name", "b.name"])
    _check(
        staff, reverse("dashboard:report", args=[timezone.localdate(w.past_session.start).year]), ["s.name"]
    )
    _check(staff, reverse("dashboard:privacy") + "?q=alert", ["s.name"])
    _check(staff, reverse("dashboard:privacy_erase", args=[w.structure_a.pk]), ["s.name"])
    _check(
        staff,
        reverse("planning:index") + f"?semaine={_week(w.session.start)}&mediateur={w.mediator.pk}",
        ["o.title", "s.name"],
    )
    _check(staff, reverse("projects:detail", args=[w.project.slug]), ["p.name", "s.name"])


ADMIN_MODELS = sorted(site._registry, key=lambda model: model._meta.label)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_admin_changelists_and_change_pages_show_the_payloads_as_text(dirty, model):
    staff = _client(dirty.staff)
    opts = model._meta

    _check(staff, reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), [])
    request = RequestFactory().get("/")
    request.user = dirty.staff
    for obj in site._registry[model].get_queryset(request).order_by("-pk")[:3]:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        _check(staff, url, [])


def test_admin_pages_of_the_main_objects_show_each_payload_escaped(dirty):
    w, staff = dirty, _client(dirty.staff)

    _check(staff, reverse("admin:partners_structure_changelist"), ["s.name", "b.name"])
    _check(
        staff, reverse("admin:partners_structure_change", args=[w.structure_a.pk]), ["s.name", "s.publics"]
    )
    _check(staff, reverse("admin:bookings_booking_change", args=[w.booking.pk]), ["b.comment", "b.notes"])
    _check(
        staff, reverse("admin:bookings_projectrequest_change", args=[w.request.pk]), ["r.group", "r.goals"]
    )
    _check(staff, reverse("admin:programmes_offer_change", args=[w.offer.pk]), ["o.title", "o.desc"])
    _check(staff, reverse("admin:programmes_session_changelist"), ["o.title", "session.place"])
    _check(staff, reverse("admin:programmes_project_change", args=[w.project.pk]), ["p.desc"])
    _check(staff, reverse("admin:programmes_mediatorunavailability_changelist"), ["unavail"])
    _check(staff, reverse("admin:partners_user_changelist"), ["coord.first"])
    _check(staff, reverse("admin:partners_structure_history", args=[w.structure_a.pk]), [])


def test_no_page_evaluates_a_template_in_the_data(dirty):
    html = _check(_client(), reverse("catalogue:offer", args=[dirty.offer.slug]) + "?facile=0", [])

    assert "{{7*7}}" in html


# ---------------------------------------------------------------------------------------------
# Calendar files and exports
# ---------------------------------------------------------------------------------------------


def _events(content: bytes) -> list:
    return [c for c in Calendar.from_ical(content).walk() if c.name == "VEVENT"]


def test_calendar_files_keep_one_event_per_event_whatever_the_texts(dirty):
    w = dirty
    breakout = "Hall\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:pirate\r\n"
    w.offer.what_to_bring = breakout
    w.offer.save()
    w.session.place = breakout[:150]
    w.session.save()
    coordinator = _client(w.coordinator_a)

    booking_file = coordinator.get(reverse("bookings:ics", args=[w.booking.pk])).content
    mediator_feed = Client().get(reverse("planning:feed", args=[w.mediator.calendar_token])).content
    structure_feed = (
        Client().get(reverse("planning:structure_feed", args=[w.coordinator_a.calendar_token])).content
    )

    assert len(_events(booking_file)) == 1
    assert str(_events(booking_file)[0]["summary"]).endswith(payload("o.title"))
    assert len(_events(mediator_feed)) == 2  # the coming session and the past one
    assert {str(e["summary"]) for e in _events(mediator_feed)} == {payload("o.title")}
    assert len(_events(structure_feed)) == 2  # A's booking and its past visit (not its waiting place)
    for content in (booking_file, mediator_feed, structure_feed):
        assert b"\r\nSUMMARY:pirate" not in content
        assert b"\r\nBEGIN:VEVENT\r\nSUMMARY:pirate" not in content


FORMULAS = {"name": '=HYPERLINK("http://x","clic")', "city": "@SUM(A1:A9)", "place": "+33-1", "title": "-2+3"}


@pytest.fixture
def formulas(world: World) -> World:
    world.structure_a.name, world.structure_a.city = FORMULAS["name"], FORMULAS["city"]
    world.structure_a.save()
    world.session.place = FORMULAS["place"]
    world.session.save()
    world.offer.title = FORMULAS["title"]
    world.offer.save()
    world.booking.status = BookingStatus.ATTENDED
    world.booking.present_participants = 5
    world.booking.save()
    return world


def _export(world: World, slug: str, fmt: str) -> bytes:
    day = timezone.localdate(world.session.start)
    start, end = day - dt.timedelta(days=5), day + dt.timedelta(days=5)
    query = f"?date_from={start.isoformat()}&date_to={end.isoformat()}"
    response = _client(world.staff).get(reverse("dashboard:export", args=[slug, fmt]) + query)
    assert response.status_code == 200
    return response.content


@pytest.mark.parametrize("slug", ["reservations", "presences", "partenaires"])
def test_csv_exports_neutralise_formulas(formulas, slug):
    rows = list(csv.reader(io.StringIO(_export(formulas, slug, "csv").decode("utf-8-sig")), delimiter=";"))

    cells = [cell for row in rows[1:] for cell in row]
    assert cells, "the export is empty"
    assert [cell for cell in cells if cell[:1] in {"=", "+", "-", "@"}] == []
    assert "'" + FORMULAS["name"] in cells
    assert "'" + FORMULAS["city"] in cells or slug == "presences"  # attendance has no city column


@pytest.mark.parametrize("slug", ["reservations", "presences", "partenaires"])
def test_xlsx_exports_hold_texts_never_formulas(formulas, slug):
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(_export(formulas, slug, "xlsx"))).active

    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row if cell.value is not None]
    assert cells, "the export is empty"
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert FORMULAS["name"] in [cell.value for cell in cells]
