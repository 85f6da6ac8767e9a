"""Bad input in every form and filter reachable by URL: a French message at the field, or a 400/404,
never a 500, and never a change in the data.

Oversized bodies and too many fields get the French 400 page. Each public form (FORMS below) is sent
valid data with one field spoiled at a time: a NUL byte (PostgreSQL refuses it in text), a text longer
than the field allows, malformed numbers and dates, unknown choices. GET filters get the same
treatment, and every URL that takes a number is given one too large for the database.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.validators import ProhibitNullCharactersValidator
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from bookings.enums import BookingStatus
from bookings.models import Booking, ProjectRequest
from notifications.models import OutboxMessage
from partners.models import Invitation, Membership, Structure, User
from programmes.models import AccessibilityOption, Assignment, Session
from tests.bookings.factories import BookingFactory
from tests.partners.factories import PASSWORD
from tests.programmes.factories import SessionFactory

from .conftest import World, registration_data
from .test_object_access import ROUTES, object_level_patterns

pytestmark = pytest.mark.django_db

NUL_MESSAGE = str(ProhibitNullCharactersValidator.message)
HUGE = "99999999999999999999"  # beyond PostgreSQL's bigint
STRANGE_TEXT = "\u202egnp.exe \U0001f600 e\u0301 \u200b\ufeff"  # RTL override, emoji, combining, zero-width


def french(msgid: str, **params) -> str:
    with translation.override("fr"):
        text = gettext(msgid)
    return text % params if params else text


def snapshot() -> dict:
    """Everything a refused form could have changed."""
    rows = {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Booking, ProjectRequest, Invitation, Membership, Structure, Session, Assignment)
    }
    rows["User"] = list(User.objects.order_by("pk").values("pk", "email", "password", "first_name", "phone"))
    return rows | {"outbox": OutboxMessage.objects.count()}


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# ---------------------------------------------------------------------------------------------
# Every form reachable by URL
# ---------------------------------------------------------------------------------------------


@dataclass
class FormCase:
    url: Callable[[World, Client], str]  # may GET first (a token moved into the session)
    user: str | None  # the world's role that fills it in, or None for a visitor
    valid: Callable[[World], dict]
    text: dict[str, int | None] = field(default_factory=dict)  # text fields and their max length
    numbers: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    invalid_status: int = 200


_NEXT_DAY = itertools.count(3)


def _new_session(w: World) -> Session:
    """A fresh session each time (the form is sent again and again)."""
    return SessionFactory(offer=w.offer, start=w.session.start + dt.timedelta(days=next(_NEXT_DAY)))


def _booking_data(w: World) -> dict:
    return {
        "participants": "8",
        "accompanying_staff": "2",
        "wheelchair_users": "0",
        "contact_name": "Dominique Leroy",
        "contact_phone": "06 12 34 56 78",
        "comment": "",
        "accessibility_notes": "",
    }


def _registration(w: World) -> dict:
    return registration_data()


def _request_data(w: World) -> dict:
    today = timezone.localdate()
    return {
        "kind": "cycle",
        "wished_start": (today + dt.timedelta(days=30)).isoformat(),
        "wished_end": (today + dt.timedelta(days=60)).isoformat(),
        "participants": "12",
        "group_description": "Des adultes en apprentissage du français.",
        "goals": "Découvrir le musée.",
        "exhibition": "",
    }


def _reset_url(w: World, client: Client) -> str:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = User.objects.get(pk=w.coordinator_a.pk)  # as it is now: the token depends on it
    url = reverse(
        "partners:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return client.get(url).url  # Django keeps the token in the session and shows .../set-password/


def _past_session(w: World) -> Session:
    start = timezone.now() - dt.timedelta(hours=3)
    session = Session.objects.create(
        offer=w.offer,
        start=start,
        end=start + dt.timedelta(hours=1),
        booking_deadline=start - dt.timedelta(days=1),
        place="Hall",
        capacity=20,
    )
    Assignment.objects.create(session=session, mediator=w.mediator)
    BookingFactory(session=session, structure=w.structure_a)
    return session


PASSWORD_FIELDS = {"password1": None, "password2": None}

FORMS: dict[str, FormCase] = {
    "partners:login": FormCase(
        lambda w, c: reverse("partners:login"),
        None,
        lambda w: {"username": w.coordinator_a.email, "password": PASSWORD},
        text={"username": None, "password": None},
    ),
    "partners:register": FormCase(
        lambda w, c: reverse("partners:register"),
        None,
        _registration,
        text={
            "name": 200,
            "address": 255,
            "postcode": 5,
            "city": 120,
            "departement": 3,
            "siret": 20,
            "phone": 30,
            "email": None,
            "publics": None,
            "first_name": 150,
            "last_name": 150,
            "user_email": None,
            "user_phone": 30,
            **PASSWORD_FIELDS,
        },
        choices=("kind",),
    ),
    "partners:password_reset": FormCase(
        lambda w, c: reverse("partners:password_reset"),
        None,
        lambda w: {"email": w.coordinator_a.email},
        text={"email": 254},
    ),
    "partners:password_reset_confirm": FormCase(
        _reset_url,
        None,
        lambda w: {"new_password1": "Un-mot-de-passe-neuf-91", "new_password2": "Un-mot-de-passe-neuf-91"},
        text={"new_password1": None, "new_password2": None},
    ),
    "partners:password_change": FormCase(
        lambda w, c: reverse("partners:password_change"),
        "coordinator_a",
        lambda w: {
            "old_password": PASSWORD,
            "new_password1": "Un-mot-de-passe-neuf-91",
            "new_password2": "Un-mot-de-passe-neuf-91",
        },
        text={"old_password": None, "new_password1": None, "new_password2": None},
    ),
    "partners:invitation_new": FormCase(
        lambda w, c: reverse("partners:invitation_new"),
        "coordinator_a",
        lambda w: {"email": "nouvelle.collegue@exemple.fr"},
        text={"email": None},
    ),
    "partners:invitation_accept": FormCase(
        lambda w, c: reverse("partners:invitation_accept", args=[w.invitation.token]),
        None,
        lambda w: {
            "first_name": "Lina",
            "last_name": "Roux",
            "phone": "",
            "password1": "Un-mot-de-passe-neuf-91",
            "password2": "Un-mot-de-passe-neuf-91",
        },
        text={"first_name": 150, "last_name": 150, "phone": 30, **PASSWORD_FIELDS},
    ),
    "bookings:create": FormCase(
        lambda w, c: reverse("bookings:create", args=[_new_session(w).pk]),
        "coordinator_a",
        _booking_data,
        text={"contact_name": 150, "contact_phone": 30, "comment": 2000, "accessibility_notes": 2000},
        numbers=("participants", "accompanying_staff", "wheelchair_users"),
        choices=("accessibility_needs",),
    ),
    "bookings:change": FormCase(
        lambda w, c: reverse("bookings:change", args=[w.booking.pk]),
        "coordinator_a",
        _booking_data,
        text={"contact_name": 150, "contact_phone": 30, "comment": 2000, "accessibility_notes": 2000},
        numbers=("participants", "accompanying_staff", "wheelchair_users"),
        choices=("accessibility_needs",),
    ),
    "bookings:request_create": FormCase(
        lambda w, c: reverse("bookings:request_create"),
        "coordinator_a",
        _request_data,
        text={"group_description": 3000, "goals": 3000},
        numbers=("participants",),
        dates=("wished_start", "wished_end"),
        choices=("kind", "exhibition"),
    ),
}


def _attendance_case() -> FormCase:
    # Prefixed per booking: built once the past session exists.
    return FormCase(
        lambda w, c: reverse("planning:attendance", args=[w.extra["past"].pk]),
        "mediator",
        lambda w: {
            f"b{w.extra['past_booking'].pk}-presence": "present",
            f"b{w.extra['past_booking'].pk}-present_participants": "7",
            f"b{w.extra['past_booking'].pk}-present_staff": "2",
        },
        numbers=("present_participants", "present_staff"),
        choices=("presence",),
        invalid_status=400,
    )


FORMS["planning:attendance"] = _attendance_case()


@pytest.fixture
def bad_world(world: World) -> World:
    past = _past_session(world)
    world.extra = {"past": past, "past_booking": past.bookings.get()}
    return world


def _field_name(case: FormCase, w: World, name: str) -> str:
    """The name in the POST data (attendance fields carry the booking's prefix)."""
    for key in case.valid(w):
        if key == name or key.endswith(f"-{name}"):
            return key
    return name


def _post(case: FormCase, w: World, **changes) -> tuple:
    client = client_for(getattr(w, case.user) if case.user else None)
    url = case.url(w, client)
    before = snapshot()
    data = {**case.valid(w), **changes}
    response = client.post(url, data)
    return response, before, data


def _errors(response, name: str) -> list[str]:
    context = response.context or {}
    forms = [context.get("form")] + list(context.get("forms") or [])
    found = []
    for form in forms:
        if form is None:
            continue
        for key, messages in form.errors.items():
            if form.add_prefix(key) == name or key == name:
                found += [str(m) for m in messages]
    return found


def _assert_refused_at_field(case: FormCase, response, before, name: str, value: str) -> list[str]:
    assert response.status_code == case.invalid_status, response.status_code
    errors = _errors(response, name)
    assert errors, f"no message at {name}"
    assert snapshot() == before
    html = response.content.decode()
    assert '<html lang="fr">' in html
    return errors


FORM_IDS = sorted(FORMS)


def test_the_valid_data_of_every_form_case_is_accepted(bad_world):
    # Each case's valid data goes through (so that the refusals below are due to the one bad field).
    for name in FORM_IDS:
        case = FORMS[name]
        response, before, _data = _post(case, bad_world)
        assert response.status_code == 302, f"{name}: {response.status_code} {_errors_all(response)}"


def _errors_all(response) -> dict:
    context = response.context or {}
    forms = [context.get("form")] + list(context.get("forms") or [])
    return {k: v for form in forms if form is not None for k, v in form.errors.items()}


@pytest.mark.parametrize("name", FORM_IDS)
def test_form_refuses_a_nul_byte_in_any_text_field_at_the_field(bad_world, name):
    case = FORMS[name]

    for field_name in case.text:
        key = _field_name(case, bad_world, field_name)
        spoiled = case.valid(bad_world)[key][:3] + "\x00" + "x"
        response, before, _data = _post(case, bad_world, **{key: spoiled})

        errors = _assert_refused_at_field(case, response, before, key, spoiled)
        assert french(NUL_MESSAGE) in errors, f"{name}.{field_name}: {errors}"


@pytest.mark.parametrize("name", FORM_IDS)
def test_form_refuses_a_text_longer_than_its_field_and_keeps_it(bad_world, name):
    case = FORMS[name]

    for field_name, limit in case.text.items():
        if limit is None:
            continue
        key = _field_name(case, bad_world, field_name)
        too_long = "é" * (limit + 1)
        response, before, _data = _post(case, bad_world, **{key: too_long})

        _assert_refused_at_field(case, response, before, key, too_long)
        assert f'value="{too_long}"' in response.content.decode() or too_long in response.content.decode()


@pytest.mark.parametrize("name", sorted(n for n in FORMS if FORMS[n].numbers))
def test_form_refuses_malformed_numbers_at_the_field(bad_world, name):
    case = FORMS[name]

    for field_name in case.numbers:
        key = _field_name(case, bad_world, field_name)
        for value in ("douze", "1e3", "-5", "3.5", HUGE, "7\x00", " "):
            if value == " " and field_name == "wheelchair_users":
                continue  # optional: empty means none
            response, before, _data = _post(case, bad_world, **{key: value})

            _assert_refused_at_field(case, response, before, key, value)


@pytest.mark.parametrize("name", sorted(n for n in FORMS if FORMS[n].dates))
def test_form_refuses_malformed_dates_at_the_field(bad_world, name):
    case = FORMS[name]

    for field_name in case.dates:
        for value in ("2025-02-30", "demain", "99999-01-01", "0000-00-00", "2025-01-01\x00", HUGE):
            response, before, _data = _post(case, bad_world, **{field_name: value})

            _assert_refused_at_field(case, response, before, field_name, value)


@pytest.mark.parametrize("name", sorted(n for n in FORMS if FORMS[n].choices))
def test_form_refuses_unknown_choices_at_the_field(bad_world, name):
    case = FORMS[name]

    for field_name in case.choices:
        key = _field_name(case, bad_world, field_name)
        for value in ("inconnu", "<script>", "\x00", HUGE, "-1"):
            response, before, _data = _post(case, bad_world, **{key: value})

            _assert_refused_at_field(case, response, before, key, value)


def test_booking_form_stores_unusual_but_valid_unicode_exactly(bad_world):
    case = FORMS["bookings:change"]

    response, _before, _data = _post(
        case, bad_world, comment=STRANGE_TEXT, contact_name="Zoë \U0001f469\u200d\U0001f3eb N'Diaye"
    )

    assert response.status_code == 302
    bad_world.booking.refresh_from_db()
    assert bad_world.booking.comment == STRANGE_TEXT
    assert bad_world.booking.contact_name == "Zoë \U0001f469\u200d\U0001f3eb N'Diaye"


def test_booking_form_with_an_unknown_accessibility_need_keeps_the_typed_values(bad_world):
    case = FORMS["bookings:create"]
    option, _created = AccessibilityOption.objects.get_or_create(code="lsf")

    response, before, _data = _post(
        case, bad_world, accessibility_needs=[str(option.pk), "999999"], contact_name="Dominique Leroy-Martin"
    )

    _assert_refused_at_field(case, response, before, "accessibility_needs", "")
    assert 'value="Dominique Leroy-Martin"' in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Forms without fields, and the language switcher
# ---------------------------------------------------------------------------------------------


def test_structure_switch_refuses_strange_ids_with_a_404(bad_world):
    client = client_for(bad_world.coordinator_a)
    before = snapshot()

    for value in ("abc", "", "\x00", HUGE, "-1", str(bad_world.structure_b.pk)):
        response = client.post(reverse("partners:structure_switch"), {"structure": value})
        assert response.status_code == 404, value

    assert snapshot() == before


def test_language_switch_ignores_unknown_languages(bad_world):
    client = Client()

    for value in ("xx", "\x00", "<script>", "fr" * 100):
        response = client.post(reverse("set_language"), {"language": value, "next": "/"})
        assert response.status_code == 302, value
        assert client.get(reverse("home")).content.decode().count('<html lang="fr">') == 1


def test_erasure_without_confirmation_changes_nothing(bad_world):
    client = client_for(bad_world.staff)
    before = snapshot()

    response = client.post(
        reverse("dashboard:privacy_erase", args=[bad_world.structure_a.pk]), {"confirm": ""}
    )

    assert response.status_code == 200
    assert escape(french("Tick the box to confirm the erasure.")) in response.content.decode()
    assert snapshot() == before


# ---------------------------------------------------------------------------------------------
# GET filters
# ---------------------------------------------------------------------------------------------

CATALOGUE_BAD = {
    "kind": ("inconnu", "This kind of offer does not exist: choose one from the list."),
    "audience": ("tous", "Choose the audience from the list."),
    "accessibility": ("<script>", "Choose an accessibility feature from the list."),
    "exhibition": ("nulle-part", "This exhibition is not in the list: choose one from the list."),
    "month": ("2025-13", "Choose a month from the list (the next twelve months)."),
}


@pytest.mark.parametrize("param", sorted(CATALOGUE_BAD))
def test_catalogue_filter_with_a_bad_value_shows_a_french_message(bad_world, param):
    value, msgid = CATALOGUE_BAD[param]

    response = Client().get(reverse("catalogue:index"), {param: value})

    assert response.status_code == 200
    assert escape(french(msgid)) in response.content.decode()
    assert response.context["offer_count"] == 1  # every offer is shown meanwhile


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2025-02-30"},
        {"date_from": "hier"},
        {"date_from": HUGE},
        {"date_from": "1900-01-01"},
        {"date_from": "2025-06-01", "date_to": "2025-01-01"},
    ],
)
def test_dashboard_period_with_a_bad_date_shows_a_message_at_the_field(bad_world, query):
    client = client_for(bad_world.staff)

    response = client.get(reverse("dashboard:index"), query)
    export = client.get(reverse("dashboard:export", args=["reservations", "csv"]), query)

    assert response.status_code == 200
    assert response.context["form"].errors
    assert export.status_code == 302  # back to the dashboard, which shows the messages


