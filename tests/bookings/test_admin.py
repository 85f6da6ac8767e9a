"""The staff admin, with the demo programme loaded: every page loads, searches and filters work,
the actions go through the services (state changes, emails queued), bad input is a field error."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib import admin
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from bookings.enums import BookingStatus, RequestStatus
from bookings.models import Booking, ProjectRequest
from common.cache import content_version
from notifications.models import OutboxMessage
from notifications.services import message_queue
from partners.enums import StructureStatus
from partners.models import Structure, User
from programmes.admin import NewSessionInline
from programmes.enums import SessionStatus
from programmes.models import Offer, Session
from tests.bookings.seats import seats_taken
from tests.partners.factories import PASSWORD, UserFactory

ADMINS = sorted(site._registry.items(), key=lambda item: item[0]._meta.label)
IDS = [model._meta.label for model, _ in ADMINS]
# Only the lists that have a search box, or filters, are tested for them (no skipped cases).
SEARCHABLE = [(model, model_admin) for model, model_admin in ADMINS if model_admin.search_fields]
FILTERED = [
    (model, model_admin)
    for model, model_admin in ADMINS
    if model_admin.list_filter or model_admin.date_hierarchy
]
OUR_APPS = {"partners", "programmes", "bookings", "notifications"}
STAFF_EMAIL = "equipe@louvrelens.example"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo programme, loaded once for the module inside a transaction rolled back at the end,
    so the other test modules never see it."""
    with django_db_blocker.unblock(), transaction.atomic():
        # Its after-commit work (the content version's bump) is run now: the tests' own writes then
        # register theirs, as they would in a transaction of their own.
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("seed_demo", force=True, stdout=io.StringIO())
        # Rows for the models the demo programme does not fill, so every change page is reached.
        message_queue(template="structure_approve", to="someone@exemple.fr", dedupe_key="admin-test")
        _reminder_rows()
        _login_throttling_rows()
        yield
        transaction.set_rollback(True)


def _login_throttling_rows() -> None:
    """A failed login as django-axes records it, so its admin pages have a row to show."""
    from axes.models import AccessAttempt, AccessFailureLog

    seen = {
        "user_agent": "Mozilla/5.0",
        "ip_address": "192.0.2.10",
        "username": "inconnu@exemple.fr",
        "http_accept": "text/html",
        "path_info": "/compte/connexion/",
    }
    AccessAttempt.objects.create(**seen, get_data="", post_data="username=inconnu", failures_since_start=1)
    AccessFailureLog.objects.create(**seen, locked_out=False)


def _reminder_rows() -> None:
    from bookings.models import Reminder, ReminderPolicy

    ReminderPolicy.objects.get_or_create(offer_kind="guided_visit")
    booking = Booking.objects.filter(status=BookingStatus.CONFIRMED).first()
    Reminder.objects.get_or_create(booking=booking, kind="first", defaults={"due_at": timezone.now()})


@pytest.fixture
def demo_staff_client(demo, client, db):
    """The test client, logged in as the demo's staff member."""
    client.force_login(User.objects.get(email=STAFF_EMAIL))
    return client


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# --------------------------------------------------------------------------------------------
# Every page loads
# --------------------------------------------------------------------------------------------


def test_every_model_of_the_portal_is_registered_in_admin():
    from django.apps import apps

    missing = [
        model._meta.label
        for app in OUR_APPS
        for model in apps.get_app_config(app).get_models()
        if model not in site._registry
        and not model._meta.auto_created
        and not model.__name__.startswith("Historical")
        and model._meta.model_name != "assignment"  # edited inline on the session's page
    ]

    assert missing == []


def test_admin_index_loads(demo_staff_client):
    response = demo_staff_client.get(reverse("admin:index"))

    assert response.status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=IDS)
