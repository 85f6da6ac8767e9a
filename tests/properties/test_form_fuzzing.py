"""Random input to every public form never answers 500, and a rejected submission changes nothing.

Each form gets submissions built from plausible values, a few fields replaced by junk (unicode of
every category but surrogates, NUL, right-to-left marks, emoji, huge strings, numbers written
every way, dates in odd formats, unknown choices), some fields left out, and unknown fields added.
The answer must be one a browser can show (200, a redirect, 400, 403, 404, 405); when the form
is shown again (anything but a redirect), the rows it could have written are unchanged.

Each example runs inside a savepoint rolled back at its end, so examples do not see each other.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.enums import RequestKind
from bookings.models import AttendanceChange, Booking, ProjectRequest
from notifications.models import OutboxMessage
from partners.enums import StructureKind
from partners.models import MEDIATORS_GROUP, Membership, Structure, User
from programmes.enums import AccessibilityFeature, Audience, OfferKind
from programmes.models import AccessibilityOption, Assignment, Session
from tests.bookings.factories import BookingFactory
from tests.partners.factories import PASSWORD, MembershipFactory, StaffFactory, UserFactory
from tests.programmes.factories import ExhibitionFactory, OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db

ALLOWED = {200, 301, 302, 400, 403, 404, 405}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

# --- Strategies ---------------------------------------------------------------------------------

# Every unicode category but surrogates (which no browser can send): controls and NUL included.
ANY_CHAR = st.characters(exclude_categories=("Cs",))
ODD_PIECES = [
    "\x00",
    "\u200f",  # right-to-left mark
    "\u202e",  # right-to-left override
    "\u200b",  # zero-width space
    "\ufeff",
    "😀",
    "👩🏽‍🦽",
    "𝕏",
    "e\u0301",
    "ﷺ",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    '"',
    "%00",
    "\\",
    "\r\n",
    "{{ 7*7 }}",
    "%(name)s",
]
HUGE = [
    "x" * 5_000,
    "é" * 70_000,
    "9" * 5_000,  # more digits than Python converts to int by default
    "😀" * 20_000,
    "a" * 3_000_000,  # over DATA_UPLOAD_MAX_MEMORY_SIZE
]
TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=40),
    st.lists(st.sampled_from(ODD_PIECES), min_size=1, max_size=6).map("".join),
    st.sampled_from(HUGE),
)
NUMBER = st.one_of(
    st.integers(min_value=-1000, max_value=1000).map(str),
    st.integers().map(str),
    st.floats().map(str),
    st.sampled_from(
        [
            "1e3",
            "1E-5",
            "-0",
            "+5",
            " 7 ",
            "٣",
            "１２",
            "0x1F",
            "1_000",
            "9" * 30,
            "NaN",
            "-inf",
            "",
            "1,5",
            "3.0",
        ]
    ),
)
DATE = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.sampled_from(
        [
            "2024-02-30",
            "31/12/9999",
            "9999-12-31",
            "0001-01-01",
            "0000-00-00",
            "10000-01-01",
            "2024-1-1",
            "1/1/1",
            "demain",
            "2030-06-01T10:00",
            "20300601",
            "",
        ]
    ),
)
JUNK = st.one_of(TEXT, NUMBER, DATE)
EXTRA_KEY = st.from_regex(r"\A[a-z_\-\[\]0-9é]{1,12}\Z")


@st.composite
def submissions(draw, valid: dict[str, st.SearchStrategy]) -> dict:
    """Plausible values for `valid`'s fields; a few replaced by junk or left out; unknown fields added."""
    names = sorted(valid)
    # About half the submissions are well formed, so that the services behind the forms are reached.
    broken = draw(st.one_of(st.just(set()), st.sets(st.sampled_from(names), min_size=1, max_size=3)))
    missing = draw(st.one_of(st.just(set()), st.sets(st.sampled_from(names), min_size=1, max_size=2)))
    data = {name: draw(JUNK if name in broken else valid[name]) for name in names if name not in missing}
    for key, value in draw(st.dictionaries(EXTRA_KEY, TEXT, max_size=2)).items():
        data.setdefault(key, value)
    return data


