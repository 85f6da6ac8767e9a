"""The one cache mechanism (common/cache.py): public pages kept for anonymous visitors on Django's
cache framework (Redis in `make test`), keyed by URL, language and the content version that a
committed write bumps; and a cache that is down is a miss, never an error page."""

from __future__ import annotations

import pytest
from django.contrib.messages import constants, get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache, caches
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.test import Client, override_settings
from django.urls import reverse

from bookings.models import Booking
from bookings.privacy import structure_erase
from common import cache as page_cache
from common.cache import cache_get_or_set, content_changed, content_version, public_page
from common.sessions import SessionStore
from partners.services import membership_leave, structure_suspend
from tests.bookings.factories import BookingFactory
from tests.partners.factories import MembershipFactory, StaffFactory
from tests.programmes.factories import OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db

CATALOGUE = "catalogue:index"
# Nothing listens on port 1: every call to this cache fails at once.
CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def seats_left(response) -> list[int]:
    return [s.seats_left for g in response.context["groups"] for o in g["offers"] for s in o.upcoming]


def _message_cookie(rf, text: str) -> str:
    """The cookie in which Django keeps a message for the visitor's next page."""
    storage = CookieStorage(rf.get("/"))
    storage.add(constants.SUCCESS, text)
    response = HttpResponse()
    storage.update(response)
    return response.cookies["messages"].value


def _kept_pages() -> list[bytes]:
    return cache._cache.get_client().keys(f"*{page_cache.PAGE_KEY_PREFIX}*")


def _anonymous_request(rf, path: str = "/formulaire/") -> HttpRequest:
    request = rf.get(path)
    request.user = type("Anonymous", (), {"is_authenticated": False})()
    request._messages = get_messages(request)
    return request


def test_the_cache_of_the_test_run_is_redis():
    # `make test` gives the suite the production backend: the cache is a real Redis server.
    assert caches["default"].__class__.__name__ == "RedisCache"


# ---------------------------------------------------------------------------------------------
# Public pages
# ---------------------------------------------------------------------------------------------


def test_a_second_anonymous_visit_is_served_from_the_cache_without_any_query(
    client, django_assert_num_queries
):
    SessionFactory(offer=OfferFactory(title="Visite des réserves"))

    first = client.get(reverse(CATALOGUE))
    with django_assert_num_queries(0):
        second = client.get(reverse(CATALOGUE))

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "Visite des réserves" in second.content.decode()
    # Browsers and proxies must ask again each time: seats left change with every booking.
    assert second["Cache-Control"] == first["Cache-Control"] == "no-cache"
    assert not second.has_header("Expires")
    # The security headers are added by the middleware to cached answers too.
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert second["Content-Language"] == "fr"


@pytest.mark.parametrize("name", ["home", "legal", "accessibility", "privacy"])
def test_the_home_and_legal_pages_are_kept_too(client, name):
    first = client.get(reverse(name))
    second = client.get(reverse(name))

    assert (first["X-Page-Cache"], second["X-Page-Cache"]) == ("miss", "hit")
    assert second.content == first.content


