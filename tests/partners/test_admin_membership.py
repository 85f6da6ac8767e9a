"""Removing a coordinator in the admin (a membership, or the person): a structure keeps one."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.models import DELETION, LogEntry
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from partners.models import Membership, User
from tests.partners.factories import MembershipFactory, StructureFactory, UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:partners_membership_changelist"


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def _kept_message(membership: Membership) -> str:
    return gettext(
        "%(person)s stays a coordinator of %(structure)s: a structure keeps at least one "
        "coordinator. Add another coordinator first, or archive the structure."
    ) % {"person": membership.user, "structure": membership.structure}


def _bulk_delete(client, memberships, *, confirmed: bool = True):
    data = {"action": "delete_selected", admin.helpers.ACTION_CHECKBOX_NAME: [m.pk for m in memberships]}
    if confirmed:
        data["post"] = "yes"
    return client.post(reverse(CHANGELIST), data)


# --- The delete page of one membership ---------------------------------------------------------


def test_admin_delete_of_the_last_coordinator_is_refused_with_a_message(staff_client):
    last = MembershipFactory()

    response = staff_client.post(reverse("admin:partners_membership_delete", args=[last.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert response.url == reverse("admin:partners_membership_change", args=[last.pk])
    assert Membership.objects.filter(pk=last.pk).exists()
    assert _messages(response) == [_kept_message(last)]
    assert LogEntry.objects.filter(action_flag=DELETION).count() == 0


def test_admin_delete_of_one_of_two_coordinators_removes_it_and_logs_it(staff_client):
    leaving = MembershipFactory()
    staying = MembershipFactory(structure=leaving.structure)
    name = str(leaving)

    response = staff_client.post(
        reverse("admin:partners_membership_delete", args=[leaving.pk]), {"post": "yes"}
    )

    assert response.status_code == 302
    assert response.url == reverse(CHANGELIST)
    assert list(Membership.objects.values_list("pk", flat=True)) == [staying.pk]
    assert _messages(response) == [gettext("%(membership)s was removed.") % {"membership": name}]
    assert LogEntry.objects.get(action_flag=DELETION).object_id == str(leaving.pk)


def test_admin_delete_page_still_asks_for_confirmation(staff_client):
    membership = MembershipFactory()

    response = staff_client.get(reverse("admin:partners_membership_delete", args=[membership.pk]))

    assert response.status_code == 200
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- The bulk delete action --------------------------------------------------------------------


def test_admin_bulk_delete_shows_the_confirmation_page_first(staff_client):
    memberships = [MembershipFactory(), MembershipFactory()]

    response = _bulk_delete(staff_client, memberships, confirmed=False)

    assert response.status_code == 200
    assert "admin/delete_selected_confirmation.html" in [t.name for t in response.templates]
    assert Membership.objects.count() == 2


def test_admin_bulk_delete_keeps_the_last_coordinator_of_each_structure(staff_client):
    structure = StructureFactory()
    first = MembershipFactory(structure=structure)
    second = MembershipFactory(structure=structure)
    alone = MembershipFactory()
    with_colleague = MembershipFactory()
    MembershipFactory(structure=with_colleague.structure)

    response = _bulk_delete(staff_client, [first, second, alone, with_colleague])

    assert response.status_code == 302
    remaining = set(Membership.objects.values_list("pk", flat=True))
    assert first.pk not in remaining
    assert {second.pk, alone.pk} <= remaining
    assert with_colleague.pk not in remaining
    assert Membership.objects.filter(structure=structure).count() == 1
    assert _messages(response) == [
        _kept_message(second),
        _kept_message(alone),
        ngettext("%(count)d membership removed.", "%(count)d memberships removed.", 2) % {"count": 2},
    ]
    assert LogEntry.objects.filter(action_flag=DELETION).count() == 2


def test_admin_bulk_delete_of_only_last_coordinators_removes_nothing(staff_client):
    alone = MembershipFactory()

    response = _bulk_delete(staff_client, [alone])

    assert response.status_code == 302
    assert Membership.objects.filter(pk=alone.pk).exists()
    assert _messages(response) == [_kept_message(alone)]


# --- The coordinators inline, on a structure's and on a person's page --------------------------


def _change_form_data(response) -> dict:
    """What the browser would post back from an admin change page, unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        forms.extend(formset.initial_forms)
    for form in forms:
        for field in form:
            value = field.value()
            if isinstance(value, bool):
                if value:
                    data[field.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[field.html_name] = [v for v in value if v is not None]
            elif value is not None:
                data[field.html_name] = value
    return data


def _delete_flag(response, membership: Membership) -> str:
    for inline in response.context["inline_admin_formsets"]:
        for form in inline.formset.initial_forms:
            if form.instance.pk == membership.pk:
                return f"{form.prefix}-DELETE"
    raise AssertionError(f"no inline row for membership {membership.pk}")


def test_structure_page_refuses_to_remove_every_coordinator(staff_client):
    first = MembershipFactory()
    second = MembershipFactory(structure=first.structure)
    url = reverse("admin:partners_structure_change", args=[first.structure.pk])
    page = staff_client.get(url)
    data = {**_change_form_data(page), _delete_flag(page, first): "on", _delete_flag(page, second): "on"}

    response = staff_client.post(url, data)

    assert response.status_code == 200
    errors = [
        e for inline in response.context["inline_admin_formsets"] for e in inline.formset.non_form_errors()
    ]
    assert errors == [
        gettext(
            "%(structure)s would have no coordinator left: a structure keeps at least one. Add another "
            "coordinator first, or archive the structure."
        )
        % {"structure": first.structure}
    ]
    assert Membership.objects.filter(structure=first.structure).count() == 2


def test_structure_page_removes_one_of_two_coordinators(staff_client):
    leaving = MembershipFactory()
    staying = MembershipFactory(structure=leaving.structure)
    url = reverse("admin:partners_structure_change", args=[leaving.structure.pk])
    page = staff_client.get(url)

    response = staff_client.post(url, {**_change_form_data(page), _delete_flag(page, leaving): "on"})

    assert response.status_code == 302
    assert list(Membership.objects.values_list("pk", flat=True)) == [staying.pk]


def test_person_page_refuses_to_remove_the_last_coordinator_of_a_structure(staff_client):
    last = MembershipFactory()
    url = reverse("admin:partners_user_change", args=[last.user.pk])
    page = staff_client.get(url)

    response = staff_client.post(url, {**_change_form_data(page), _delete_flag(page, last): "on"})

    assert response.status_code == 200
    errors = [
        e for inline in response.context["inline_admin_formsets"] for e in inline.formset.non_form_errors()
    ]
    assert len(errors) == 1
    assert str(last.structure) in errors[0]
    assert Membership.objects.filter(pk=last.pk).exists()


# --- Deleting a person who coordinates a structure ---------------------------------------------


def _left_without(structure) -> str:
    """The reason, as the delete page writes it (escaped: it is text, not markup)."""
    return escape(
        gettext(
            "%(structure)s would have no coordinator left: a structure keeps at least one. "
            "Add another coordinator to it first."
        )
        % {"structure": structure}
    )


def test_deleting_the_last_coordinator_of_a_structure_is_refused_on_the_delete_page(staff_client):
    last = MembershipFactory(structure__name="Foyer des Mésanges")
    url = reverse("admin:partners_user_delete", args=[last.user.pk])

    page = staff_client.get(url)
    response = staff_client.post(url, {"post": "yes"})

    assert _left_without(last.structure) in page.content.decode()
    assert response.status_code == 200  # the page again, which says why
    assert Membership.objects.filter(pk=last.pk).exists()
    assert User.objects.filter(pk=last.user.pk).exists()
    assert LogEntry.objects.filter(action_flag=DELETION).count() == 0


def test_deleting_one_of_two_coordinators_is_allowed(staff_client):
    leaving = MembershipFactory()
    staying = MembershipFactory(structure=leaving.structure)

    url = reverse("admin:partners_user_delete", args=[leaving.user.pk])

    response = staff_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not User.objects.filter(pk=leaving.user.pk).exists()
    assert list(Membership.objects.filter(structure=leaving.structure)) == [staying]


def test_deleting_every_coordinator_of_a_structure_at_once_is_refused(staff_client):
    first = MembershipFactory(structure__name="Atelier Vauban")
    second = MembershipFactory(structure=first.structure)
    lone = UserFactory()  # coordinates nothing: alone it could go, but the action deletes all or none
    data = {
        "action": "delete_selected",
        admin.helpers.ACTION_CHECKBOX_NAME: [first.user.pk, second.user.pk, lone.pk],
        "post": "yes",
    }

    response = staff_client.post(reverse("admin:partners_user_changelist"), data)

    assert response.status_code == 200
    assert _left_without(first.structure) in response.content.decode()
    assert User.objects.filter(pk__in=[first.user.pk, second.user.pk, lone.pk]).count() == 3
