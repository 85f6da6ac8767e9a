"""The public catalogue: grouping, filters, easy-to-read texts, seats left, constant query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from bookings.enums import BookingStatus
from programmes.enums import AccessibilityFeature, Audience, OfferKind, SessionStatus
from programmes.models import AccessibilityOption
from tests.bookings.factories import BookingFactory
from tests.programmes.factories import ExhibitionFactory, OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db


def offers_shown(response) -> list[str]:
    return [offer.title for group in response.context["groups"] for offer in group["offers"]]


def option(code):
    return AccessibilityOption.objects.get_or_create(code=code)[0]


def test_catalogue_is_public_and_groups_offers_by_kind(client):
    OfferFactory(title="Atelier argile", kind=OfferKind.WORKSHOP)
    OfferFactory(title="L'ABC", kind=OfferKind.ABC, audience=Audience.RELAIS)
    OfferFactory(title="Visite cachée", is_published=False)

    response = client.get(reverse("catalogue:index"))

    assert response.status_code == 200
    assert [(g["kind"], [o.title for o in g["offers"]]) for g in response.context["groups"]] == [
        (OfferKind.ABC, ["L'ABC"]),
        (OfferKind.WORKSHOP, ["Atelier argile"]),
    ]


def test_home_page_button_leads_to_the_catalogue(client):
    response = client.get(reverse("home"))

    assert f'href="{reverse("catalogue:index")}"' in response.content.decode()


def test_catalogue_shows_seats_left_and_full_sessions(client, structure):
    offer = OfferFactory(title="Visite")
    open_session = SessionFactory(offer=offer, capacity=25, place="Salle A")
    full = SessionFactory(offer=offer, capacity=10, place="Salle B")
    BookingFactory(session=open_session, participants=8, accompanying_staff=2)
    BookingFactory(session=full, participants=8, accompanying_staff=2)
    BookingFactory(session=open_session, status=BookingStatus.CANCELLED, participants=8)
    start = timezone.now() - dt.timedelta(days=1)
    SessionFactory(offer=offer, start=start, booking_deadline=start - dt.timedelta(days=1))
    SessionFactory(offer=offer, status=SessionStatus.CANCELLED, place="Salle C")

    response = client.get(reverse("catalogue:index"))

    [shown] = response.context["groups"][0]["offers"]
    assert [(s.place, s.seats_left) for s in shown.upcoming] == [("Salle A", 15), ("Salle B", 0)]
    html = response.content.decode()
    assert gettext("Full: waiting list") in html


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"kind": OfferKind.WORKSHOP}, ["Atelier"]),
        ({"audience": Audience.RELAIS}, ["ABC"]),
        ({"accessibility": AccessibilityFeature.LSF}, ["Visite LSF"]),
        ({}, ["ABC", "Visite LSF", "Atelier"]),
    ],
)
def test_catalogue_filters(client, params, expected):
    OfferFactory(title="ABC", kind=OfferKind.ABC, audience=Audience.RELAIS)
    OfferFactory(title="Visite LSF").accessibility.add(option(AccessibilityFeature.LSF))
    OfferFactory(title="Atelier", kind=OfferKind.WORKSHOP).accessibility.add(
        option(AccessibilityFeature.TACTILE)
    )

    response = client.get(reverse("catalogue:index"), params)

    assert offers_shown(response) == expected


def test_catalogue_filter_by_exhibition(client):
    exhibition = ExhibitionFactory()
    OfferFactory(title="Autour de l'expo", exhibition=exhibition)
    OfferFactory(title="Galerie du temps")

    response = client.get(reverse("catalogue:index"), {"exhibition": exhibition.slug})

    assert offers_shown(response) == ["Autour de l'expo"]


def test_catalogue_filter_by_month_keeps_that_month_sessions(client):
    in_two_months = (timezone.localdate().replace(day=1) + dt.timedelta(days=62)).replace(day=10)
    start = timezone.make_aware(dt.datetime.combine(in_two_months, dt.time(14, 0)))
    offer = OfferFactory(title="Visite du mois")
    SessionFactory(offer=offer, start=start, booking_deadline=start - dt.timedelta(days=2))
    SessionFactory(offer=offer)  # in two weeks: another month
    OfferFactory(title="Sans séance ce mois-là")

    response = client.get(reverse("catalogue:index"), {"month": in_two_months.strftime("%Y-%m")})

    assert offers_shown(response) == ["Visite du mois"]
    assert [s.start for s in response.context["groups"][0]["offers"][0].upcoming] == [start]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"month": "2025-13"}, "month"),
        ({"month": "n'importe quoi"}, "month"),
        ({"kind": "cirque"}, "kind"),
        ({"accessibility": "<script>"}, "accessibility"),
        ({"exhibition": "inconnue"}, "exhibition"),
        ({"audience": "tous"}, "audience"),
    ],
)
def test_catalogue_invalid_filter_gives_a_message_not_a_500(client, params, field):
    OfferFactory(title="Visite")

    response = client.get(reverse("catalogue:index"), params)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert offers_shown(response) == ["Visite"]


def test_catalogue_easy_read_summary_first_when_chosen_and_remembered(client):
    OfferFactory(title="Visite", summary="Résumé complet", easy_read_summary="Texte facile à lire")
    url = reverse("catalogue:index")

    plain = client.get(url).content.decode()
    chosen = client.get(url, {"facile": "1"}).content.decode()
    remembered = client.get(url).content.decode()
    back = client.get(url, {"facile": "0"}).content.decode()

    assert "Texte facile à lire" not in plain
    assert chosen.index("Texte facile à lire") < chosen.index("Résumé complet")
    assert "Texte facile à lire" in remembered
    assert "Texte facile à lire" not in back


def test_offer_page_lists_all_bookable_sessions(client):
    offer = OfferFactory(slug="visite-lsf", meeting_point="Hall d'accueil, borne bleue")
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=5)
    for day in range(6):
        SessionFactory(offer=offer, start=start + dt.timedelta(days=day), booking_deadline=start)

    response = client.get(reverse("catalogue:offer", args=["visite-lsf"]))

    assert response.status_code == 200
    assert len(response.context["sessions"]) == 6
    assert "borne bleue" in response.content.decode()


def test_offer_page_of_an_unpublished_offer_is_404(client):
    OfferFactory(slug="brouillon", is_published=False)

    assert client.get(reverse("catalogue:offer", args=["brouillon"])).status_code == 404


def test_offer_page_tells_a_relais_without_abc_why_and_shows_abc_sessions(client, coordinator):
    OfferFactory(slug="en-autonomie", kind=OfferKind.AUTONOMOUS_VISIT, requires_abc_training=True)
    abc = SessionFactory(offer=OfferFactory(kind=OfferKind.ABC, min_group_size=1, max_group_size=1))
    client.force_login(coordinator)

    response = client.get(reverse("catalogue:offer", args=["en-autonomie"]))

    assert response.context["abc_missing"] is True
    assert [s.pk for s in response.context["abc_sessions"]] == [abc.pk]


def _sessions_for(offer, count):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=5)
    for day in range(count):
        session = SessionFactory(offer=offer, start=start + dt.timedelta(days=day), booking_deadline=start)
        BookingFactory(session=session, participants=4, accompanying_staff=1)


@pytest.mark.parametrize("logged", [False, True])
def test_catalogue_query_count_is_the_same_with_1_and_50_sessions(
    client, coordinator, django_assert_num_queries, logged, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # the queries of rendering (cached: tests/common/test_cache.py)
    if logged:
        client.force_login(coordinator)
    offer = OfferFactory()
    offer.accessibility.add(option(AccessibilityFeature.LSF), option(AccessibilityFeature.WHEELCHAIR))
    _sessions_for(offer, 1)
    url = reverse("catalogue:index")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    second = OfferFactory(kind=OfferKind.WORKSHOP)
    second.accessibility.add(option(AccessibilityFeature.TACTILE))
    _sessions_for(second, 49)

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)

    offers = [o for g in response.context["groups"] for o in g["offers"]]
    assert sum(o.upcoming_total for o in offers) == 50
    assert sum(len(o.upcoming) for o in offers) == 1 + 4  # the first dates of each offer only


def test_offer_page_query_count_is_the_same_with_1_and_50_sessions(
    client, django_assert_num_queries, settings
):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0  # the queries of rendering (cached: tests/common/test_cache.py)
    offer = OfferFactory(slug="visite")
    _sessions_for(offer, 1)
    url = reverse("catalogue:offer", args=["visite"])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=100)
    for day in range(49):
        SessionFactory(offer=offer, start=start + dt.timedelta(days=day), booking_deadline=start)

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)

    assert len(response.context["sessions"]) == 20  # the first page of dates
    assert response.context["page_obj"].paginator.count == 50


def test_catalogue_shows_twelve_offers_a_page_with_links_keeping_the_filters(client):
    for n in range(13):
        OfferFactory(title=f"Atelier {n:02d}", kind=OfferKind.WORKSHOP)
    url = reverse("catalogue:index")

    first = client.get(url, {"kind": OfferKind.WORKSHOP})
    second = client.get(url, {"kind": OfferKind.WORKSHOP, "page": "2"})

    assert len(offers_shown(first)) == 12
    assert sorted(offers_shown(first) + offers_shown(second)) == [f"Atelier {n:02d}" for n in range(13)]
    html = first.content.decode()
    assert gettext("Pages of the offers") in html
    assert f"?kind={OfferKind.WORKSHOP}&amp;page=2" in html
    assert first.context["offer_count"] == 13  # the count says how many in all


@pytest.mark.parametrize("page", ["abc", "0", "999", "-1", "2\x00"])
def test_catalogue_with_a_page_number_that_is_not_one_shows_a_real_page(client, page):
    for n in range(13):
        OfferFactory(title=f"Atelier {n:02d}")

    response = client.get(reverse("catalogue:index"), {"page": page})

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert 1 <= len(offers_shown(response)) <= 12


def test_offer_page_shows_twenty_dates_a_page(client):
    offer = OfferFactory(slug="visite")
    _sessions_for(offer, 21)
    url = reverse("catalogue:offer", args=["visite"])

    first = client.get(url)
    second = client.get(url, {"page": "2"})

    assert len(first.context["sessions"]) == 20
    assert len(second.context["sessions"]) == 1
    assert first.context["sessions"][0].start < second.context["sessions"][0].start
    html = first.content.decode()
    assert gettext("Pages of the dates") in html
    assert "?page=2#dates-title" in html