def test_a_committed_write_changes_the_page_at_the_next_visit(client, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=25)
    assert seats_left(client.get(reverse(CATALOGUE))) == [25]
    assert client.get(reverse(CATALOGUE))["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        BookingFactory(session=session, participants=8, accompanying_staff=2)
        content_changed()
    after = client.get(reverse(CATALOGUE))

    assert after["X-Page-Cache"] == "miss"
    assert seats_left(after) == [15]


def test_a_write_not_yet_committed_leaves_the_kept_page_as_it_was(client, django_capture_on_commit_callbacks):
    session = SessionFactory(capacity=25)
    client.get(reverse(CATALOGUE))

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        type(session).objects.filter(pk=session.pk).update(seats_taken=10)  # as a booking writes it
        content_changed()
        during = client.get(reverse(CATALOGUE))  # the version is bumped by the commit, not before

    assert during["X-Page-Cache"] == "hit"
    assert seats_left(client.get(reverse(CATALOGUE))) == [15]


def test_an_offer_page_is_rendered_again_after_its_session_changes(
    client, django_capture_on_commit_callbacks
):
    session = SessionFactory(place="Salle A")
    url = reverse("catalogue:offer", args=[session.offer.slug])
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        session.place = "Salle B"
        session.save()
        content_changed()
    after = client.get(url)

    assert after["X-Page-Cache"] == "miss"
    assert "Salle B" in after.content.decode()


def test_a_logged_in_page_is_never_cached(client, django_assert_max_num_queries):
    membership = MembershipFactory(user__first_name="Nadia", user__last_name="Benali")
    client.get(reverse(CATALOGUE))  # an anonymous visit kept the page
    client.force_login(membership.user)

    first = client.get(reverse(CATALOGUE))
    with django_assert_max_num_queries(100) as second_queries:
        second = client.get(reverse(CATALOGUE))

    for response in (first, second):
        assert "X-Page-Cache" not in response
        assert "Nadia Benali" in response.content.decode()
    assert len(second_queries) > 0  # rendered again
    assert len(_kept_pages()) == 1  # the anonymous visitor's copy only


def test_a_cached_public_page_holds_no_csrf_token_and_sets_no_cookie(client):
    first = client.get(reverse("home"))
    second = client.get(reverse("home"))

    assert second["X-Page-Cache"] == "hit"
    for response in (first, second):
        assert "csrfmiddlewaretoken" not in response.content.decode()
        assert not response.cookies


def test_each_language_has_its_own_cached_page(client):
    french = client.get(reverse("home"))
    client.cookies["django_language"] = "en"
    english = client.get(reverse("home"))
    english_again = client.get(reverse("home"))

    assert french["X-Page-Cache"] == english["X-Page-Cache"] == "miss"
    assert english_again["X-Page-Cache"] == "hit"
    assert '<html lang="en">' in english_again.content.decode()
    assert '<html lang="fr">' in french.content.decode()


def test_each_address_has_its_own_cached_page(client):
    OfferFactory(title="Atelier argile", kind="workshop")
    OfferFactory(title="Visite des réserves", kind="guided_visit")
    workshops = client.get(reverse(CATALOGUE), {"kind": "workshop"})
    visits = client.get(reverse(CATALOGUE), {"kind": "guided_visit"})
    workshops_again = client.get(reverse(CATALOGUE), {"kind": "workshop"})

    assert (workshops["X-Page-Cache"], visits["X-Page-Cache"]) == ("miss", "miss")
    assert workshops_again["X-Page-Cache"] == "hit"
    assert "Atelier argile" in workshops_again.content.decode()
    assert "Visite des réserves" not in workshops_again.content.decode()
    assert len(_kept_pages()) == 2


def test_the_easy_to_read_choice_has_its_own_cached_page(client):
    OfferFactory(title="Atelier", easy_read_summary="Un atelier facile à lire.")
    standard = client.get(reverse(CATALOGUE))
    easy = client.get(reverse(CATALOGUE) + "?facile=1")
    # The choice is now in the visitor's session: the plain address gives the easy-to-read page.
    easy_again = client.get(reverse(CATALOGUE))

    assert standard.context["easy_read"] is False
    assert easy.context["easy_read"] is True
    assert easy_again["X-Page-Cache"] == "miss"
    assert easy_again.context["easy_read"] is True
    assert client.get(reverse(CATALOGUE))["X-Page-Cache"] == "hit"
    assert Client().get(reverse(CATALOGUE))["X-Page-Cache"] == "hit"  # another visitor: the standard page
    assert "Un atelier facile à lire." not in Client().get(reverse(CATALOGUE)).content.decode()


def test_a_waiting_message_is_shown_by_a_fresh_page_and_never_cached(client, rf):
    client.get(reverse("home"))  # cached
    client.cookies["messages"] = _message_cookie(rf, "Vous êtes déconnecté(e).")

    with_message = client.get(reverse("home"))
    after = client.get(reverse("home"))

    assert "X-Page-Cache" not in with_message
    assert "Vous êtes déconnecté(e)." in with_message.content.decode()
    assert after["X-Page-Cache"] == "hit"
    assert "Vous êtes déconnecté(e)." not in after.content.decode()


def test_a_very_long_query_string_is_answered_but_not_kept(client):
    url = reverse(CATALOGUE) + "?kind=" + "x" * 300
    client.get(url)

    response = client.get(url)

    assert response.status_code == 200
    assert "X-Page-Cache" not in response
    assert _kept_pages() == []


def test_a_missing_page_is_not_kept(client):
    url = reverse("catalogue:offer", args=["introuvable"])
    client.get(url)
    response = client.get(url)

    assert response.status_code == 404
    assert "X-Page-Cache" not in response
    assert _kept_pages() == []
    client.get(reverse("home"))
    assert len(_kept_pages()) == 1  # the check above can see a kept page


def test_the_page_cache_can_be_turned_off(client, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    client.get(reverse("home"))

    assert "X-Page-Cache" not in client.get(reverse("home"))
    assert _kept_pages() == []


def test_a_page_rendered_with_a_csrf_token_is_never_kept(rf):
    calls = []

    @public_page()
    def view(request: HttpRequest) -> HttpResponse:
        calls.append(1)
        return HttpResponse(f"<form>{get_token(request)}</form>")

    for _ in range(2):
        response = view(_anonymous_request(rf))

    assert len(calls) == 2
    assert "X-Page-Cache" not in response
    assert _kept_pages() == []


def test_a_page_that_sets_a_cookie_or_writes_to_the_session_is_never_kept(rf):
    calls = []

    @public_page()
    def with_cookie(request: HttpRequest) -> HttpResponse:
        calls.append("cookie")
        response = HttpResponse("<p>bonjour</p>")
        response.set_cookie("seen", "1")
        return response

    @public_page()
    def with_session(request: HttpRequest) -> HttpResponse:
        calls.append("session")
        request.session["seen"] = True
        return HttpResponse("<p>bonjour</p>")

    for _ in range(2):
        with_cookie(_anonymous_request(rf, "/cookie/"))
        request = _anonymous_request(rf, "/session/")
        request.session = SessionStore()
        with_session(request)

    assert calls == ["cookie", "session"] * 2
    assert _kept_pages() == []


def test_a_visitor_with_a_malformed_csrf_cookie_is_served_the_shared_page(client):
    client.get(reverse("home"))  # another visitor's visit kept the page
    odd = Client()
    odd.cookies["csrftoken"] = "abc"  # the middleware replaces it on the way out

    response = odd.get(reverse("home"))

    assert response["X-Page-Cache"] == "hit"
    assert len(response.cookies["csrftoken"].value) == 32


# ---------------------------------------------------------------------------------------------
# The content version
# ---------------------------------------------------------------------------------------------


def test_the_version_is_bumped_once_after_the_commit_however_many_writes(django_capture_on_commit_callbacks):
    before = content_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        content_changed()
        SessionFactory()
        content_changed()
        during = content_version()

    assert during == before
    assert len(callbacks) == 1
    assert content_version() == before + 1


def test_a_rolled_back_transaction_leaves_no_bump_waiting(django_capture_on_commit_callbacks):
    before = content_version()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        SessionFactory()
        content_changed()
        raise RuntimeError("rolled back")

    assert callbacks == []
    assert content_version() == before


def test_a_write_made_by_a_factory_alone_bumps_nothing(client):
    # No signal bumps the version any more: services do, after their commit.
    before = content_version()

    SessionFactory()
    client.force_login(MembershipFactory().user)  # writes last_login on the user

    assert content_version() == before


def test_the_version_starts_again_from_the_clock_when_the_cache_lost_it():
    first = content_version()
    cache.delete(page_cache.VERSION_KEY)

    content_changed()  # outside a transaction: at once

    assert content_version() > first


def test_partner_services_bump_the_version_after_their_commit(django_capture_on_commit_callbacks):
    membership = MembershipFactory()
    MembershipFactory(structure=membership.structure)
    before = content_version()

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        structure_suspend(structure=membership.structure, reason="Travaux")
        during = content_version()
    after_suspension = content_version()
    with django_capture_on_commit_callbacks(execute=True):
        membership_leave(user=membership.user, structure=membership.structure)

    assert before == during  # not inside the transaction
    assert before < after_suspension < content_version()


def test_the_erasure_of_a_structure_bumps_the_version_after_its_commit(django_capture_on_commit_callbacks):
    booking = BookingFactory()
    MembershipFactory(structure=booking.structure)
    before = content_version()

    with django_capture_on_commit_callbacks(execute=True):
        structure_erase(structure=booking.structure, by=StaffFactory())

    assert content_version() > before


def test_a_value_kept_with_cache_get_or_set_is_computed_once():
    computed = []

    def compute() -> dict:
        computed.append(1)
        return {"people": 12}

    first = cache_get_or_set("test:figures", compute, seconds=60)
    second = cache_get_or_set("test:figures", compute, seconds=60)

    assert first == second == {"people": 12}
    assert len(computed) == 1


# ---------------------------------------------------------------------------------------------
# A cache that is down is a miss
# ---------------------------------------------------------------------------------------------


@override_settings(CACHES=CACHE_DOWN)
def test_the_public_pages_are_rendered_when_the_cache_is_down(client):
    session = SessionFactory(offer=OfferFactory(title="Visite des réserves"))

    home = client.get(reverse("home"))
    catalogue = client.get(reverse(CATALOGUE))
    offer = client.get(reverse("catalogue:offer", args=[session.offer.slug]))

    for response in (home, catalogue, offer):
        assert response.status_code == 200
        assert "X-Page-Cache" not in response
        assert response["Cache-Control"] == "no-cache"
    assert "Visite des réserves" in catalogue.content.decode()
    assert content_version() is None


@override_settings(CACHES=CACHE_DOWN)
def test_a_booking_is_made_when_the_cache_is_down(client, django_capture_on_commit_callbacks):
    membership = MembershipFactory()
    session = SessionFactory(capacity=25)
    client.force_login(membership.user)
    url = reverse("bookings:create", args=[session.pk])
    form = {
        "participants": 8,
        "accompanying_staff": 2,
        "contact_name": "Dominique Leroy",
        "contact_phone": "06 00 00 00 00",
        "action": "book",
    }

    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form)

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("bookings:done", args=[booking.pk])
    assert (booking.session, booking.structure, booking.participants) == (session, membership.structure, 8)
    assert client.get(response.url).status_code == 200


@override_settings(CACHES=CACHE_DOWN)
def test_logging_in_and_out_works_when_the_cache_is_down(client):
    membership = MembershipFactory(user__email="nadia@exemple.fr")
    membership.user.set_password("un mot de passe assez long")
    membership.user.save()

    logged_in = client.post(
        reverse("partners:login"), {"username": "nadia@exemple.fr", "password": "un mot de passe assez long"}
    )
    mine = client.get(reverse("partners:my_structure"))
    logged_out = client.post(reverse("partners:logout"))

    assert logged_in.status_code == 302
    assert mine.status_code == 200
    assert logged_out.status_code == 302
    assert client.get(reverse("partners:my_structure")).status_code == 302  # to the login page


@override_settings(CACHES=CACHE_DOWN)
def test_cache_get_or_set_computes_the_value_when_the_cache_is_down():
    assert cache_get_or_set("test:figures", lambda: {"people": 12}, seconds=60) == {"people": 12}
    content_changed()  # nothing to bump, and no error
