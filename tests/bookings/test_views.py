"""Views of the partners' space: every URL allowed to its structure, a 404 to any other, login first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from icalendar import Calendar

from bookings import services
from bookings.enums import BookingStatus, RequestKind
from bookings.models import Booking, ProjectRequest
from common.cache import content_changed
from notifications.models import OutboxMessage
from partners.enums import StructureStatus
from programmes.enums import OfferKind
from tests.bookings.factories import BookingFactory, ProjectRequestFactory
from tests.partners.factories import MembershipFactory, UserFactory
from tests.programmes.factories import OfferFactory, SessionFactory

from .conftest import form_data, group, seats_recounted

pytestmark = pytest.mark.django_db


def bump_content_version() -> None:
    """As after a committed write: services call common.cache.content_changed(), which bumps the
    content version when their transaction commits (here: the test's callbacks are run)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        content_changed()


BOOKING_URLS = ["detail", "done", "change", "cancel", "ics", "waitlist_confirm", "waitlist_leave"]


@pytest.fixture
def booking(session, structure, coordinator):
    return services.booking_create(session=session, structure=structure, user=coordinator, group=group())


@pytest.fixture
def outsider_client(client):
    client.force_login(MembershipFactory().user)
    return client


# --- Access ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BOOKING_URLS)
def test_booking_urls_allowed_to_a_coordinator_of_the_structure(logged_in, booking, name):
    response = logged_in.get(reverse(f"bookings:{name}", args=[booking.pk]))

    assert response.status_code == 200


@pytest.mark.parametrize("name", BOOKING_URLS)
def test_booking_urls_are_404_to_a_coordinator_of_another_structure(outsider_client, booking, name):
    response = outsider_client.get(reverse(f"bookings:{name}", args=[booking.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize("name", BOOKING_URLS)
def test_booking_urls_post_is_404_to_another_structure(outsider_client, booking, name):
    response = outsider_client.post(reverse(f"bookings:{name}", args=[booking.pk]), form_data())

    assert response.status_code in {404, 405}
    booking.refresh_from_db()
    assert (booking.status, booking.participants) == (BookingStatus.CONFIRMED, 8)


@pytest.mark.parametrize("name", BOOKING_URLS)
def test_booking_urls_need_login(client, booking, name):
    url = reverse(f"bookings:{name}", args=[booking.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('partners:login')}?next={url}"


@pytest.mark.parametrize("name", ["list", "requests", "request_create"])
def test_structure_pages_need_login(client, name):
    url = reverse(f"bookings:{name}")

    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("partners:login"))


def test_create_page_needs_login(client, session):
    response = client.get(reverse("bookings:create", args=[session.pk]))

    assert response.status_code == 302


def test_create_page_is_404_for_an_unpublished_offer(logged_in):
    session = SessionFactory(offer=OfferFactory(is_published=False))

    response = logged_in.get(reverse("bookings:create", args=[session.pk]))

    assert response.status_code == 404


def test_request_detail_allowed_to_its_structure_only(client, structure, coordinator):
    request = ProjectRequestFactory(structure=structure)
    url = reverse("bookings:request_detail", args=[request.pk])
    client.force_login(coordinator)
    allowed = client.get(url)
    client.force_login(MembershipFactory().user)

    forbidden = client.get(url)

    assert allowed.status_code == 200
    assert forbidden.status_code == 404


def test_request_detail_needs_login(client, structure):
    url = reverse("bookings:request_detail", args=[ProjectRequestFactory(structure=structure).pk])

    response = client.get(url)

    assert response.status_code == 302


# --- My bookings ------------------------------------------------------------------------------


def test_my_bookings_lists_the_structure_bookings_for_every_coordinator(client, structure, booking):
    colleague = MembershipFactory(structure=structure).user
    other = BookingFactory()
    start = timezone.now() - dt.timedelta(days=3)
    past = BookingFactory(
        structure=structure,
        status=BookingStatus.ATTENDED,
        session=SessionFactory(start=start, booking_deadline=start - dt.timedelta(days=1)),
    )
    client.force_login(colleague)

    response = client.get(reverse("bookings:list"))

    assert response.status_code == 200
    assert [b.pk for b in response.context["upcoming"]] == [booking.pk]
    assert [b.pk for b in response.context["past"]] == [past.pk]
    assert other.pk not in [b.pk for b in response.context["upcoming"] + response.context["past"]]


def test_my_bookings_pages_past_bookings_twenty_at_a_time(client, structure, coordinator):
    start = timezone.now().replace(microsecond=0) - dt.timedelta(days=400)
    past = [
        BookingFactory(
            structure=structure,
            status=BookingStatus.ATTENDED,
            session=SessionFactory(start=start + dt.timedelta(days=day), booking_deadline=start),
        )
        for day in range(25)
    ]
    client.force_login(coordinator)

    first = client.get(reverse("bookings:list"))
    second = client.get(reverse("bookings:list"), {"passees": 2})

    assert [b.pk for b in first.context["past"]] == [b.pk for b in reversed(past)][:20]
    assert [b.pk for b in second.context["past"]] == [b.pk for b in reversed(past)][20:]
    assert '?passees=2&amp;annulees=1"' in first.content.decode()
    assert '?passees=1&amp;annulees=1"' in second.content.decode()


def test_my_bookings_with_a_nonsense_page_shows_the_first(client, structure, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("bookings:list"), {"passees": "abc", "annulees": "-3"})

    assert response.status_code == 200
    assert response.context["past_page"].number == 1


def test_my_bookings_without_a_structure_explains(client):
    client.force_login(UserFactory())

    response = client.get(reverse("bookings:list"))

    assert response.status_code == 200
    assert response.context["structure"] is None


def test_my_bookings_query_count_is_the_same_with_1_and_50_bookings(
    client, structure, coordinator, django_assert_num_queries
):
    client.force_login(coordinator)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=10)
    BookingFactory(structure=structure, session=SessionFactory(start=start))
    client.get(reverse("bookings:list"))  # warm the session and caches
    bump_content_version()  # both pages rendered, not served from the cache
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("bookings:list"))
    for day in range(1, 50):
        BookingFactory(structure=structure, session=SessionFactory(start=start + dt.timedelta(days=day)))
    bump_content_version()  # as before the first: the user's structures are read again too

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(reverse("bookings:list"))

    assert len(response.context["upcoming"]) == 50


# --- Booking through the pages -----------------------------------------------------------------


def test_booking_form_books_and_shows_what_happens_next(logged_in, session, structure, coordinator):
    url = reverse("bookings:create", args=[session.pk])

    response = logged_in.post(url, {**form_data(), "action": "book"})

    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("bookings:done", args=[booking.pk])
    assert (booking.structure, booking.booked_by, booking.participants) == (structure, coordinator, 8)
    page = logged_in.get(response.url)
    assert gettext("What happens next") in page.content.decode()


def test_double_submit_books_once_and_says_so(logged_in, session):
    url = reverse("bookings:create", args=[session.pk])
    logged_in.post(url, {**form_data(), "action": "book"})

    second = logged_in.post(url, {**form_data(), "action": "book"})

    assert second.status_code == 200
    assert Booking.objects.count() == 1
    # The second answer is the one the browser shows: the booking exists, and here is the link.
    booking = Booking.objects.get()
    assert second.context["existing"] == booking
    assert "form" not in second.context
    content = second.content.decode()
    assert (
        gettext(
            "Your structure has already booked this session. To change the number of people, change "
            "that booking instead of making a new one."
        )
        in content
    )
    assert reverse("bookings:detail", args=[booking.pk]) in content


def test_create_page_after_booking_points_to_the_existing_booking(logged_in, booking, session):
    response = logged_in.get(reverse("bookings:create", args=[session.pk]))

    assert response.context["existing"] == booking
    assert "form" not in response.context
    assert reverse("bookings:detail", args=[booking.pk]) in response.content.decode()


def test_booking_form_keeps_what_was_typed_and_shows_the_rule_at_the_field(logged_in, session):
    response = logged_in.post(
        reverse("bookings:create", args=[session.pk]),
        {**form_data(participants=2), "comment": "Merci", "action": "book"},
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["participants"] == [
        gettext("This offer is for groups of at least %(min)d participants.") % {"min": 4}
    ]
    assert form.data["comment"] == "Merci"
    assert "Merci" in response.content.decode()
    assert Booking.objects.count() == 0


@pytest.mark.parametrize(
    "data, field",
    [
        ({"participants": "abc"}, "participants"),
        ({"participants": "-3"}, "participants"),
        ({"contact_phone": "pas un numéro"}, "contact_phone"),
        ({"contact_name": ""}, "contact_name"),
        ({"accessibility_needs": ["999999"]}, "accessibility_needs"),
    ],
)
def test_booking_form_bad_input_never_500(logged_in, session, data, field):
    response = logged_in.post(
        reverse("bookings:create", args=[session.pk]), {**form_data(), **data, "action": "book"}
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert Booking.objects.count() == 0


def test_full_session_offers_the_waiting_list_only_when_chosen(logged_in, offer):
    session = SessionFactory(offer=offer, capacity=10)
    BookingFactory(session=session, participants=8, accompanying_staff=2)
    url = reverse("bookings:create", args=[session.pk])

    page = logged_in.get(url)
    refused = logged_in.post(url, {**form_data(), "action": "book"})
    joined = logged_in.post(url, {**form_data(), "action": "waitlist"})

    assert page.context["offer_waitlist"] is True
    assert refused.status_code == 200
    assert Booking.objects.filter(session=session).count() == 2
    assert joined.status_code == 302
    assert Booking.objects.get(session=session, status=BookingStatus.WAITLISTED).participants == 8


def test_create_page_for_an_inactive_structure_explains_and_has_no_form(
    client, session, structure, coordinator
):
    structure.status = StructureStatus.PENDING
    structure.save()
    client.force_login(coordinator)

    response = client.get(reverse("bookings:create", args=[session.pk]))
    posted = client.post(reverse("bookings:create", args=[session.pk]), {**form_data(), "action": "book"})

    assert response.status_code == 200
    assert "form" not in response.context
    assert response.context["refusal"]
    assert posted.status_code == 200
    assert Booking.objects.count() == 0


def test_create_page_for_an_autonomous_visit_without_abc_shows_the_next_abc_sessions(logged_in):
    visit = SessionFactory(offer=OfferFactory(kind=OfferKind.AUTONOMOUS_VISIT, requires_abc_training=True))
    abc = SessionFactory(offer=OfferFactory(kind=OfferKind.ABC, min_group_size=1, max_group_size=1))

    response = logged_in.get(reverse("bookings:create", args=[visit.pk]))

    assert response.context["abc_missing"] is True
    assert [s.pk for s in response.context["abc_sessions"]] == [abc.pk]
    assert reverse("bookings:create", args=[abc.pk]) in response.content.decode()


def test_per_person_booking_form_has_no_group_fields(logged_in, coordinator):
    session = SessionFactory(offer=OfferFactory(kind=OfferKind.ABC, min_group_size=1, max_group_size=1))
    url = reverse("bookings:create", args=[session.pk])

    page = logged_in.get(url)
    response = logged_in.post(
        url, {"contact_name": "Moi", "contact_phone": "06 01 02 03 04", "action": "book"}
    )

    assert "participants" not in page.context["form"].fields
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert (booking.attendee, booking.participants, booking.accompanying_staff) == (coordinator, 1, 0)


def test_change_page_changes_the_group(logged_in, booking):
    response = logged_in.post(reverse("bookings:change", args=[booking.pk]), form_data(participants=12))

    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.participants == 12


def test_change_page_after_the_deadline_redirects_with_the_contact(logged_in, structure, coordinator, offer):
    start = timezone.now() + dt.timedelta(hours=30)
    session = SessionFactory(offer=offer, start=start, booking_deadline=start - dt.timedelta(hours=1))
    booking = services.booking_create(session=session, structure=structure, user=coordinator, group=group())

    response = logged_in.get(reverse("bookings:change", args=[booking.pk]))
    cancel_page = logged_in.get(reverse("bookings:cancel", args=[booking.pk]))
    cancel_post = logged_in.post(reverse("bookings:cancel", args=[booking.pk]))
    detail = logged_in.get(reverse("bookings:detail", args=[booking.pk]))

    assert response.status_code == 302
    assert cancel_page.status_code == 302
    assert cancel_post.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert detail.context["can_cancel"] is False
    assert "03 21 18 62 62" in detail.content.decode()


def test_cancel_page_cancels(logged_in, booking):
    response = logged_in.post(reverse("bookings:cancel", args=[booking.pk]))

    assert response.status_code == 302
    assert response.url == reverse("bookings:list")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_ics_download_is_a_calendar_with_the_session(logged_in, booking):
    response = logged_in.get(reverse("bookings:ics", args=[booking.pk]))

    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == booking.session.start


def test_waitlist_confirm_page_confirms_a_live_offer(client, offer):
    session = SessionFactory(offer=offer, capacity=10)
    seated = BookingFactory(session=session, participants=8, accompanying_staff=2)
    member = MembershipFactory()
    waiting = services.waitlist_join(
        session=session, structure=member.structure, user=member.user, group=group()
    )
    Booking.objects.filter(pk=seated.pk).update(status=BookingStatus.CANCELLED)
    seats_recounted(session)
    services.waitlist_offer_next(session=session)
    client.force_login(member.user)

    response = client.post(reverse("bookings:waitlist_confirm", args=[waiting.pk]))

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.CONFIRMED


def test_waitlist_leave_page(client, offer):
    session = SessionFactory(offer=offer, capacity=10)
    BookingFactory(session=session, participants=8, accompanying_staff=2)
    member = MembershipFactory()
    waiting = services.waitlist_join(
        session=session, structure=member.structure, user=member.user, group=group()
    )
    client.force_login(member.user)

    response = client.post(reverse("bookings:waitlist_leave", args=[waiting.pk]))

    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == BookingStatus.CANCELLED


# --- Requests ---------------------------------------------------------------------------------


def test_request_form_sends_the_request(logged_in, structure):
    today = timezone.localdate()
    data = {
        "kind": RequestKind.CUSTOM_DATE,
        "wished_start": (today + dt.timedelta(days=20)).isoformat(),
        "wished_end": (today + dt.timedelta(days=40)).isoformat(),
        "participants": "9",
        "group_description": "Jeunes de la mission locale",
        "goals": "Découvrir le musée",
    }

    response = logged_in.post(reverse("bookings:request_create"), data)

    request = ProjectRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("bookings:request_detail", args=[request.pk])
    assert (request.structure, request.participants) == (structure, 9)
    assert OutboxMessage.objects.filter(template="request_received").exists()


def test_request_form_bad_period_keeps_the_text(logged_in):
    today = timezone.localdate()
    data = {
        "kind": RequestKind.CYCLE,
        "wished_start": (today + dt.timedelta(days=20)).isoformat(),
        "wished_end": (today + dt.timedelta(days=10)).isoformat(),
        "participants": "9",
        "group_description": "Un groupe",
        "goals": "Des objectifs",
    }

    response = logged_in.post(reverse("bookings:request_create"), data)

    assert response.status_code == 200
    assert response.context["form"].errors["wished_end"] == [
        gettext("The end of the wished period must be on or after its start.")
    ]
    assert "Des objectifs" in response.content.decode()
    assert not ProjectRequest.objects.exists()


def test_request_list_shows_only_the_structure_requests(logged_in, structure):
    mine = ProjectRequestFactory(structure=structure)
    ProjectRequestFactory()

    response = logged_in.get(reverse("bookings:requests"))

    assert [r.pk for r in response.context["project_requests"]] == [mine.pk]
