"""My bookings (/reservations/): what each line shows, the pages of past bookings, and the helpers
that write its dates and links without a template filter per line."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone, translation

from bookings.enums import BookingStatus
from common.text import DateWords, url_maker
from programmes.enums import OfferKind
from tests.bookings.factories import BookingFactory
from tests.partners.factories import UserFactory
from tests.programmes.factories import OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db


def _at(days: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, 30), tzinfo=timezone.get_current_timezone())


def _session(days: int, hour: int = 10, **kwargs):
    start = _at(days, hour)
    return SessionFactory(start=start, booking_deadline=start - dt.timedelta(days=1), **kwargs)


def test_date_words_write_dates_as_the_date_filter_does_in_both_languages():
    first = dt.date(2026, 1, 1)
    days = [first + dt.timedelta(days=n) for n in range(0, 366, 5)]

    for language in ("fr", "en"):
        with translation.override(language):
            words = DateWords()
            assert [words.day_month_year(d) for d in days] == [date_filter(d, "j F Y") for d in days]
            assert [words.weekday_day_month_year(d) for d in days] == [
                date_filter(d, "l j F Y") for d in days
            ]
            assert [words.weekday_day_month(d) for d in days] == [date_filter(d, "l j F") for d in days]


def test_url_maker_builds_the_urls_reverse_would():
    detail = url_maker("bookings:detail")

    assert [detail(pk) for pk in (1, 42, 2147483647)] == [
        reverse("bookings:detail", args=[pk]) for pk in (1, 42, 2147483647)
    ]


def test_a_line_shows_offer_date_time_place_status_and_group(client, structure, coordinator):
    session = _session(12, offer=OfferFactory(title="Visite des réserves"), place="Galerie du temps")
    booking = BookingFactory(structure=structure, session=session, participants=12, accompanying_staff=3)
    client.force_login(coordinator)

    content = client.get(reverse("bookings:list")).content.decode()

    local = timezone.localtime(session.start)
    assert f'<a href="{reverse("bookings:detail", args=[booking.pk])}">Visite des réserves' in content
    assert f'<span class="visually-hidden"> — {date_filter(local, "j F Y")}</span>' in content
    assert (
        f'<time datetime="{local.isoformat()}">{date_filter(local, "l j F Y")}, 10:30</time>'
        " — Galerie du temps"
    ) in content
    assert '<span class="badge-status confirmed">Confirmée</span>' in content
    assert "12 participants, 3 accompagnateur(s)" in content


def test_a_line_of_a_relais_offer_names_the_relais_and_waiting_offers_say_so(client, structure, coordinator):
    relais = UserFactory(first_name="Inès", last_name="Vasseur")
    nameless = UserFactory(first_name="", last_name="", email="sans.nom@exemple.fr")
    abc = OfferFactory(kind=OfferKind.ABC, title="L'ABC du musée")
    BookingFactory(structure=structure, session=_session(5, offer=abc), attendee=relais)
    BookingFactory(structure=structure, session=_session(6, offer=abc), attendee=nameless)
    BookingFactory(
        structure=structure,
        session=_session(7),
        status=BookingStatus.WAITLISTED,
        waitlist_offer_expires_at=timezone.now() + dt.timedelta(hours=20),
    )
    BookingFactory(structure=structure, session=_session(8), status=BookingStatus.WAITLISTED)
    client.force_login(coordinator)

    content = client.get(reverse("bookings:list")).content.decode()

    assert '<span class="ms-2">Inès Vasseur</span>' in content
    assert '<span class="ms-2">sans.nom@exemple.fr</span>' in content
    assert '<span class="badge-status waitlisted">Places proposées : confirmez-les</span>' in content
    assert '<span class="badge-status waitlisted">Liste d&#x27;attente</span>' in content


def test_the_three_lists_are_in_their_order_and_sections_keep_their_headings(client, structure, coordinator):
    later = BookingFactory(structure=structure, session=_session(20))
    sooner = BookingFactory(structure=structure, session=_session(3))
    old = BookingFactory(structure=structure, session=_session(-30), status=BookingStatus.ATTENDED)
    recent = BookingFactory(structure=structure, session=_session(-2), status=BookingStatus.ABSENT)
    cancelled = BookingFactory(structure=structure, session=_session(9), status=BookingStatus.CANCELLED)
    closed = BookingFactory(structure=structure, session=_session(-4), status=BookingStatus.WAITLISTED)
    client.force_login(coordinator)

    response = client.get(reverse("bookings:list"))

    assert [b.pk for b in response.context["upcoming"]] == [sooner.pk, later.pk]
    assert [b.pk for b in response.context["past"]] == [recent.pk, old.pk]
    assert [b.pk for b in response.context["cancelled"]] == [cancelled.pk, closed.pk]
    content = response.content.decode()
    for title in ("upcoming-title", "past-title", "cancelled-title"):
        assert f'<section aria-labelledby="{title}" class="mb-4">' in content
        assert f'<h2 id="{title}">' in content
    assert content.count('<h3 class="h6 mb-1">') == 6


def test_empty_lists_say_so_and_show_no_cancelled_section(client, structure, coordinator):
    client.force_login(coordinator)

    content = client.get(reverse("bookings:list")).content.decode()

    assert "Aucune réservation à venir." in content
    assert 'id="cancelled-title"' not in content
    assert "<nav" not in content.split('id="upcoming-title"', 1)[1].split("</main>", 1)[0]


def test_pages_of_past_and_cancelled_bookings_link_to_each_other(client, structure, coordinator):
    for day in range(1, 23):
        BookingFactory(structure=structure, session=_session(-day), status=BookingStatus.ATTENDED)
    for day in range(1, 42):
        BookingFactory(structure=structure, session=_session(-day, hour=14), status=BookingStatus.CANCELLED)
    client.force_login(coordinator)

    response = client.get(reverse("bookings:list"), {"passees": "2", "annulees": "3"})

    content = response.content.decode()
    assert len(response.context["past"]) == 2
    assert len(response.context["cancelled"]) == 1
    assert '<nav aria-label="Pages des réservations passées" class="mt-2">' in content
    assert "Page 2 sur 2" in content and "Page 3 sur 3" in content
    # Each pager keeps the other list on its page.
    assert 'href="?passees=1&amp;annulees=3">Plus récentes</a>' in content
    assert 'href="?annulees=2&amp;passees=2">Plus récentes</a>' in content
    assert "Plus anciennes" not in content


def test_a_page_number_past_the_end_shows_the_last_page(client, structure, coordinator):
    for day in range(1, 23):
        BookingFactory(structure=structure, session=_session(-day), status=BookingStatus.ATTENDED)
    client.force_login(coordinator)

    response = client.get(reverse("bookings:list"), {"passees": "999"})

    assert response.context["past_page"].number == 2
    assert len(response.context["past"]) == 2
    assert 'href="?passees=1&amp;annulees=1">Plus récentes</a>' in response.content.decode()
