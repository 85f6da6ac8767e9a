"""Every object-level URL of the portal is closed to the people it does not belong to.

The project's URL patterns are enumerated; each one that takes a value from the URL (a primary key,
a slug, a token, a date) must be described in ROUTES below: how to build the URL of an object owned
by structure A or led by mediator M, and who may open it. A new view with such a pattern and no entry
here fails `test_every_object_level_url_pattern_is_described`, so it cannot be forgotten.

For each route: the people allowed get their page (so that the test can fail), everyone else gets a
404 (a logged-in outsider) or the login page (an anonymous visitor), by GET and by POST, and nothing
changes in the database. Token URLs answer 404 to a wrong or revoked token.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.html import escape
from django.utils.http import urlsafe_base64_encode

from bookings.models import Booking, ProjectRequest
from notifications.models import OutboxMessage
from partners.models import Invitation, Membership, Structure, User
from partners.services import email_verification_token
from programmes.models import Assignment, Session
from programmes.services import calendar_token_regenerate

from .conftest import World

pytestmark = pytest.mark.django_db

# Who visits: the roles of the world fixture, and "anonymous".
ROLES = ("coordinator_a", "coordinator_b", "mediator", "other_mediator", "staff", "anonymous")
SKIPPED_PREFIXES = ("admin/", "i18n/")
USER_FIELDS = ("pk", "email", "password", "is_active", "is_staff", "email_verified", "calendar_token")


def object_level_patterns() -> dict[str, str]:
    """{"namespace:name": "route"} of every pattern that takes a value from the URL."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(SKIPPED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                walk(pattern.url_patterns, route, inner)
            elif isinstance(pattern, URLPattern) and pattern.pattern.regex.groupindex:
                found[f"{namespace}{pattern.name}"] = route

    walk(get_resolver().url_patterns, "", "")
    return found


@dataclass(frozen=True)
class Route:
    """How to reach one object-level URL, and who may."""

    kind: str  # "owned" | "public" | "token"
    kwargs: Callable[[World], dict]
    allowed: tuple[str, ...] = ()  # roles that get the page ("owned")
    method: str = "get"  # how the allowed roles open it
    status: int = 200  # what they get
    secret: Callable[[World], str] | None = None  # text only the allowed roles may read
    # "owned" pages that every role of a kind may open, showing only their own objects (a day sheet)
    open_to: tuple[str, ...] = ()
    hidden_kwargs: Callable[[World], dict] | None = None  # "public": an object nobody may reach
    login_required: bool = False  # "public"
    wrong_kwargs: Callable[[World], dict] | None = None  # "token": a made-up token
    revoke: Callable[[World], dict] | None = None  # "token": revokes the token, gives the old URL's kwargs
    extra: dict = field(default_factory=dict)


def _booking(w: World) -> dict:
    return {"pk": w.booking.pk}


def _waiting(w: World) -> dict:
    return {"pk": w.waiting.pk}


def _session(w: World) -> dict:
    return {"pk": w.session.pk}


def _day(w: World) -> dict:
    day = timezone.localdate(w.session.start)
    return {"year": day.year, "month": day.month, "day": day.day}


def _revoke_calendar(role: str) -> Callable[[World], dict]:
    def revoke(w: World) -> dict:
        user = getattr(w, role)
        old = user.calendar_token
        calendar_token_regenerate(user=user)
        return {"token": old}

    return revoke


def _revoke_invitation(w: World) -> dict:
    token = w.invitation.token
    w.invitation.delete()
    return {"token": token}


def _reset_kwargs(w: World) -> dict:
    user = w.coordinator_a
    return {
        "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
    }


def _reset_used(w: World) -> dict:
    kwargs = _reset_kwargs(w)
    w.coordinator_a.set_password("Un-tout-autre-mot-de-passe-77")
    w.coordinator_a.save()  # a used link: the password it was made for has changed
    return kwargs


COORDINATOR_A = ("coordinator_a",)
SCHEDULE = ("mediator", "staff")