@pytest.mark.parametrize("value", ["2025-W99", "semaine", "2025-W00", HUGE])
def test_planning_week_with_a_bad_value_shows_the_current_week_and_a_message(bad_world, value):
    response = client_for(bad_world.mediator).get(reverse("planning:index"), {"semaine": value})

    assert response.status_code == 200
    assert response.context["week_error"]
    assert response.context["is_current_week"] is True


@pytest.mark.parametrize("value", ["abc", HUGE, "-3", "1e3", "\u0661\u0662"])
def test_planning_mediator_picker_with_a_bad_value_is_ignored(bad_world, value):
    response = client_for(bad_world.staff).get(reverse("planning:index"), {"mediateur": value})

    assert response.status_code == 200
    assert response.context["mediator"] is None


@pytest.mark.parametrize("path", ["2025-02-30", "2025-13-01", "0-1-1", f"{HUGE}-1-1", f"2025-1-{HUGE}"])
def test_planning_day_that_does_not_exist_is_a_404(bad_world, path):
    response = client_for(bad_world.mediator).get(f"/planning/jour/{path}/")

    assert response.status_code == 404


@pytest.mark.parametrize("query", [{"q": "x" * 5000}, {"q": STRANGE_TEXT}, {"page": "abc"}, {"page": HUGE}])
def test_privacy_search_with_strange_input_answers(bad_world, query):
    response = client_for(bad_world.staff).get(reverse("dashboard:privacy"), query)

    assert response.status_code == 200


