"""The pages staff use for a structure's personal data: the list, the export, the erasure (confirmed
first), for staff only."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from bookings.privacy import ERASED_STRUCTURE_NAME

pytestmark = pytest.mark.django_db


def test_privacy_page_lists_and_searches_structures(staff_client, requested):
    response = staff_client.get(reverse("dashboard:privacy"), {"q": "tilleuls"})

    assert response.status_code == 200
    assert [s.pk for s in response.context["page"].object_list] == [requested["structure"].pk]


def test_export_page_downloads_the_json(staff_client, requested):
    structure = requested["structure"]

    response = staff_client.get(reverse("dashboard:privacy_export", args=[structure.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(response.content)["structure"]["name"] == "IME Les Tilleuls"


def test_erase_page_asks_for_confirmation(staff_client, requested):
    structure = requested["structure"]
    url = reverse("dashboard:privacy_erase", args=[structure.pk])

    shown = staff_client.get(url)
    unconfirmed = staff_client.post(url, {})

    assert shown.status_code == 200
    assert unconfirmed.status_code == 200
    assert unconfirmed.context["form"].errors == {
        "confirm": [gettext("Tick the box to confirm the erasure.")]
    }
    structure.refresh_from_db()
    assert structure.name == "IME Les Tilleuls"


def test_erase_page_erases_once_confirmed(staff_client, requested):
    structure = requested["structure"]

    response = staff_client.post(reverse("dashboard:privacy_erase", args=[structure.pk]), {"confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:privacy")
    structure.refresh_from_db()
    assert structure.name == ERASED_STRUCTURE_NAME.format(id=structure.pk)


@pytest.mark.parametrize("name", ["dashboard:privacy", "dashboard:privacy_export", "dashboard:privacy_erase"])
def test_privacy_pages_are_for_staff_only(client, requested, name):
    structure = requested["structure"]
    args = [] if name == "dashboard:privacy" else [structure.pk]
    url = reverse(name, args=args)

    assert client.get(url).status_code == 302
    client.force_login(requested["only_here"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "on"}).status_code in {404, 405}
    structure.refresh_from_db()
    assert structure.name == "IME Les Tilleuls"


def test_privacy_pages_of_an_unknown_structure_are_not_found(staff_client):
    assert staff_client.get(reverse("dashboard:privacy_export", args=[999999])).status_code == 404
    assert staff_client.get(reverse("dashboard:privacy_erase", args=[999999])).status_code == 404