def text(max_size: int, min_size: int = 1) -> st.SearchStrategy:
    """Plausible free text: letters of any script, spaces, punctuation, emoji."""
    alphabet = st.characters(categories=("L", "M", "N", "P", "Zs", "So"))
    return st.text(alphabet, min_size=min_size, max_size=max_size).filter(lambda value: value.strip())


def number(low: int, high: int) -> st.SearchStrategy:
    return st.integers(min_value=low, max_value=high).map(str)


def future_date(days_from: int = 1, days_to: int = 400) -> st.SearchStrategy:
    today = timezone.localdate()
    return st.integers(min_value=days_from, max_value=days_to).map(
        lambda days: (today + dt.timedelta(days=days)).isoformat()
    )


PHONE = st.from_regex(r"\A0[1-9]( ?[0-9]{2}){4}\Z")
# Valid addresses, some longer than the 254 characters the database keeps (Django allows 320).
EMAIL = st.one_of(
    st.emails(),
    st.from_regex(r"\A[a-z]{1,20}\.[a-z]{1,20}@exemple\.fr\Z"),
    st.integers(min_value=1, max_value=64).map(lambda n: "a" * n + "@" + ("b" * 63 + ".") * 3 + "fr"),
)



# --- Helpers ------------------------------------------------------------------------------------


@contextlib.contextmanager
def example_rolled_back():
    savepoint = transaction.savepoint()
    try:
        yield
    finally:
        transaction.savepoint_rollback(savepoint)
        # What the cache kept of the example (its session, pages, memberships) is gone from the database.
        cache.clear()


def counts(*models) -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in models}


def post_and_check(client, url: str, data: dict, *, watched: tuple, rows=None):
    """POST; the answer is never a 500; unless it redirects (success), nothing it guards changed."""
    before = counts(*watched)
    snapshot = rows() if rows else None
    response = client.post(url, data)
    assert response.status_code in ALLOWED, response.status_code
    if response.status_code not in (301, 302):
        assert counts(*watched) == before, "a rejected submission changed the data"
        if rows:
            assert rows() == snapshot, "a rejected submission changed the data"
    return response


# --- Fixtures -----------------------------------------------------------------------------------


@pytest.fixture
def coordinator():
    membership = MembershipFactory(user=UserFactory(phone="06 11 22 33 44"))
    return membership.user


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def accessibility_options():
    return [
        AccessibilityOption.objects.get_or_create(code=code)[0] for code in AccessibilityFeature.values[:3]
    ]


# --- Anonymous forms ----------------------------------------------------------------------------

REGISTRATION = {
    "name": text(200),
    "kind": st.sampled_from(StructureKind.values),
    "address": text(255),
    "postcode": st.from_regex(r"\A(62|59|75|2A|97)[0-9]{3}\Z"),
    "city": text(120),
    "departement": st.sampled_from(["", "62", "2A", "971", "99"]),
    "siret": st.one_of(st.just(""), st.from_regex(r"\A[0-9]{14}\Z"), st.just("732 829 320 00074")),
    "phone": PHONE,
    "email": EMAIL,
    "publics": text(500, min_size=0),
    "first_name": text(150),
    "last_name": text(150),
    "user_email": EMAIL,
    "user_phone": st.one_of(st.just(""), PHONE),
    "password1": st.just(PASSWORD),
    "password2": st.just(PASSWORD),
}


@FUZZ
@given(data=submissions(REGISTRATION))
def test_registration_never_fails(client, data):
    with example_rolled_back():
        post_and_check(
            client, reverse("partners:register"), data, watched=(Structure, User, Membership, OutboxMessage)
        )