def test_admin_changelist_loads_with_few_queries(
    demo_staff_client, django_assert_max_num_queries, model, model_admin
):
    with django_assert_max_num_queries(25):
        response = demo_staff_client.get(_url(model, "changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=IDS)
def test_admin_add_page_loads_when_adding_is_allowed(demo_staff_client, rf, model, model_admin):
    request = rf.get("/")
    request.user = User.objects.get(email=STAFF_EMAIL)

    response = demo_staff_client.get(_url(model, "add"))

    assert response.status_code == (200 if model_admin.has_add_permission(request) else 403)


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=IDS)
def test_admin_change_page_loads(demo_staff_client, model, model_admin):
    obj = model_admin.get_queryset(_request()).order_by("pk").last()
    assert obj is not None, f"The admin test data has no {model._meta.label}: add one in the `demo` fixture."

    response = demo_staff_client.get(_url(model, "change", obj.pk))

    assert response.status_code == 200


def _request():
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = User.objects.get(email=STAFF_EMAIL)
    return request


@pytest.mark.parametrize("model", [Session, Booking, Structure], ids=["session", "booking", "structure"])
def test_admin_history_page_loads(demo_staff_client, model):
    obj = model.objects.order_by("pk").first()

    response = demo_staff_client.get(_url(model, "history", obj.pk))

    assert response.status_code == 200


# --------------------------------------------------------------------------------------------
# Searches and filters
# --------------------------------------------------------------------------------------------


def _searchable_value(obj, search_fields) -> str | None:
    """A value of the object that its search fields should find (the first plain text one)."""
    for lookup in search_fields:
        value = obj
        for part in lookup.lstrip("^=@").split("__"):
            value = getattr(value, part, None)
            if value is None or hasattr(value, "all"):  # a many-valued relation: try another field
                value = None
                break
        if isinstance(value, str) and value.strip():
            return value
    return None


@pytest.mark.parametrize(("model", "model_admin"), SEARCHABLE, ids=[m._meta.label for m, _ in SEARCHABLE])
def test_admin_search_finds_an_object(demo_staff_client, model, model_admin):
    obj = model_admin.get_queryset(_request()).order_by("pk").first()
    assert obj is not None, f"The admin test data has no {model._meta.label}: add one in the `demo` fixture."
    term = _searchable_value(obj, model_admin.search_fields)
    assert term is not None, f"No text of {obj!r} to search for in {model_admin.search_fields}."

    response = demo_staff_client.get(_url(model, "changelist"), {"q": term})

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize(("model", "model_admin"), FILTERED, ids=[m._meta.label for m, _ in FILTERED])
def test_admin_every_list_filter_choice_works(demo_staff_client, model, model_admin):
    url = _url(model, "changelist")
    changelist = demo_staff_client.get(url).context["cl"]
    query_strings = [
        choice["query_string"] for spec in changelist.filter_specs for choice in spec.choices(changelist)
    ]

    if model_admin.date_hierarchy:
        first = model_admin.get_queryset(_request()).order_by("pk").first()
        moment = getattr(first, model_admin.date_hierarchy, None) if first else None
        if moment is not None:
            year = (timezone.localtime(moment) if isinstance(moment, dt.datetime) else moment).year
            query_strings.append(f"?{model_admin.date_hierarchy}__year={year}")

    statuses = {query: demo_staff_client.get(url + query).status_code for query in query_strings}

    assert query_strings
    assert {query: status for query, status in statuses.items() if status != 200} == {}


def test_admin_date_hierarchy_drills_down_on_sessions(demo_staff_client):
    start = timezone.localtime(Session.objects.order_by("start").last().start)

    response = demo_staff_client.get(
        _url(Session, "changelist"), {"start__year": start.year, "start__month": start.month}
    )

    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


def test_admin_session_list_shows_seats_taken_and_left(demo_staff_client):
    session = Session.objects.filter(bookings__status=BookingStatus.CONFIRMED).distinct().first()
    taken = seats_taken(session)

    response = demo_staff_client.get(_url(Session, "changelist"), {"id__exact": session.pk})

    row = response.context["cl"].result_list[0]
    assert (row.seats_taken, row.seats_left) == (taken, session.capacity - taken)


def test_admin_structure_field_filter_keeps_only_that_field(demo_staff_client):
    response = demo_staff_client.get(_url(Structure, "changelist"), {"field": "health"})

    kinds = {structure.kind for structure in response.context["cl"].queryset}
    assert kinds
    assert kinds <= {"ime", "esat", "day_hospital", "samsah", "other_health"}


# --------------------------------------------------------------------------------------------
# Actions go through the services
# --------------------------------------------------------------------------------------------


def _action(client, model, action: str, objects, **extra):
    data = {"action": action, admin.helpers.ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], **extra}
    return client.post(_url(model, "changelist"), data)


def _emails_to_coordinators_of(structure: Structure, template: str) -> int:
    emails = structure.memberships.values_list("user__email", flat=True)
    return OutboxMessage.objects.filter(template=template, to__in=list(emails)).count()


