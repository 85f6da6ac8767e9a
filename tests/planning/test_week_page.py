"""Mon planning, the week: what each session card and each group show, for a mediator and for staff."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone

from bookings.enums import BookingStatus
from programmes.enums import SessionStatus
from programmes.models import AccessibilityOption
from tests.bookings.factories import BookingFactory
from tests.partners.factories import StructureFactory
from tests.programmes.factories import OfferFactory, assign, session_at

pytestmark = pytest.mark.django_db


def _week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _next_monday_at(hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    today = timezone.localdate()
    monday = today + dt.timedelta(days=7 - today.weekday() + days)
    return dt.datetime.combine(monday, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


def test_a_session_card_shows_its_groups_with_needs_notes_comment_and_contact(client, mediator):
    session = session_at(_next_monday_at(9, 30), offer=OfferFactory(title="Visite contée"), place="Atelier 1")
    assign(session, mediator)
    lsf = AccessibilityOption.objects.get(code="lsf")
    first = BookingFactory(
        session=session,
        structure=StructureFactory(name="IME Les Tilleuls"),
        participants=6,
        accompanying_staff=3,
        wheelchair_users=1,
        accessibility_notes="Fatigue vite",
        comment="Arrivée en bus",
        contact_name="Alex Dupont",
        contact_phone="06 12 34 56 78",
    )
    first.accessibility_needs.add(lsf)
    BookingFactory(session=session, structure=StructureFactory(name="CADA de Lens"), participants=4)
    BookingFactory(session=session, status=BookingStatus.CANCELLED, structure=StructureFactory(name="Annulé"))
    client.force_login(mediator)

    response = client.get(reverse("planning:index"), {"semaine": _week(session.start.date())})

    content = response.content.decode()
    start, end = timezone.localtime(session.start), timezone.localtime(session.end)
    assert f'<a href="{reverse("planning:session", args=[session.pk])}">Visite contée</a>' in content
    assert (
        f'<time datetime="{start.isoformat()}">09:30</time> – <time datetime="{end.isoformat()}">'
        f"{end:%H:%M}</time>"
    ) in content
    assert "2 groupes : 10 participants et 5 accompagnateurs." in content
    assert (
        '<span class="fw-semibold">IME Les Tilleuls</span>\n            — 6 participants, 3 accompagnateurs'
        in (content)
    )
    assert '<span class="planning-needs">Besoins : 1 fauteuil, LSF, voir les remarques</span>' in content
    assert '<span class="planning-notes">Fatigue vite</span>' in content
    assert '<span class="planning-notes">Commentaire : Arrivée en bus</span>' in content
    assert (
        'Contact le jour même : Alex Dupont,\n              <a href="tel:0612345678">06 12 34 56 78</a>'
        in (content)
    )
    assert "Annulé" not in content  # a cancelled booking is no group of the session
    assert "Médiateurs :" not in content  # a mediator's own week does not list the mediators


def test_the_grid_and_the_list_mark_a_cancelled_session_and_an_empty_one(client, mediator):
    cancelled = session_at(_next_monday_at(10), status=SessionStatus.CANCELLED)
    empty = session_at(_next_monday_at(14, days=2), offer=OfferFactory(title="Atelier sans groupe"))
    assign(cancelled, mediator)
    assign(empty, mediator)
    client.force_login(mediator)

    content = client.get(reverse("planning:index"), {"semaine": _week(empty.start.date())}).content.decode()

    assert '<li class="planning-slot planning-slot--cancelled">' in content
    assert 'class="card planning-session mb-3 planning-session--cancelled"' in content
    assert content.count('<span class="badge text-bg-danger') == 2  # in the grid and on the card
    assert content.count("Aucun groupe n'a encore réservé.") == 2
    assert content.count("<article ") == 2
    assert content.count('<h4 class="h5 card-title"') == 2


def test_staff_see_the_mediators_of_each_session_or_that_nobody_leads_it(
    client, mediator, other_mediator, staff
):
    led = session_at(_next_monday_at(10), offer=OfferFactory(title="Visite à deux"))
    assign(led, mediator)
    assign(led, other_mediator)
    session_at(_next_monday_at(15), offer=OfferFactory(title="Visite sans médiateur"))
    client.force_login(staff)

    content = client.get(reverse("planning:index"), {"semaine": _week(led.start.date())}).content.decode()

    assert content.count('<span class="fw-semibold">Médiateurs :</span>') == 2
    assert "\n        Sam Médiateur, Lou Médiatrice\n" in content  # by last name
    assert '<span class="text-danger-emphasis">personne pour l\'instant</span>' in content


def test_the_days_have_their_names_links_and_the_week_its_title(client, mediator):
    session = session_at(_next_monday_at(10, days=3))
    assign(session, mediator)
    client.force_login(mediator)
    monday = session.start.date() - dt.timedelta(days=3)

    content = client.get(reverse("planning:index"), {"semaine": _week(monday)}).content.decode()

    sunday = monday + dt.timedelta(days=6)
    number = monday.isocalendar()[1]
    assert f"Semaine {number}, du {date_filter(monday, 'j F')} au {date_filter(sunday, 'j F Y')}" in content
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        url = reverse("planning:day", args=[day.year, day.month, day.day])
        assert f'<a href="{url}">{date_filter(day, "l j F")}</a>' in content
    thursday = monday + dt.timedelta(days=3)
    assert f'id="list-day-4">\n        {date_filter(thursday, "l j F Y")}' in content
    assert content.count('class="planning-day-title h6"') == 7


def test_an_empty_week_links_to_the_week_of_the_next_session(client, mediator):
    later = session_at(_next_monday_at(11, days=30))
    assign(later, mediator)
    client.force_login(mediator)

    content = client.get(reverse("planning:index"), {"semaine": _week(timezone.localdate())}).content.decode()

    local = timezone.localtime(later.start).date()
    assert "Aucune séance cette semaine." in content
    assert (
        f'<a href="?semaine={_week(local)}">Prochaine séance : {date_filter(local, "l j F Y")}</a>' in content
    )


def test_the_day_sheet_lists_the_sessions_of_the_day_with_their_mediators(client, mediator, other_mediator):
    session = session_at(_next_monday_at(10), offer=OfferFactory(title="Visite du matin"))
    assign(session, mediator)
    BookingFactory(session=session, contact_phone="03 21 00 00 00")
    other_day = session_at(_next_monday_at(10, days=1), offer=OfferFactory(title="Visite du mardi"))
    assign(other_day, mediator)
    client.force_login(mediator)
    day = session.start.date()

    content = client.get(reverse("planning:day", args=[day.year, day.month, day.day])).content.decode()

    assert "Visite du matin" in content and "Visite du mardi" not in content
    assert '<h2 class="h5 card-title"' in content
    assert "Lou Médiatrice" in content
    assert 'href="tel:0321000000"' in content