@pytest.mark.parametrize("year", ["1", "2011", HUGE])
def test_report_of_a_year_outside_the_programme_is_a_404(bad_world, year):
    response = client_for(bad_world.staff).get(f"/tableau-de-bord/rapport/{year}/")

    assert response.status_code == 404


@pytest.mark.parametrize("value", ["2", "<script>", "1" * 500, STRANGE_TEXT])
def test_easy_read_switch_with_a_strange_value_is_ignored(bad_world, value):
    response = Client().get(reverse("catalogue:offer", args=[bad_world.offer.slug]), {"facile": value})

    assert response.status_code == 200


# ---------------------------------------------------------------------------------------------
# Strange values in URLs
# ---------------------------------------------------------------------------------------------

INT_PATTERNS = sorted(
    name
    for name, route in object_level_patterns().items()
    if "<int:" in route and name not in {"planning:day", "dashboard:report"}
)


@pytest.mark.parametrize("name", INT_PATTERNS)
def test_url_with_a_number_too_large_for_the_database_is_a_404(bad_world, name):
    route = ROUTES[name]
    url = reverse(name, kwargs=dict.fromkeys(route.kwargs(bad_world), 1)).replace("/1/", f"/{HUGE}/")
    assert HUGE in url
    roles = ("coordinator_a", "mediator", "staff")

    for role in roles:
        for method in ("get", "post"):
            response = getattr(client_for(getattr(bad_world, role)), method)(url)
            assert response.status_code in (404, 405), f"{role} {method} {url} -> {response.status_code}"