def test_admin_approve_action_activates_pending_structures_and_emails_them(demo_staff_client):
    pending = list(Structure.objects.filter(status=StructureStatus.PENDING))

    response = _action(demo_staff_client, Structure, "approve_structures", pending)

    assert response.status_code == 302
    assert {s.status for s in Structure.objects.filter(pk__in=[s.pk for s in pending])} == {
        StructureStatus.ACTIVE
    }
    for structure in pending:
        assert _emails_to_coordinators_of(structure, "structure_approve") == structure.memberships.count() > 0


def test_admin_approve_action_refuses_an_active_structure_with_a_message(demo_staff_client):
    active = Structure.objects.filter(status=StructureStatus.ACTIVE).first()

    response = _action(demo_staff_client, Structure, "approve_structures", [active])

    active.refresh_from_db()
    assert response.status_code == 302
    assert active.status == StructureStatus.ACTIVE
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        gettext("%(name)s cannot be changed from “%(status)s” this way.")
        % {"name": active.name, "status": active.get_status_display()}
    ]


def test_admin_suspend_action_asks_for_a_reason_then_suspends(demo_staff_client):
    active = Structure.objects.filter(status=StructureStatus.ACTIVE).order_by("pk")[2]

    page = _action(demo_staff_client, Structure, "suspend_structures", [active])
    done = _action(
        demo_staff_client, Structure, "suspend_structures", [active], apply="1", reason="Trop d'absences."
    )

    active.refresh_from_db()
    assert page.status_code == 200
    assert page.templates[0].name == "admin/action_with_reason.html"
    assert done.status_code == 302
    assert (active.status, active.status_reason) == (StructureStatus.SUSPENDED, "Trop d'absences.")
    assert _emails_to_coordinators_of(active, "structure_suspend") == active.memberships.count()


def test_admin_refuse_action_without_a_reason_shows_a_field_error(demo_staff_client):
    pending = Structure.objects.filter(status=StructureStatus.PENDING).first()

    response = _action(demo_staff_client, Structure, "refuse_structures", [pending], apply="1", reason="  ")

    pending.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == [gettext("This field is required.")]
    assert pending.status == StructureStatus.PENDING


def test_admin_refuse_action_archives_with_the_reason_and_emails_it(demo_staff_client):
    pending = Structure.objects.filter(status=StructureStatus.PENDING).first()

    response = _action(
        demo_staff_client,
        Structure,
        "refuse_structures",
        [pending],
        apply="1",
        reason="Hors de notre territoire.",
    )

    pending.refresh_from_db()
    assert response.status_code == 302
    assert (pending.status, pending.status_reason) == (StructureStatus.ARCHIVED, "Hors de notre territoire.")
    assert _emails_to_coordinators_of(pending, "structure_refuse") == pending.memberships.count()


def test_admin_archive_action_archives(demo_staff_client):
    suspended = Structure.objects.get(status=StructureStatus.SUSPENDED)

    _action(demo_staff_client, Structure, "archive_structures", [suspended])

    suspended.refresh_from_db()
    assert suspended.status == StructureStatus.ARCHIVED


def test_admin_cancel_action_cancels_the_session_and_its_bookings_and_emails(demo_staff_client):
    session = (
        Session.objects.filter(start__gt=timezone.now(), bookings__status=BookingStatus.CONFIRMED)
        .distinct()
        .first()
    )
    active = list(session.bookings.filter(status__in=[BookingStatus.CONFIRMED, BookingStatus.WAITLISTED]))
    before = OutboxMessage.objects.count()

    response = _action(
        demo_staff_client, Session, "cancel_sessions", [session], apply="1", reason="Salle fermée."
    )

    session.refresh_from_db()
    assert response.status_code == 302
    assert (session.status, session.cancellation_reason) == (SessionStatus.CANCELLED, "Salle fermée.")
    assert set(Booking.objects.filter(pk__in=[b.pk for b in active]).values_list("status", flat=True)) == {
        BookingStatus.CANCELLED
    }
    coordinators = sum(b.structure.memberships.count() for b in active)
    assert OutboxMessage.objects.count() - before == coordinators + session.mediators.count()


