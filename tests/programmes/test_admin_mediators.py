"""The admin side: the assignment inline goes through the services; unavailabilities; unstaffed sessions."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils.translation import gettext

from notifications.models import OutboxMessage
from programmes.admin_mediators import AssignmentInline
from programmes.enums import SessionStatus
from programmes.models import Assignment, MediatorUnavailability, Session
from programmes.services import ProgrammeError, mediator_assign, unavailability_create
from tests.programmes.factories import OfferFactory, assign, at, session_at

pytestmark = pytest.mark.django_db


def _formset(session, staff, rows: list[dict], initial: int = 0):
    request = RequestFactory().post("/")
    request.user = staff
    inline = AssignmentInline(Session, admin.site)
    formset_class = inline.get_formset(request, session)
    data = {
        "assignments-TOTAL_FORMS": str(len(rows)),
        "assignments-INITIAL_FORMS": str(initial),
        "assignments-MIN_NUM_FORMS": "0",
        "assignments-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"assignments-{index}-{key}"] = value
    return formset_class(data, instance=session, prefix="assignments")


def test_inline_assigns_through_service_and_queues_email(staff, mediator, django_capture_on_commit_callbacks):
    session = session_at(at(5, 10))
    formset = _formset(session, staff, [{"mediator": mediator.pk, "session": session.pk}])

    assert formset.is_valid(), formset.errors
    with django_capture_on_commit_callbacks(execute=True):
        formset.save()

    assert Assignment.objects.filter(session=session, mediator=mediator).count() == 1
    assert OutboxMessage.objects.filter(template="mediator_assigned").count() == 1


def test_inline_refuses_overlap_with_message_at_field(staff, mediator):
    busy = session_at(at(5, 10), offer=OfferFactory(title="Visite déjà prévue"))
    assign(busy, mediator)
    session = session_at(at(5, 11))

    formset = _formset(session, staff, [{"mediator": mediator.pk, "session": session.pk}])

    assert not formset.is_valid()
    assert "Visite déjà prévue" in str(formset.forms[0].errors["mediator"])


def test_inline_refuses_user_outside_group(staff, coordinator):
    session = session_at(at(5, 10))

    formset = _formset(session, staff, [{"mediator": coordinator.pk, "session": session.pk}])

    assert not formset.is_valid()
    assert "mediator" in formset.forms[0].errors


def test_inline_refuses_a_cancelled_session_with_the_services_message(staff, mediator):
    session = session_at(at(5, 10), status=SessionStatus.CANCELLED)

    formset = _formset(session, staff, [{"mediator": mediator.pk, "session": session.pk}])

    assert not formset.is_valid()
    assert formset.forms[0].errors["mediator"] == [
        gettext("This session is cancelled: no mediator can be assigned to it.")
    ]
    with pytest.raises(ProgrammeError) as refused:
        mediator_assign(session=session, mediator=mediator)
    assert refused.value.message == formset.forms[0].errors["mediator"][0]


def test_inline_delete_unassigns_through_service(staff, mediator, django_capture_on_commit_callbacks):
    session = session_at(at(5, 10))
    assignment = assign(session, mediator)
    formset = _formset(
        session,
        staff,
        [{"id": assignment.pk, "mediator": mediator.pk, "session": session.pk, "DELETE": "on"}],
        initial=1,
    )

    assert formset.is_valid(), formset.errors
    with django_capture_on_commit_callbacks(execute=True):
        formset.save()

    assert Assignment.objects.count() == 0
    assert OutboxMessage.objects.filter(template="mediator_unassigned").count() == 1


def test_admin_unavailability_refused_over_assigned_session(client, staff, mediator):
    session = session_at(at(5, 10), offer=OfferFactory(title="Atelier gravure"))
    assign(session, mediator)
    client.force_login(staff)
    day = at(5, 0).date().isoformat()

    response = client.post(
        reverse("admin:programmes_mediatorunavailability_add"),
        {
            "mediator": mediator.pk,
            "start_0": day,
            "start_1": "08:00",
            "end_0": day,
            "end_1": "18:00",
            "reason": "Congé",
        },
    )

    assert response.status_code == 200
    assert "Atelier gravure" in response.content.decode()
    assert MediatorUnavailability.objects.count() == 0


def test_admin_unavailability_ending_before_it_starts_is_refused_as_the_service_does(client, staff, mediator):
    client.force_login(staff)
    day = at(5, 0).date().isoformat()

    response = client.post(
        reverse("admin:programmes_mediatorunavailability_add"),
        {
            "mediator": mediator.pk,
            "start_0": day,
            "start_1": "18:00",
            "end_0": day,
            "end_1": "08:00",
            "reason": "Congé",
        },
    )
    with pytest.raises(ProgrammeError) as refused:
        unavailability_create(mediator=mediator, start=at(5, 18), end=at(5, 8), reason="Congé")

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["end"] == [refused.value.message]
    assert refused.value.field == "end"
    assert MediatorUnavailability.objects.count() == 0


def test_admin_unavailability_created(client, staff, mediator):
    client.force_login(staff)
    day = at(5, 0).date().isoformat()

    response = client.post(
        reverse("admin:programmes_mediatorunavailability_add"),
        {
            "mediator": mediator.pk,
            "start_0": day,
            "start_1": "08:00",
            "end_0": day,
            "end_1": "18:00",
            "reason": "Congé",
        },
    )

    assert response.status_code == 302
    assert MediatorUnavailability.objects.get().reason == "Congé"


def test_admin_unstaffed_sessions_lists_only_upcoming_without_mediator(client, staff, mediator):
    unstaffed = session_at(at(7, 10), offer=OfferFactory(title="Sans personne"))
    staffed = session_at(at(7, 14), offer=OfferFactory(title="Avec médiatrice"))
    assign(staffed, mediator)
    far = session_at(at(70, 10), offer=OfferFactory(title="Dans longtemps"))
    client.force_login(staff)

    response = client.get(reverse("admin:programmes_unstaffedsession_changelist"))
    anytime = client.get(reverse("admin:programmes_unstaffedsession_changelist"), {"semaines": "all"})

    content = response.content.decode()
    assert response.status_code == 200
    assert unstaffed.offer.title in content
    assert staffed.offer.title not in content
    assert far.offer.title not in content
    assert far.offer.title in anytime.content.decode()


def test_admin_unstaffed_sessions_forbidden_to_mediator(client, mediator):
    client.force_login(mediator)

    response = client.get(reverse("admin:programmes_unstaffedsession_changelist"))

    assert response.status_code == 302  # to the admin login: not staff


def test_admin_session_page_with_inline_renders(client, staff, booked_session):
    client.force_login(staff)

    response = client.get(reverse("admin:programmes_session_change", args=[booked_session.pk]))

    assert response.status_code == 200
    assert "assignments-TOTAL_FORMS" in response.content.decode()