ROUTES: dict[str, Route] = {
    # --- Partners -----------------------------------------------------------------------------
    "partners:leave": Route(
        "owned",
        lambda w: {"structure_id": w.structure_a.pk},
        COORDINATOR_A,
        secret=lambda w: w.structure_a.name,
    ),
    "partners:invitation_revoke": Route(
        "owned", lambda w: {"pk": w.invitation.pk}, COORDINATOR_A, method="post", status=302
    ),
    "partners:invitation_accept": Route(
        "token",
        lambda w: {"token": w.invitation.token},
        wrong_kwargs=lambda w: {"token": "x" * 43},
        revoke=_revoke_invitation,
    ),
    "partners:verify_email": Route(
        "token",
        lambda w: {"token": email_verification_token(w.coordinator_a)},
        wrong_kwargs=lambda w: {"token": email_verification_token(w.coordinator_a)[:-3] + "abc"},
        extra={"wrong_status": (400, 404)},  # the page explains the link is not valid
    ),
    "partners:password_reset_confirm": Route(
        "token",
        _reset_kwargs,
        status=302,  # Django moves the token into the session, then shows the form
        wrong_kwargs=lambda w: {**_reset_kwargs(w), "token": "abc-0123456789abcdef"},
        revoke=_reset_used,
        extra={"wrong_status": (200,)},  # Django's page says the link is not valid, without a form
    ),
    # --- Catalogue and booking (public objects; unpublished ones do not exist) ----------------
    "catalogue:offer": Route(
        "public",
        lambda w: {"slug": w.offer.slug},
        hidden_kwargs=lambda w: {"slug": w.hidden_offer.slug},
    ),
    "bookings:create": Route(
        "public",
        lambda w: {"session_id": w.session.pk},
        hidden_kwargs=lambda w: {"session_id": w.hidden_session.pk},
        login_required=True,
    ),
    # --- A's bookings and requests --------------------------------------------------------------
    "bookings:detail": Route("owned", _booking, COORDINATOR_A, secret=lambda w: w.booking.contact_name),
    "bookings:done": Route("owned", _booking, COORDINATOR_A, secret=lambda w: w.offer.title),
    "bookings:change": Route("owned", _booking, COORDINATOR_A, secret=lambda w: w.booking.contact_name),
    "bookings:cancel": Route("owned", _booking, COORDINATOR_A, secret=lambda w: w.offer.title),
    "bookings:ics": Route("owned", _booking, COORDINATOR_A, secret=lambda w: w.structure_a.name),
    "bookings:waitlist_confirm": Route("owned", _waiting, COORDINATOR_A, secret=lambda w: w.offer.title),
    "bookings:waitlist_leave": Route("owned", _waiting, COORDINATOR_A, secret=lambda w: w.offer.title),
    "bookings:request_detail": Route(
        "owned", lambda w: {"pk": w.request.pk}, COORDINATOR_A, secret=lambda w: w.request.goals
    ),
    "projects:detail": Route(
        "owned",
        lambda w: {"slug": w.project.slug},
        ("coordinator_a", "staff"),
        secret=lambda w: w.project.description,
    ),
    # --- The mediators' schedule ----------------------------------------------------------------
    "planning:session": Route("owned", _session, SCHEDULE, secret=lambda w: w.structure_a.name),
    "planning:attendance": Route("owned", _session, SCHEDULE, secret=lambda w: w.offer.title),
    "planning:day": Route(
        "owned", _day, SCHEDULE, secret=lambda w: w.structure_a.name, open_to=("other_mediator",)
    ),
    "planning:feed": Route(
        "token",
        lambda w: {"token": w.mediator.calendar_token},
        wrong_kwargs=lambda w: {"token": w.coordinator_a.calendar_token},  # a coordinator is not a mediator
        revoke=_revoke_calendar("mediator"),
        secret=lambda w: w.structure_a.name,
    ),
    "planning:structure_feed": Route(
        "token",
        lambda w: {"token": w.coordinator_a.calendar_token},
        wrong_kwargs=lambda w: {"token": "x" * 43},
        revoke=_revoke_calendar("coordinator_a"),
        secret=lambda w: w.offer.title,
    ),
    # --- Staff dashboard --------------------------------------------------------------------------
    "dashboard:report": Route("owned", lambda w: {"year": timezone.localdate().year}, ("staff",)),
    "dashboard:export": Route("owned", lambda w: {"slug": "reservations", "fmt": "csv"}, ("staff",)),
    "dashboard:privacy_export": Route(
        "owned", lambda w: {"pk": w.structure_a.pk}, ("staff",), secret=lambda w: w.structure_a.name
    ),
    "dashboard:privacy_erase": Route(
        "owned", lambda w: {"pk": w.structure_a.pk}, ("staff",), secret=lambda w: w.structure_a.name
    ),
}


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def client_for(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(world, role))
    return client


