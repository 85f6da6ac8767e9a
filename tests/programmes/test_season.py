"""Season planning: bulk creation of sessions, closing days skipped, duplicates refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from common.cache import content_version
from notifications.models import OutboxMessage
from programmes.enums import SessionStatus
from programmes.models import Assignment, ClosingDay, MediatorUnavailability, Session
from programmes.season import (
    MAX_PLAN_DAYS,
    WEEKLY_CLOSING_DAY,
    SeasonPlanError,
    SkipReason,
    closing_days_seed,
    sessions_plan,
)
from programmes.services import ProgrammeError, session_create
from tests.partners.factories import StaffFactory, make_mediator
from tests.programmes.factories import OfferFactory, next_monday, session_at

pytestmark = pytest.mark.django_db

TEN = dt.time(10, 0)
TWO_THIRTY = dt.time(14, 30)


def _tz():
    return timezone.get_current_timezone()


def plan_args(offer, monday, **overrides):
    args = {
        "offer": offer,
        "date_from": monday,
        "date_to": monday + dt.timedelta(days=6),
        "weekdays": range(7),
        "start_times": [TEN],
        "place": "Hall d'accueil",
        "capacity": 20,
        "mediators": [],
        "booking_deadline_hours": None,
    }
    args.update(overrides)
    return args


def test_plan_skips_tuesdays_and_closing_days_and_lists_them():
    offer = OfferFactory(duration_minutes=90, booking_deadline_hours=48)
    monday = next_monday()
    thursday = monday + dt.timedelta(days=3)
    ClosingDay.objects.create(date=thursday, label="Fermeture exceptionnelle")

    plan = sessions_plan(**plan_args(offer, monday), preview=True)

    planned_days = [planned.start.date() for planned in plan.sessions]
    assert planned_days == [monday + dt.timedelta(days=n) for n in (0, 2, 4, 5, 6)]
    assert [(slot.day, slot.code, slot.reason) for slot in plan.skipped] == [
        (
            monday + dt.timedelta(days=1),
            SkipReason.TUESDAY,
            gettext("The Louvre-Lens is closed on Tuesdays."),
        ),
        (
            thursday,
            SkipReason.CLOSING_DAY,
            gettext("Closing day: %(label)s") % {"label": "Fermeture exceptionnelle"},
        ),
    ]
    assert Session.objects.count() == 0


def test_plan_computes_end_and_booking_deadline_from_the_offer():
    offer = OfferFactory(duration_minutes=90, booking_deadline_hours=48)
    monday = next_monday()

    plan = sessions_plan(**plan_args(offer, monday, weekdays=[0], start_times=[TWO_THIRTY]), preview=True)

    start = dt.datetime.combine(monday, TWO_THIRTY, tzinfo=_tz())
    assert [(p.start, p.end, p.booking_deadline) for p in plan.sessions] == [
        (start, start + dt.timedelta(minutes=90), start - dt.timedelta(hours=48))
    ]


def test_plan_uses_the_given_booking_deadline_instead_of_the_offer():
    offer = OfferFactory(booking_deadline_hours=48)
    monday = next_monday()

    plan = sessions_plan(**plan_args(offer, monday, weekdays=[0], booking_deadline_hours=0), preview=True)

    assert plan.sessions[0].booking_deadline == plan.sessions[0].start


def test_plan_refuses_duplicates_of_existing_sessions():
    offer = OfferFactory()
    monday = next_monday()
    wednesday_ten = dt.datetime.combine(monday + dt.timedelta(days=2), TEN, tzinfo=_tz())
    existing = session_at(wednesday_ten, offer=offer, place="Hall d'accueil")
    # The same time in another place is not a duplicate.
    session_at(dt.datetime.combine(monday, TEN, tzinfo=_tz()), offer=offer, place="Salle pédagogique")

    plan = sessions_plan(
        **plan_args(offer, monday, weekdays=[0, 2], start_times=[TEN, TWO_THIRTY]), preview=False
    )

    assert [(slot.start, slot.code) for slot in plan.skipped] == [(existing.start, SkipReason.DUPLICATE)]
    assert plan.skipped[0].reason == gettext("A session of this offer already exists at this time and place.")
    assert Session.objects.filter(offer=offer, place="Hall d'accueil").count() == 4
    assert Session.objects.filter(offer=offer, start=existing.start).count() == 1


def test_plan_twice_creates_nothing_the_second_time():
    offer = OfferFactory()
    monday = next_monday()
    sessions_plan(**plan_args(offer, monday), preview=False)

    again = sessions_plan(**plan_args(offer, monday), preview=True)

    assert again.sessions == []
    assert {slot.code for slot in again.skipped} == {SkipReason.TUESDAY, SkipReason.DUPLICATE}
    with pytest.raises(ProgrammeError) as error:
        sessions_plan(**plan_args(offer, monday), preview=False)
    assert str(error.value) == gettext("There is no session to create: every day of the period was skipped.")
    assert Session.objects.count() == 6


def test_preview_equals_result():
    offer = OfferFactory()
    monday = next_monday()
    ClosingDay.objects.create(date=monday + dt.timedelta(days=5), label="Braderie")
    args = plan_args(offer, monday, date_to=monday + dt.timedelta(days=20), start_times=[TEN, TWO_THIRTY])

    preview = sessions_plan(**args, preview=True)
    result = sessions_plan(**args, preview=False)

    assert [(p.start, p.end, p.booking_deadline) for p in result.sessions] == [
        (p.start, p.end, p.booking_deadline) for p in preview.sessions
    ]
    assert result.skipped == preview.skipped
    created = list(Session.objects.filter(offer=offer).order_by("start"))
    assert [(s.start, s.end, s.booking_deadline, s.place, s.capacity, s.status) for s in created] == [
        (p.start, p.end, p.booking_deadline, "Hall d'accueil", 20, SessionStatus.PLANNED)
        for p in preview.sessions
    ]
    assert sorted(s.pk for s in result.created) == [s.pk for s in created]


def test_plan_of_exactly_366_days_is_accepted():
    offer = OfferFactory()
    monday = next_monday()

    plan = sessions_plan(
        **plan_args(offer, monday, date_to=monday + dt.timedelta(days=MAX_PLAN_DAYS - 1), weekdays=[0]),
        preview=True,
    )

    assert len(plan.sessions) == 53


def test_plan_of_more_than_a_year_is_refused():
    offer = OfferFactory()
    monday = next_monday()

    with pytest.raises(SeasonPlanError) as error:
        sessions_plan(
            **plan_args(offer, monday, date_to=monday + dt.timedelta(days=MAX_PLAN_DAYS)), preview=False
        )

    assert error.value.errors == {
        "date_to": [
            gettext("Plan at most %(days)s days at once (one year): split the season in two.")
            % {"days": MAX_PLAN_DAYS}
        ]
    }
    assert Session.objects.count() == 0


def test_plan_with_a_reversed_range_is_refused():
    offer = OfferFactory()
    monday = next_monday()

    with pytest.raises(SeasonPlanError) as error:
        sessions_plan(**plan_args(offer, monday, date_to=monday - dt.timedelta(days=1)), preview=True)

    assert error.value.errors == {"date_to": [gettext("The last day must be on or after the first day.")]}


def test_plan_with_nothing_chosen_says_what_is_missing_at_each_field():
    with pytest.raises(SeasonPlanError) as error:
        sessions_plan(
            offer=None,
            date_from=None,
            date_to=None,
            weekdays=[],
            start_times=[],
            place="  ",
            capacity=0,
            preview=True,
        )

    assert error.value.errors == {
        "offer": [gettext("Choose the offer of these sessions.")],
        "date_from": [gettext("Give the first day of the period.")],
        "date_to": [gettext("Give the last day of the period.")],
        "weekdays": [gettext("Tick at least one day of the week.")],
        "start_times": [gettext("Give at least one start time.")],
        "place": [gettext("Give the place of the session.")],
        "capacity": [gettext("The capacity must be at least 1 seat.")],
    }


def test_plan_skips_times_already_passed():
    offer = OfferFactory()
    today = timezone.localdate()
    if today.weekday() == WEEKLY_CLOSING_DAY:
        today -= dt.timedelta(days=1)  # a day the museum is open, in the past
    plan = sessions_plan(
        **plan_args(offer, today, date_to=today, weekdays=[today.weekday()], start_times=[dt.time(0, 0)]),
        preview=True,
    )

    assert plan.sessions == []
    assert [slot.code for slot in plan.skipped] == [SkipReason.PAST]


def test_plan_assigns_mediators_who_are_free_and_says_who_is_not(django_capture_on_commit_callbacks):
    offer = OfferFactory(duration_minutes=90)
    monday = next_monday()
    lou = make_mediator(first_name="Lou", last_name="Médiatrice")
    sam = make_mediator(first_name="Sam", last_name="Médiateur")
    wednesday = monday + dt.timedelta(days=2)
    MediatorUnavailability.objects.create(
        mediator=sam,
        start=dt.datetime.combine(wednesday, dt.time(8), tzinfo=_tz()),
        end=dt.datetime.combine(wednesday, dt.time(18), tzinfo=_tz()),
        reason="Formation",
    )
    args = plan_args(offer, monday, weekdays=[0, 2], mediators=[lou, sam])

    with django_capture_on_commit_callbacks(execute=True):
        plan = sessions_plan(**args, preview=False)

    assert [(p.start.date(), [m.pk for m in p.mediators]) for p in plan.sessions] == [
        (monday, [lou.pk, sam.pk]),
        (wednesday, [lou.pk]),
    ]
    assert len(plan.sessions[1].mediator_conflicts) == 1
    assert "Formation" in plan.sessions[1].mediator_conflicts[0]
    assigned = sorted(Assignment.objects.values_list("session__start__date", "mediator_id"))
    assert assigned == sorted([(monday, lou.pk), (monday, sam.pk), (wednesday, lou.pk)])
    # Assigned through mediator_assign, which tells each mediator.
    assert OutboxMessage.objects.filter(template="mediator_assigned").count() == 3


def test_plan_does_not_give_a_mediator_two_overlapping_sessions_of_the_same_plan():
    offer = OfferFactory(duration_minutes=90)
    monday = next_monday()
    lou = make_mediator()

    plan = sessions_plan(
        **plan_args(offer, monday, weekdays=[0], start_times=[TEN, dt.time(11, 0)], mediators=[lou]),
        preview=False,
    )

    assert [len(p.mediators) for p in plan.sessions] == [1, 0]
    assert Assignment.objects.filter(mediator=lou).count() == 1


def test_created_sessions_are_recorded_in_history_with_who_created_them(staff):
    offer = OfferFactory()
    monday = next_monday()

    plan = sessions_plan(**plan_args(offer, monday, weekdays=[0]), preview=False, by=staff)

    record = plan.created[0].history.get()
    assert (record.history_type, record.history_user) == ("+", staff)


def test_closing_days_seed_adds_the_public_holidays_once():
    added = closing_days_seed(years=[2030])
    again = closing_days_seed(years=[2030])

    assert (added, again) == (3, 0)
    assert list(ClosingDay.objects.values_list("date", flat=True)) == [
        dt.date(2030, 1, 1),
        dt.date(2030, 5, 1),
        dt.date(2030, 12, 25),
    ]


def test_closing_days_seed_command_adds_the_given_year():
    call_command("closing_days_seed", "--year", "2031", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert ClosingDay.objects.filter(date__year=2031).count() == 3


# ---------------------------------------------------------------------------------------------
# One session: the offer's defaults and the service's rules (the admin's add goes through them)
# ---------------------------------------------------------------------------------------------


def test_offer_gives_the_end_and_the_booking_deadline_of_its_sessions():
    offer = OfferFactory(duration_minutes=75, booking_deadline_hours=72)
    start = dt.datetime(2030, 3, 4, 10, 0, tzinfo=_tz())

    assert offer.session_end(start) == dt.datetime(2030, 3, 4, 11, 15, tzinfo=_tz())
    assert offer.booking_deadline_for(start) == dt.datetime(2030, 3, 1, 10, 0, tzinfo=_tz())
    assert offer.booking_deadline_for(start, hours=0) == start


def test_session_create_takes_the_end_and_the_deadline_from_the_offer(
    staff, django_capture_on_commit_callbacks
):
    offer = OfferFactory(duration_minutes=120, booking_deadline_hours=48)
    start = dt.datetime.combine(next_monday(), TEN, tzinfo=_tz())
    before = content_version()

    with django_capture_on_commit_callbacks(execute=True):
        session = session_create(offer=offer, start=start, place=" Hall d'accueil ", capacity=18, by=staff)

    session.refresh_from_db()
    assert (session.end, session.booking_deadline, session.place, session.status) == (
        start + dt.timedelta(hours=2),
        start - dt.timedelta(hours=48),
        "Hall d'accueil",
        SessionStatus.PLANNED,
    )
    assert session.history.get().history_user == staff
    assert content_version() > before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end": -1}, "end", "The session must end after it starts."),
        (
            {"booking_deadline": 1},
            "booking_deadline",
            "The booking deadline must be before the start of the session.",
        ),
        ({"capacity": 0}, "capacity", "The capacity must be at least 1 seat."),
        ({"place": "  "}, "place", "Give the place of the session."),
    ],
)
def test_session_create_refuses_each_broken_rule_at_its_field(changes, field, message):
    start = dt.datetime.combine(next_monday(), TEN, tzinfo=_tz())
    args = {"offer": OfferFactory(), "start": start, "place": "Hall d'accueil", "capacity": 20}
    for name in ("end", "booking_deadline"):
        if name in changes:
            args[name] = start + dt.timedelta(hours=changes.pop(name))
    args.update(changes)

    with pytest.raises(ProgrammeError) as error:
        session_create(**args)

    assert (error.value.field, error.value.message) == (field, gettext(message))
    assert Session.objects.count() == 0


def test_session_create_refuses_a_session_that_exists_at_that_time_and_place():
    existing = session_at(dt.datetime.combine(next_monday(), TEN, tzinfo=_tz()))

    with pytest.raises(ProgrammeError) as error:
        session_create(offer=existing.offer, start=existing.start, place=existing.place, capacity=20)

    assert (error.value.field, error.value.message) == (
        "start",
        gettext("A session of this offer already exists at this time and place."),
    )
    assert Session.objects.count() == 1


def test_plan_created_changes_the_pages_once_committed(django_capture_on_commit_callbacks):
    offer = OfferFactory()
    before = content_version()

    with django_capture_on_commit_callbacks(execute=True):
        sessions_plan(**plan_args(offer, next_monday(), weekdays=[0]), preview=False)

    assert content_version() > before


# ---------------------------------------------------------------------------------------------
# The admin page
# ---------------------------------------------------------------------------------------------

URL = "admin:programmes_season_plan"


def form_data(offer, monday, **overrides):
    data = {
        "offer": offer.pk,
        "date_from": monday.isoformat(),
        "date_to": (monday + dt.timedelta(days=6)).isoformat(),
        "weekdays": [str(day) for day in range(7)],
        "start_times": "10:00, 14h30",
        "place": "Hall d'accueil",
        "capacity": "20",
        "booking_deadline_hours": "",
    }
    data.update(overrides)
    return data


def test_admin_plan_page_shows_the_form(staff_client):
    response = staff_client.get(reverse(URL))

    assert response.status_code == 200
    assert response.context["form"].initial["weekdays"] == [0, 1, 2, 3, 4, 5, 6]


def test_admin_plan_preview_lists_sessions_and_skipped_days_without_creating(staff_client):
    offer = OfferFactory()
    monday = next_monday()

    response = staff_client.post(reverse(URL), form_data(offer, monday) | {"preview": "1"})

    assert response.status_code == 200
    plan = response.context["plan"]
    assert len(plan.sessions) == 12
    assert [slot.code for slot in plan.skipped] == [SkipReason.TUESDAY]
    assert escape(gettext("The Louvre-Lens is closed on Tuesdays.")) in response.content.decode()
    assert response.context["form"]["plan_digest"].value() == plan.digest
    assert Session.objects.count() == 0


def test_admin_plan_create_after_preview_creates_the_sessions(staff_client, staff):
    offer = OfferFactory()
    monday = next_monday()
    preview = staff_client.post(reverse(URL), form_data(offer, monday) | {"preview": "1"}).context["plan"]

    response = staff_client.post(
        reverse(URL), form_data(offer, monday) | {"create": "1", "plan_digest": preview.digest}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:programmes_session_changelist")
    assert sorted(Session.objects.values_list("start", flat=True)) == [p.start for p in preview.sessions]
    assert {s.history.get().history_user for s in Session.objects.all()} == {staff}


def test_admin_plan_create_refuses_when_the_plan_changed_since_the_preview(staff_client):
    offer = OfferFactory()
    monday = next_monday()
    preview = staff_client.post(reverse(URL), form_data(offer, monday) | {"preview": "1"}).context["plan"]
    ClosingDay.objects.create(date=monday, label="Inventaire")

    response = staff_client.post(
        reverse(URL), form_data(offer, monday) | {"create": "1", "plan_digest": preview.digest}
    )

    assert response.status_code == 200
    assert Session.objects.count() == 0
    assert len(response.context["plan"].sessions) == 10


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"date_to": "2020-01-01"}, "date_to", "The last day must be on or after the first day."),
        ({"start_times": "dix heures"}, "start_times", None),
        ({"weekdays": []}, "weekdays", None),
        ({"capacity": "0"}, "capacity", "The capacity must be at least 1 seat."),
        ({"date_from": "n'importe quoi"}, "date_from", None),
    ],
)
def test_admin_plan_bad_input_shows_a_message_at_the_field(staff_client, overrides, field, message):
    offer = OfferFactory()
    monday = next_monday()

    response = staff_client.post(reverse(URL), form_data(offer, monday, **overrides) | {"preview": "1"})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if message:
        assert errors[field] == [gettext(message)]
    assert response.context["plan"] is None


def test_admin_plan_of_more_than_a_year_shows_a_message(staff_client):
    offer = OfferFactory()
    monday = next_monday()

    response = staff_client.post(
        reverse(URL),
        form_data(offer, monday, date_to=(monday + dt.timedelta(days=400)).isoformat()) | {"preview": "1"},
    )

    assert response.context["form"].errors == {
        "date_to": [
            gettext("Plan at most %(days)s days at once (one year): split the season in two.")
            % {"days": MAX_PLAN_DAYS}
        ]
    }


def test_admin_plan_is_refused_to_visitors_and_partners(client, coordinator):
    assert client.get(reverse(URL)).status_code == 302
    client.force_login(coordinator)
    response = client.get(reverse(URL))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_admin_plan_is_refused_to_staff_who_cannot_add_sessions(client):
    clerk = StaffFactory(is_superuser=False)
    clerk.user_permissions.add(
        Permission.objects.get(codename="view_session", content_type__app_label="programmes")
    )
    client.force_login(clerk)

    assert client.get(reverse(URL)).status_code == 403


def test_admin_closing_days_seed_button_adds_holidays(staff_client):
    response = staff_client.post(reverse("admin:programmes_closingday_seed"))

    assert response.status_code == 302
    year = timezone.localdate().year
    assert ClosingDay.objects.filter(date__year__in=[year, year + 1]).count() == 6


def test_admin_closing_days_list_and_sessions_list_link_to_the_planning(staff_client):
    for name in ("admin:programmes_closingday_changelist", "admin:programmes_session_changelist"):
        response = staff_client.get(reverse(name))
        assert response.status_code == 200
        assert reverse(URL) in response.content.decode()


def test_admin_closing_days_seed_is_refused_to_visitors_and_partners(client, coordinator):
    url = reverse("admin:programmes_closingday_seed")

    assert client.post(url).status_code == 302
    client.force_login(coordinator)
    assert client.post(url)["Location"].startswith(reverse("admin:login"))
    assert ClosingDay.objects.count() == 0


def test_admin_closing_days_seed_only_by_post(staff_client):
    assert staff_client.get(reverse("admin:programmes_closingday_seed")).status_code == 405
    assert ClosingDay.objects.count() == 0