@FUZZ
@given(data=submissions({"username": EMAIL, "password": st.one_of(st.just(PASSWORD), text(40))}))
def test_login_never_fails(client, data):
    with example_rolled_back():
        UserFactory(email="camille@exemple.fr")
        response = client.post(reverse("partners:login"), data)
        # 429: django-axes locks the address out after repeated failures; that is an answer too.
        assert response.status_code in ALLOWED | {429}, response.status_code


@FUZZ
@given(data=submissions({"email": st.one_of(EMAIL, st.just("camille@exemple.fr"))}))
def test_password_reset_never_fails(client, data):
    with example_rolled_back():
        UserFactory(email="camille@exemple.fr")
        post_and_check(client, reverse("partners:password_reset"), data, watched=(OutboxMessage, User))


CATALOGUE = {
    "kind": st.sampled_from(["", *OfferKind.values]),
    "audience": st.sampled_from(["", *Audience.values]),
    "accessibility": st.sampled_from(["", *AccessibilityFeature.values]),
    "exhibition": st.sampled_from(["", "exposition-fuzz"]),
    "month": st.sampled_from(["", timezone.localdate().strftime("%Y-%m"), "2020-01", "2030-13"]),
    "facile": st.sampled_from(["0", "1", "2"]),
}


@FUZZ
@given(query=submissions(CATALOGUE))
def test_catalogue_filters_never_fail(client, query):
    with example_rolled_back():
        SessionFactory(offer=OfferFactory(exhibition=ExhibitionFactory(slug="exposition-fuzz")))
        response = client.get(reverse("catalogue:index"), query)
        # 400: a NUL byte in the query string is refused before the view (the French error page).
        assert response.status_code in {200, 400}


# --- Coordinators' forms ------------------------------------------------------------------------


def booking_fields(options) -> dict:
    return {
        "participants": number(2, 24),
        "accompanying_staff": number(0, 5),
        "wheelchair_users": st.one_of(st.just(""), number(0, 3)),
        "accessibility_needs": st.one_of(
            st.lists(st.sampled_from([str(o.pk) for o in options]), max_size=3, unique=True),
            st.lists(st.sampled_from(["0", "x", "-1", "9" * 25, "1.5"]), min_size=1, max_size=2),
        ),
        "accessibility_notes": text(2000, min_size=0),
        "contact_name": text(150),
        "contact_phone": PHONE,
        "comment": text(2000, min_size=0),
        "action": st.sampled_from(["", "book", "waitlist"]),
    }


@FUZZ
@given(data=st.data())
def test_booking_create_never_fails(coordinator_client, coordinator, accessibility_options, data):
    form = data.draw(submissions(booking_fields(accessibility_options)), label="form")
    full = data.draw(st.booleans(), label="full session")
    with example_rolled_back():
        # A session with seats, or a full one (where the page offers the waiting list).
        target = SessionFactory(
            offer=OfferFactory(min_group_size=2, max_group_size=20, participants_per_staff=8),
            capacity=10 if full else 25,
        )
        if full:
            BookingFactory(session=target, participants=8, accompanying_staff=2)
        post_and_check(
            coordinator_client,
            reverse("bookings:create", args=[target.pk]),
            form,
            watched=(Booking, OutboxMessage),
        )


@FUZZ
@given(data=st.data())
def test_booking_change_never_fails(coordinator_client, coordinator, accessibility_options, data):
    structure = coordinator.memberships.get().structure
    form = data.draw(submissions(booking_fields(accessibility_options)), label="form")

    def rows():
        return list(
            Booking.objects.values_list("pk", "participants", "accompanying_staff", "wheelchair_users")
        )

    with example_rolled_back():
        booking = BookingFactory(
            structure=structure, booked_by=coordinator, session=SessionFactory(capacity=30)
        )
        post_and_check(
            coordinator_client,
            reverse("bookings:change", args=[booking.pk]),
            form,
            watched=(Booking, OutboxMessage),
            rows=rows,
        )