@pytest.mark.parametrize(
    "url",
    [
        "/planning/flux/%00.ics",
        "/planning/flux-structure/abc%00def.ics",
        "/compte/invitation/%00/",
        "/compte/verifier-email/%00/",
        "/offres/%00/",
        "/projets/%00/",
        "/offres/?kind=%00",
        "/offres/?audience=tous%00",
        "/offres/%3Cx%3E/?facile=%00",
        "/planning/?semaine=%00",
        "/planning/?mediateur=1%00",
        "/tableau-de-bord/?date_to=%00",
        "/tableau-de-bord/donnees-personnelles/?q=%00",
        "/tableau-de-bord/donnees-personnelles/?%00=1",
        "/admin/partners/structure/?q=%00",
    ],
)
def test_nul_byte_in_a_url_gets_the_french_400_page(bad_world, url):
    # PostgreSQL refuses NUL in text: a lookup by such a token or search term would be a 500.
    for user in (None, bad_world.staff):
        response = client_for(user).get(url)

        _french_400(response)


# ---------------------------------------------------------------------------------------------
# Oversized bodies
# ---------------------------------------------------------------------------------------------


def _french_400(response) -> None:
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert french("Request not understood") in html


def _with_csrf(client: Client, url: str, data: dict) -> dict:
    """The token a browser would send (the CSRF check reads the body first)."""
    client.get(url)
    return data | {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}