def snapshot() -> dict:
    """Everything an outsider's request could try to change."""
    rows = {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Booking, ProjectRequest, Invitation, Membership, Structure, Session, Assignment)
    }
    # Logging in (the test's own doing) moves last_login; nothing else of an account may change.
    rows["User"] = list(User.objects.order_by("pk").values(*USER_FIELDS))
    return rows | {"outbox": OutboxMessage.objects.count()}


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("partners:login"))


def text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def shows(response, secret: str) -> bool:
    """Whether the page shows the text, as HTML (escaped) or as iCalendar (folded, commas escaped)."""
    content = text(response)
    unfolded = content.replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";")
    return secret in unfolded or escape(secret) in content


# ---------------------------------------------------------------------------------------------
# The list of routes is complete
# ---------------------------------------------------------------------------------------------


def test_every_object_level_url_pattern_is_described():
    patterns = object_level_patterns()

    missing = sorted(set(patterns) - set(ROUTES))
    stale = sorted(set(ROUTES) - set(patterns))

    assert missing == [], f"Describe these URL patterns in ROUTES (who may open them): {missing}"
    assert stale == [], f"These ROUTES entries match no URL pattern any more: {stale}"


def test_the_enumeration_finds_the_object_level_patterns_of_every_app():
    patterns = object_level_patterns()

    assert {"bookings:detail", "planning:session", "dashboard:export", "partners:invitation_accept"} <= set(
        patterns
    )
    assert not any(name.startswith("admin:") for name in patterns)
    assert "catalogue:index" not in patterns  # no value in its URL


# ---------------------------------------------------------------------------------------------
# Owned objects: the owner gets them, nobody else does
# ---------------------------------------------------------------------------------------------

OWNED = sorted(name for name, route in ROUTES.items() if route.kind == "owned")


@pytest.mark.parametrize("name", OWNED)
def test_owned_object_url_is_a_404_or_a_login_for_everyone_else(name, world):
    route = ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(world))
    before = snapshot()

    answers = {}
    for role in ROLES:
        if role in route.allowed:
            continue
        client = client_for(world, role)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            answers[(role, method)] = response
            if role == "anonymous":
                ok = is_login_redirect(response) or response.status_code in (404, 405)
            elif role in route.open_to:
                # A page of their own (an empty day sheet): it must not show A's objects.
                ok = response.status_code == 200 and not shows(response, route.secret(world))
            else:
                ok = response.status_code in (404, 405)
            assert ok, f"{name}: {role} {method.upper()} {url} -> {response.status_code}"

    assert snapshot() == before
    assert answers[("coordinator_b", route.method)].status_code == 404
    assert answers[("anonymous", route.method)].status_code in (302, 404)


@pytest.mark.parametrize("name", OWNED)
def test_owned_object_url_answers_the_people_allowed(name, world):
    route = ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(world))

    for role in route.allowed:
        response = getattr(client_for(world, role), route.method)(url)

        assert response.status_code == route.status, f"{name}: {role} -> {response.status_code}"
        if route.secret is not None and route.status == 200:
            assert shows(response, route.secret(world)), f"{name}: {role} does not see it"
        if route.method == "post":
            break  # the action is done: a second person would find nothing left to do


def test_revoking_an_invitation_by_its_coordinator_deletes_it(world):
    # The one owned route opened by POST: its effect is checked here, once.
    client = client_for(world, "coordinator_a")

    client.post(reverse("partners:invitation_revoke", kwargs={"pk": world.invitation.pk}))

    assert not Invitation.objects.filter(pk=world.invitation.pk).exists()