def test_admin_cancel_action_on_a_past_session_shows_the_rule(demo_staff_client):
    past = Session.objects.filter(start__lt=timezone.now(), status=SessionStatus.PLANNED).first()

    response = _action(demo_staff_client, Session, "cancel_sessions", [past], apply="1", reason="Erreur.")

    past.refresh_from_db()
    assert response.status_code == 302
    assert past.status == SessionStatus.PLANNED
    assert [str(m) for m in response.wsgi_request._messages] == [
        gettext("This session has already started: it can no longer be cancelled.")
    ]


# --------------------------------------------------------------------------------------------
# Bad input is a message at the field, never a 500
# --------------------------------------------------------------------------------------------


def _management_forms(response) -> dict:
    data = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for form in formset.initial_forms:
            for field in form:
                value = field.value()
                if isinstance(value, bool):
                    if value:
                        data[field.html_name] = "on"
                elif value is not None:
                    data[field.html_name] = value
    return data


def _split(moment: dt.datetime, name: str) -> dict:
    local = timezone.localtime(moment)
    return {f"{name}_0": local.strftime("%Y-%m-%d"), f"{name}_1": local.strftime("%H:%M:%S")}


def test_admin_session_ending_before_it_starts_is_a_field_error(demo_staff_client):
    add_url = _url(Session, "add")
    offer = Session.objects.first().offer
    start = timezone.now() + dt.timedelta(days=40)
    data = {
        **_management_forms(demo_staff_client.get(add_url)),
        "offer": offer.pk,
        **_split(start, "start"),
        **_split(start - dt.timedelta(hours=1), "end"),
        "place": "Galerie du temps",
        "capacity": "20",
    }
    count = Session.objects.count()

    response = demo_staff_client.post(add_url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["end"] == [
        gettext("The session must end after it starts.")
    ]
    assert Session.objects.count() == count


def test_admin_session_added_without_end_and_deadline_takes_them_from_the_offer(demo_staff_client):
    add_url = _url(Session, "add")
    offer = Session.objects.first().offer
    start = (timezone.now() + dt.timedelta(days=41)).replace(second=0, microsecond=0)
    data = {
        **_management_forms(demo_staff_client.get(add_url)),
        "offer": offer.pk,
        **_split(start, "start"),
        "place": "Hall d'accueil",
        "capacity": "20",
    }

    response = demo_staff_client.post(add_url, data)

    session = Session.objects.get(offer=offer, start=start, place="Hall d'accueil")
    assert response.status_code == 302
    assert session.end == start + dt.timedelta(minutes=offer.duration_minutes)
    assert session.booking_deadline == start - dt.timedelta(hours=offer.booking_deadline_hours)


def test_admin_session_added_with_no_seat_is_a_field_error(demo_staff_client):
    add_url = _url(Session, "add")
    offer = Session.objects.first().offer
    start = timezone.now() + dt.timedelta(days=42)
    data = {
        **_management_forms(demo_staff_client.get(add_url)),
        "offer": offer.pk,
        **_split(start, "start"),
        "place": "Galerie du temps",
        "capacity": "0",
    }

    response = demo_staff_client.post(add_url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["capacity"] == [
        gettext("The capacity must be at least 1 seat.")
    ]


def test_admin_session_added_goes_through_the_service_and_changes_the_pages(
    demo_staff_client, django_capture_on_commit_callbacks
):
    add_url = _url(Session, "add")
    offer = Session.objects.first().offer
    start = (timezone.now() + dt.timedelta(days=43)).replace(second=0, microsecond=0)
    data = {
        **_management_forms(demo_staff_client.get(add_url)),
        "offer": offer.pk,
        **_split(start, "start"),
        "place": "Hall d'accueil",
        "capacity": "12",
    }
    before = content_version()

    with django_capture_on_commit_callbacks(execute=True):
        response = demo_staff_client.post(add_url, data)

    session = Session.objects.get(offer=offer, start=start, place="Hall d'accueil")
    assert response.status_code == 302
    assert (session.status, session.capacity) == (SessionStatus.PLANNED, 12)
    assert session.history.get().history_user.email == STAFF_EMAIL
    assert content_version() > before


def _offer_page_data(client, offer) -> tuple[str, dict, str]:
    """The offer's change page as posted unchanged, and the prefix of its "add sessions" rows."""
    url = _url(Offer, "change", offer.pk)
    page = client.get(url)
    data = {**_management_forms(page)}
    for field in page.context["adminform"].form:
        value = field.value()
        if isinstance(value, bool):
            if value:
                data[field.html_name] = "on"
        elif isinstance(value, list):
            data[field.html_name] = [str(item) for item in value]
        elif value is not None:
            data[field.html_name] = value
    new_sessions = next(
        inline.formset.prefix
        for inline in page.context["inline_admin_formsets"]
        if isinstance(inline.opts, NewSessionInline)
    )
    return url, data, new_sessions


def test_admin_offer_page_adds_sessions_with_the_offer_defaults(demo_staff_client):
    offer = Offer.objects.get(slug="visite-decouverte-1h")
    url, data, prefix = _offer_page_data(demo_staff_client, offer)
    start = (timezone.now() + dt.timedelta(days=44)).replace(second=0, microsecond=0)
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            **{f"{prefix}-0-{name}": value for name, value in _split(start, "start").items()},
            f"{prefix}-0-place": "Salle pédagogique",
            f"{prefix}-0-capacity": "15",
        }
    )

    response = demo_staff_client.post(url, data)

    session = Session.objects.get(offer=offer, start=start, place="Salle pédagogique")
    assert response.status_code == 302
    assert (session.end, session.booking_deadline, session.capacity) == (
        offer.session_end(start),
        offer.booking_deadline_for(start),
        15,
    )
    assert session.history.get().history_user.email == STAFF_EMAIL


