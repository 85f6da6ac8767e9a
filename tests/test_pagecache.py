"""The page cache (louvrelens_social/pagecache.py): public pages served to anonymous visitors from the
cache (Redis in `make test`), and made stale by every write that changes what they show."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import constants, get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from common import pagecache
from tests.factories import BookingFactory, MembershipFactory, OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db

CATALOGUE = "catalogue:index"


def seats_left(response) -> list[int]:
    return [s.seats_left for g in response.context["groups"] for o in g["offers"] for s in o.upcoming]


def _message_cookie(rf, text: str) -> str:
    """The cookie in which Django keeps a message for the visitor's next page."""
    storage = CookieStorage(rf.get("/"))
    storage.add(constants.SUCCESS, text)
    response = HttpResponse()
    storage.update(response)
    return response.cookies["messages"].value


def test_the_cache_of_the_test_run_is_redis():
    # `make test` gives the suite the production backend: the cache is a real Redis server.
    from django.core.cache import caches

    assert caches["default"].__class__.__name__ == "RedisCache"


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
    # Browsers must ask again each time: seats left change with every booking.
    assert "no-cache" in second["Cache-Control"]
    # The security headers are added by the middleware to cached answers too.
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]
    assert second["Content-Language"] == "fr"


def test_a_booking_makes_the_page_stale_and_the_next_visit_shows_the_new_seats_left(client):
    session = SessionFactory(capacity=25)
    assert seats_left(client.get(reverse(CATALOGUE))) == [25]
    assert client.get(reverse(CATALOGUE))["X-Page-Cache"] == "hit"

    BookingFactory(session=session, participants=8, accompanying_staff=2)
    after = client.get(reverse(CATALOGUE))

    assert after["X-Page-Cache"] == "miss"
    assert seats_left(after) == [15]


def test_an_offer_page_is_rendered_again_after_its_session_changes(client):
    session = SessionFactory(place="Salle A")
    url = reverse("catalogue:offer", args=[session.offer.slug])
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    session.place = "Salle B"
    session.save()
    after = client.get(url)

    assert after["X-Page-Cache"] == "miss"
    assert "Salle B" in after.content.decode()


def test_logged_in_users_always_get_their_own_page(client):
    membership = MembershipFactory(user__first_name="Nadia", user__last_name="Benali")
    client.get(reverse(CATALOGUE))  # an anonymous visit cached the page
    client.force_login(membership.user)

    response = client.get(reverse(CATALOGUE))

    assert "X-Page-Cache" not in response
    assert "Nadia Benali" in response.content.decode()


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

    assert english["X-Page-Cache"] == "miss"
    assert english_again["X-Page-Cache"] == "hit"
    assert '<html lang="en">' in english_again.content.decode()
    assert '<html lang="fr">' in french.content.decode()


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


def test_a_missing_page_is_not_kept(client):
    url = reverse("catalogue:offer", args=["introuvable"])
    client.get(url)
    response = client.get(url)

    assert response.status_code == 404
    assert "X-Page-Cache" not in response
    redis = cache._cache.get_client()
    assert not redis.keys(f"*{pagecache.PAGE_KEY_PREFIX}*")
    client.get(reverse("home"))
    assert len(redis.keys(f"*{pagecache.PAGE_KEY_PREFIX}*")) == 1  # the check above can see a kept page