# ---------------------------------------------------------------------------------------------
# Public objects: anyone sees the published ones, nobody sees the others
# ---------------------------------------------------------------------------------------------

PUBLIC = sorted(name for name, route in ROUTES.items() if route.kind == "public")


@pytest.mark.parametrize("name", PUBLIC)
def test_public_object_url_shows_published_objects_and_hides_the_others(name, world):
    route = ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(world))
    hidden = reverse(name, kwargs=route.hidden_kwargs(world))
    before = snapshot()

    for role in ROLES:
        client = client_for(world, role)
        shown, not_shown, not_shown_post = client.get(url), client.get(hidden), client.post(hidden)

        if role == "anonymous" and route.login_required:
            assert is_login_redirect(shown) and is_login_redirect(not_shown), name
            continue
        assert shown.status_code == 200, f"{name}: {role} -> {shown.status_code}"
        assert not_shown.status_code == 404, f"{name}: {role} -> {not_shown.status_code}"
        assert not_shown_post.status_code in (404, 405), f"{name}: {role} -> {not_shown_post.status_code}"

    assert snapshot() == before


# ---------------------------------------------------------------------------------------------
# Token URLs: the right token opens them; a wrong or revoked one is a 404
# ---------------------------------------------------------------------------------------------

TOKENS = sorted(name for name, route in ROUTES.items() if route.kind == "token")


@pytest.mark.parametrize("name", TOKENS)
def test_token_url_opens_with_its_token(name, world):
    route = ROUTES[name]

    response = Client().get(reverse(name, kwargs=route.kwargs(world)))

    assert response.status_code == route.status
    if route.secret is not None:
        assert shows(response, route.secret(world))


@pytest.mark.parametrize("name", TOKENS)
def test_token_url_refuses_a_wrong_token_without_changing_anything(name, world):
    route = ROUTES[name]
    url = reverse(name, kwargs=route.wrong_kwargs(world))
    before = snapshot()

    for role in ("anonymous", "coordinator_b", "other_mediator"):
        client = client_for(world, role)
        for method in ("get", "post"):
            response = getattr(client, method)(url)

            expected = route.extra.get("wrong_status", (404,)) + ((405,) if method == "post" else ())
            assert response.status_code in expected, (
                f"{name}: {role} {method.upper()} -> {response.status_code}"
            )
            if route.secret is not None:
                assert not shows(response, route.secret(world))

    assert snapshot() == before


@pytest.mark.parametrize("name", sorted(n for n in TOKENS if ROUTES[n].revoke is not None))
def test_token_url_refuses_a_revoked_token(name, world):
    route = ROUTES[name]
    kwargs = route.revoke(world)
    url = reverse(name, kwargs=kwargs)

    response = Client().get(url)

    assert response.status_code in route.extra.get("wrong_status", (404,)), response.status_code
    if route.secret is not None:
        assert not shows(response, route.secret(world))


def test_password_reset_link_with_a_wrong_token_shows_no_password_form(world):
    kwargs = ROUTES["partners:password_reset_confirm"].wrong_kwargs(world)

    response = Client().get(reverse("partners:password_reset_confirm", kwargs=kwargs))

    assert response.status_code == 200
    assert response.context["validlink"] is False
    assert response.context["form"] is None


def test_feeds_ignore_a_token_longer_than_any_real_one(world):
    token = world.mediator.calendar_token + "x" * 100

    response = Client().get(reverse("planning:feed", kwargs={"token": token}))

    assert response.status_code == 404


def test_a_session_of_another_day_is_not_on_the_outsider_mediators_day_sheet(world):
    # The day sheet of the mediator who leads nothing that day is empty, yet reachable.
    day = timezone.localdate(world.session.start)
    url = reverse("planning:day", kwargs={"year": day.year, "month": day.month, "day": day.day})

    own = client_for(world, "mediator").get(url)
    other = client_for(world, "other_mediator").get(url)

    assert world.structure_a.name in text(own)
    assert other.status_code == 200
    assert world.structure_a.name not in text(other)
    assert world.booking.contact_phone not in text(other)