def test_admin_offer_page_new_session_ending_before_it_starts_is_a_field_error(demo_staff_client):
    offer = Offer.objects.get(slug="visite-decouverte-1h")
    url, data, prefix = _offer_page_data(demo_staff_client, offer)
    start = timezone.now() + dt.timedelta(days=45)
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": "1",
            **{f"{prefix}-0-{name}": value for name, value in _split(start, "start").items()},
            **{
                f"{prefix}-0-{name}": value
                for name, value in _split(start - dt.timedelta(hours=1), "end").items()
            },
            f"{prefix}-0-place": "Salle pédagogique",
            f"{prefix}-0-capacity": "15",
        }
    )
    count = offer.sessions.count()

    response = demo_staff_client.post(url, data)

    formset = next(
        inline.formset
        for inline in response.context["inline_admin_formsets"]
        if isinstance(inline.opts, NewSessionInline)
    )
    assert response.status_code == 200
    assert formset.forms[0].errors["end"] == [gettext("The session must end after it starts.")]
    assert offer.sessions.count() == count


def _change_data(client, session: Session, **changes) -> tuple[str, dict]:
    url = _url(Session, "change", session.pk)
    data = {
        **_management_forms(client.get(url)),
        "project": session.project_id or "",
        **_split(session.start, "start"),
        **_split(session.end, "end"),
        "place": session.place,
        "capacity": session.capacity,
        **_split(session.booking_deadline, "booking_deadline"),
    }
    data.update(changes)
    return url, data


def _booked_future_session() -> Session:
    return (
        Session.objects.filter(start__gt=timezone.now(), status=SessionStatus.PLANNED)
        .filter(bookings__status=BookingStatus.CONFIRMED, bookings__participants__gte=2)
        .distinct()
        .first()
    )


def test_admin_session_capacity_below_seats_taken_is_a_field_error(demo_staff_client):
    session = _booked_future_session()
    url, data = _change_data(demo_staff_client, session, capacity="1")

    response = demo_staff_client.post(url, data)

    session.refresh_from_db()
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["capacity"] == [
        gettext("%(taken)d seats are already booked: the capacity cannot be lower.")
        % {"taken": seats_taken(session)}
    ]
    assert session.capacity > 1


def test_admin_session_move_goes_through_the_service_and_tells_the_partners(demo_staff_client):
    session = _booked_future_session()
    sequence = session.sequence
    url, data = _change_data(demo_staff_client, session, place="Pavillon de verre")
    booked = session.bookings.filter(status__in=[BookingStatus.CONFIRMED, BookingStatus.WAITLISTED])
    coordinators = sum(b.structure.memberships.count() for b in booked)

    response = demo_staff_client.post(url, data)

    session.refresh_from_db()
    assert response.status_code == 302
    assert (session.place, session.sequence) == ("Pavillon de verre", sequence + 1)
    assert (
        OutboxMessage.objects.filter(template="session_changed", booking__session=session).count()
        == coordinators
    )