@pytest.fixture
def exhibition():
    return ExhibitionFactory()


@FUZZ
@given(data=st.data())
def test_project_request_never_fails(coordinator_client, exhibition, data):
    fields = {
        "kind": st.sampled_from(RequestKind.values),
        "wished_start": future_date(1, 200),
        "wished_end": future_date(100, 400),
        "participants": number(1, 1000),
        "group_description": text(3000),
        "goals": text(3000),
        "exhibition": st.sampled_from(["", str(exhibition.pk)]),
    }
    form = data.draw(submissions(fields), label="form")
    with example_rolled_back():
        post_and_check(
            coordinator_client,
            reverse("bookings:request_create"),
            form,
            watched=(ProjectRequest, OutboxMessage),
        )


# --- Mediators' and staff's forms ---------------------------------------------------------------


@pytest.fixture
def attendance_sheet(client):
    """A session that started an hour ago, two groups booked, and its mediator logged in."""
    mediator = UserFactory()
    mediator.groups.add(Group.objects.get_or_create(name=MEDIATORS_GROUP)[0])
    start = timezone.now() - dt.timedelta(hours=1)
    session = SessionFactory(
        start=start, end=start + dt.timedelta(minutes=90), booking_deadline=start - dt.timedelta(days=1)
    )
    Assignment.objects.create(session=session, mediator=mediator)
    bookings = [
        BookingFactory(session=session, participants=p, accompanying_staff=s) for p, s in ((8, 2), (3, 0))
    ]
    client.force_login(mediator)
    return session, bookings


@FUZZ
@given(data=st.data())
def test_attendance_never_fails(client, attendance_sheet, data):
    session, bookings = attendance_sheet
    fields = {}
    for booking in bookings:
        fields[f"b{booking.pk}-presence"] = st.sampled_from(["present", "absent"])
        fields[f"b{booking.pk}-present_participants"] = st.one_of(st.just(""), number(0, 12))
        fields[f"b{booking.pk}-present_staff"] = st.one_of(st.just(""), number(0, 4))
    form = data.draw(submissions(fields), label="form")

    def rows():
        return list(
            Booking.objects.order_by("pk").values_list(
                "pk", "status", "present_participants", "present_staff"
            )
        )

    with example_rolled_back():
        post_and_check(
            client,
            reverse("planning:attendance", args=[session.pk]),
            form,
            watched=(AttendanceChange,),
            rows=rows,
        )


@pytest.fixture
def staff_client(client):
    client.force_login(StaffFactory())
    return client


@FUZZ
@given(query=submissions({"date_from": DATE, "date_to": DATE}))
def test_dashboard_filters_never_fail(staff_client, query):
    with example_rolled_back():
        response = staff_client.get(reverse("dashboard:index"), query)
        assert response.status_code in {200, 400}


@pytest.fixture
def offer():
    return OfferFactory()


@FUZZ
@given(data=st.data())
def test_season_plan_preview_never_fails(staff_client, offer, data):
    fields = {
        "offer": st.sampled_from([str(offer.pk), "0"]),
        "project": st.just(""),
        "date_from": future_date(1, 60),
        "date_to": future_date(30, 400),
        "weekdays": st.lists(st.sampled_from([str(day) for day in range(7)] + ["7", "-1"]), max_size=7),
        "start_times": st.sampled_from(["10:00", "10:00, 14h30", "9h", "25:00", "10:00;14:00", ""]),
        "place": text(200),
        "capacity": number(1, 60),
        "booking_deadline_hours": st.one_of(st.just(""), number(0, 240)),
        "mediators": st.just([]),
    }
    form = data.draw(submissions(fields), label="form")
    form.pop("create", None)  # a preview: nothing may be written
    with example_rolled_back():
        post_and_check(staff_client, reverse("admin:programmes_season_plan"), form, watched=(Session,))