def test_the_page_cache_can_be_turned_off(client, settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    client.get(reverse("home"))

    assert "X-Page-Cache" not in client.get(reverse("home"))


# ---------------------------------------------------------------------------------------------
# The content version
# ---------------------------------------------------------------------------------------------


def test_every_watched_write_bumps_the_version_at_once_and_once_more_after_the_commit(
    django_capture_on_commit_callbacks,
):
    before = pagecache.content_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        session = SessionFactory()  # an offer, its exhibition and the session: three writes
        BookingFactory(session=session)  # a structure and a booking: two more
        during = pagecache.content_version()

    assert during > before
    # One bump of each counter after the commit, however many writes: the structure written for
    # the booking also makes the kept memberships stale. (The factory's count of the session's seats,
    # a service, bumps the content version once more after the commit: common.cache.content_changed.)
    assert len(callbacks) == 3
    assert pagecache.content_version() == during + 2


def test_a_booking_keeps_the_memberships_while_a_membership_or_structure_change_refreshes_them(
    rf, django_assert_num_queries
):
    from partners.selectors import request_memberships

    membership = MembershipFactory(structure__name="Foyer des Mésanges")
    session = SessionFactory()

    def read():
        request = rf.get("/")
        request.user = membership.user
        return [m.structure.name for m in request_memberships(request)]

    with django_assert_num_queries(1):
        assert read() == ["Foyer des Mésanges"]
    pages = pagecache.content_version()
    BookingFactory(session=session, structure=membership.structure)
    assert pagecache.content_version() > pages  # the pages showing seats are stale...
    with django_assert_num_queries(0):
        assert read() == ["Foyer des Mésanges"]  # ...the user's structures are not

    membership.structure.name = "Foyer des Hirondelles"
    membership.structure.save()
    with django_assert_num_queries(1):
        assert read() == ["Foyer des Hirondelles"]
    MembershipFactory(user=membership.user, structure__name="Atelier Vauban")
    with django_assert_num_queries(1):
        assert sorted(read()) == ["Atelier Vauban", "Foyer des Hirondelles"]


def test_a_rolled_back_transaction_leaves_no_bump_waiting(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            SessionFactory()
            raise RuntimeError("rolled back")
        with transaction.atomic():
            SessionFactory()

    assert len(callbacks) == 1  # the second transaction's own bump is scheduled


def test_a_login_does_not_make_the_pages_stale(client):
    membership = MembershipFactory()
    before = pagecache.content_version()

    client.force_login(membership.user)  # writes last_login on the user

    assert pagecache.content_version() == before


def test_the_version_starts_again_from_the_clock_when_the_cache_lost_it():
    first = pagecache.content_version()
    cache.delete(pagecache.VERSION_KEY)

    SessionFactory()

    assert pagecache.content_version() > first


def test_the_page_decorator_never_shares_a_page_rendered_with_a_csrf_token(rf, settings):
    from django.middleware.csrf import get_token

    calls = []

    @pagecache.public_page()
    def view(request: HttpRequest) -> HttpResponse:
        calls.append(1)
        return HttpResponse(f"<form>{get_token(request)}</form>")

    for _ in range(2):
        request = rf.get("/formulaire/")
        request.user = type("Anonymous", (), {"is_authenticated": False})()
        request._messages = get_messages(request)
        view(request)

    assert len(calls) == 2


def test_a_visitor_with_a_malformed_csrf_cookie_is_served_the_shared_page(client):
    from django.test import Client

    client.get(reverse("home"))  # another visitor's visit kept the page
    odd = Client()
    odd.cookies["csrftoken"] = "abc"  # the middleware replaces it on the way out

    response = odd.get(reverse("home"))

    assert response["X-Page-Cache"] == "hit"
    assert len(response.cookies["csrftoken"].value) == 32


# ---------------------------------------------------------------------------------------------
# Personal pages
# ---------------------------------------------------------------------------------------------


def _booked(structure, title: str):
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    return BookingFactory(
        structure=structure,
        session=SessionFactory(offer=OfferFactory(title=title), start=start),
    )


def test_my_bookings_is_kept_for_its_user_and_its_forms_get_their_own_csrf_token(django_assert_num_queries):
    from django.test import Client

    membership = MembershipFactory(structure__name="Centre social Vent d'Est")
    _booked(membership.structure, "Atelier argile")
    client = Client(enforce_csrf_checks=True)
    client.force_login(membership.user)
    first = client.get(reverse("bookings:list"))

    with django_assert_num_queries(1):  # the user of the request; the page from the cache
        second = client.get(reverse("bookings:list"))

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    html = second.content.decode()
    assert "Atelier argile" in html
    assert pagecache.CSRF_PLACEHOLDER not in html
    assert "private" in second["Cache-Control"]
    token = html.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    logout = client.post(reverse("partners:logout"), {"csrfmiddlewaretoken": token})
    assert logout.status_code == 302  # the token of the kept page is accepted


def test_a_kept_personal_page_is_never_shown_to_someone_else(client):
    first = MembershipFactory(structure__name="Centre social Vent d'Est")
    second = MembershipFactory(structure__name="Mission locale de Liévin")
    _booked(first.structure, "Atelier argile")
    client.force_login(first.user)
    client.get(reverse("bookings:list"))
    client.get(reverse("bookings:list"))

    client.force_login(second.user)
    response = client.get(reverse("bookings:list"))

    html = response.content.decode()
    assert response["X-Page-Cache"] == "miss"
    assert "Mission locale de Liévin" in html
    assert "Atelier argile" not in html and "Vent d'Est" not in html


def test_a_new_booking_shows_on_the_next_visit_of_my_bookings(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    client.get(reverse("bookings:list"))
    assert client.get(reverse("bookings:list"))["X-Page-Cache"] == "hit"

    _booked(membership.structure, "Visite en langue des signes")
    response = client.get(reverse("bookings:list"))

    assert response["X-Page-Cache"] == "miss"
    assert "Visite en langue des signes" in response.content.decode()


def test_a_personal_page_with_a_message_is_rendered_and_not_kept(client, rf):
    membership = MembershipFactory()
    client.force_login(membership.user)
    client.get(reverse("bookings:list"))  # kept
    client.cookies["messages"] = _message_cookie(rf, "Votre réservation est annulée.")

    shown = client.get(reverse("bookings:list"))
    after = client.get(reverse("bookings:list"))

    assert "X-Page-Cache" not in shown
    assert "Votre réservation est annulée." in shown.content.decode()
    assert after["X-Page-Cache"] == "hit"
    assert "Votre réservation est annulée." not in after.content.decode()


def test_another_structure_chosen_in_the_session_gets_its_own_page(client):
    first = MembershipFactory(structure__name="Centre social Vent d'Est")
    second = MembershipFactory(user=first.user, structure__name="Mission locale de Liévin")
    _booked(second.structure, "Atelier argile")
    client.force_login(first.user)
    client.get(reverse("bookings:list"))

    client.post(reverse("partners:structure_switch"), {"structure": second.structure.pk})
    response = client.get(reverse("bookings:list"))

    assert "Atelier argile" in response.content.decode()


def test_the_access_check_runs_before_a_kept_week_is_served(client):
    from django.contrib.auth.models import Group

    from tests.mediators.conftest import make_mediator

    mediator = make_mediator(first_name="Lou", last_name="Médiatrice")
    client.force_login(mediator)
    client.get(reverse("planning:index"))
    assert client.get(reverse("planning:index"))["X-Page-Cache"] == "hit"

    mediator.groups.remove(Group.objects.get(name="Mediators"))

    assert client.get(reverse("planning:index")).status_code == 404


def test_a_value_past_its_time_is_computed_again_by_one_request_while_the_others_get_the_kept_one():
    version = pagecache.content_version()
    pagecache.versioned_set("test:page", version, "kept", -1)  # already past its time limit

    first = pagecache.versioned_get("test:page")  # this request computes it again
    others = pagecache.versioned_get("test:page")  # meanwhile: the kept value, not a second render
    pagecache.versioned_set("test:page", version, "new", 60)

    assert first == (version, None)
    assert others == (version, "kept")
    assert pagecache.versioned_get("test:page") == (version, "new")


def test_a_value_of_an_older_version_is_never_served_even_while_computed_again():
    version = pagecache.content_version()
    pagecache.versioned_set("test:page", version, "kept", -1)
    pagecache.bump_content_version()

    assert pagecache.versioned_get("test:page")[1] is None
    assert pagecache.versioned_get("test:page")[1] is None


def test_each_process_keeps_the_pages_it_served_and_still_checks_the_version_every_time(client):
    session = SessionFactory(capacity=25)
    client.get(reverse(CATALOGUE))
    redis = cache._cache.get_client()
    for key in redis.keys(f"*{pagecache.PAGE_KEY_PREFIX}*"):
        redis.delete(key)  # the shared copy is gone: the process's own copy answers

    kept = client.get(reverse(CATALOGUE))
    BookingFactory(session=session, participants=8, accompanying_staff=2)
    after = client.get(reverse(CATALOGUE))

    assert kept["X-Page-Cache"] == "hit"
    assert after["X-Page-Cache"] == "miss"
    assert seats_left(after) == [15]