def test_admin_offer_with_maximum_below_minimum_is_a_field_error(demo_staff_client):
    offer = Offer.objects.get(slug="visite-decouverte-1h")
    url = _url(Offer, "change", offer.pk)
    page = demo_staff_client.get(url)
    form = page.context["adminform"].form
    data = {**_management_forms(page)}
    for field in form:
        value = field.value()
        if isinstance(value, bool):
            if value:
                data[field.html_name] = "on"
        elif value is not None:
            data[field.html_name] = value
    data.update({"min_group_size": "10", "max_group_size": "5"})

    response = demo_staff_client.post(url, data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["max_group_size"] == [
        gettext("The maximum group size cannot be smaller than the minimum.")
    ]


# --------------------------------------------------------------------------------------------
# Project requests: the answer goes through the service
# --------------------------------------------------------------------------------------------


def _request_change(client, request: ProjectRequest, **changes):
    url = _url(ProjectRequest, "change", request.pk)
    data = {
        **_management_forms(client.get(url)),
        "status": request.status,
        "answer": request.answer,
        "project": request.project_id or "",
        "sessions": list(request.sessions.values_list("pk", flat=True)),
        **changes,
    }
    return client.post(url, data)


def test_admin_request_answer_is_recorded_and_emailed(demo_staff_client):
    request = ProjectRequest.objects.get(status=RequestStatus.NEW)
    coordinators = request.structure.memberships.count()

    response = _request_change(
        demo_staff_client, request, status=RequestStatus.ACCEPTED, answer="Oui, construisons ce cycle."
    )

    request.refresh_from_db()
    assert response.status_code == 302
    assert (request.status, request.answer) == (RequestStatus.ACCEPTED, "Oui, construisons ce cycle.")
    assert request.answered_by.email == STAFF_EMAIL
    assert OutboxMessage.objects.filter(
        template="request_answered", context__request_id=request.pk
    ).count() == (coordinators)


def test_admin_request_answer_without_text_is_a_field_error(demo_staff_client):
    request = ProjectRequest.objects.get(status=RequestStatus.NEW)

    response = _request_change(demo_staff_client, request, status=RequestStatus.DECLINED, answer="")

    request.refresh_from_db()
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["answer"] == [
        gettext("Write the answer: it is emailed to the structure.")
    ]
    assert request.status == RequestStatus.NEW


# --------------------------------------------------------------------------------------------
# Only staff
# --------------------------------------------------------------------------------------------


def test_admin_redirects_a_coordinator_to_the_admin_login(demo, client, db):
    coordinator = User.objects.get(email="relais@louvrelens.example")
    client.force_login(coordinator)

    response = client.get(_url(Session, "changelist"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_admin_redirects_an_anonymous_visitor_to_the_admin_login(client, db):
    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_admin_user_can_be_added_with_an_email_and_no_username(demo_staff_client):
    add_url = _url(User, "add")

    response = demo_staff_client.post(
        add_url,
        {
            **_management_forms(demo_staff_client.get(add_url)),
            "email": "Nouvelle.Personne@Exemple.fr",
            "usable_password": "true",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert User.objects.get(email="nouvelle.personne@exemple.fr").check_password(PASSWORD)


def test_admin_user_with_a_taken_email_is_a_field_error(demo_staff_client):
    existing = UserFactory(email="deja@exemple.fr")

    response = demo_staff_client.post(
        _url(User, "add"),
        {"email": "DEJA@exemple.fr", "usable_password": "true", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["email"] == [
        gettext("A person with this email address already has an account.")
    ]
    assert User.objects.filter(email__iexact=existing.email).count() == 1


def test_admin_structure_with_a_bad_postcode_or_a_known_name_shows_field_errors(demo_staff_client):
    add_url = _url(Structure, "add")
    known = Structure.objects.first()
    data = {
        **_management_forms(demo_staff_client.get(add_url)),
        "name": known.name.upper(),
        "kind": "esat",
        "address": "1 rue Basly",
        "postcode": "623",
        "city": known.city,
        "departement": "62",
        "phone": "03 21 00 00 00",
        "email": "contact@exemple.fr",
    }
    count = Structure.objects.count()

    response = demo_staff_client.post(add_url, data)

    errors = response.context["adminform"].form.errors
    assert response.status_code == 200
    assert errors["postcode"] == [gettext("Enter the postcode as 5 digits, for example 62300.")]
    assert errors["name"] == [gettext("A structure with this name already exists in this city.")]
    assert Structure.objects.count() == count