@pytest.mark.parametrize("enforce_csrf", [False, True])
def test_a_body_larger_than_allowed_gets_the_french_400_page(bad_world, settings, enforce_csrf):
    client = Client(enforce_csrf_checks=enforce_csrf)
    before = snapshot()
    data = _registration(bad_world) | {"publics": "a" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}
    if enforce_csrf:
        data = _with_csrf(client, reverse("partners:register"), data)

    response = client.post(reverse("partners:register"), data)

    _french_400(response)
    assert snapshot() == before


@pytest.mark.parametrize("enforce_csrf", [False, True])
def test_too_many_fields_get_the_french_400_page(bad_world, settings, enforce_csrf):
    client = Client(enforce_csrf_checks=enforce_csrf)
    client.force_login(bad_world.coordinator_a)
    before = snapshot()
    data = _booking_data(bad_world) | {
        f"extra{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)
    }
    if enforce_csrf:
        data = _with_csrf(client, reverse("bookings:change", args=[bad_world.booking.pk]), data)

    response = client.post(reverse("bookings:change", args=[bad_world.booking.pk]), data)

    _french_400(response)
    assert snapshot() == before


def test_too_many_query_parameters_get_the_french_400_page(bad_world, settings):
    query = "&".join(f"p{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))

    response = Client().get(reverse("catalogue:index") + "?" + query)

    _french_400(response)


def test_the_settings_bound_bodies_and_fields():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 1000


def test_bookings_status_is_untouched_by_a_refused_change(bad_world):
    # One end-to-end example of "never a change in the data": a refused change keeps the booking.
    case = FORMS["bookings:change"]

    response, _before, _data = _post(case, bad_world, participants="-5", comment="Nouveau commentaire")

    assert response.status_code == 200
    bad_world.booking.refresh_from_db()
    assert bad_world.booking.status == BookingStatus.CONFIRMED
    assert bad_world.booking.comment == ""
