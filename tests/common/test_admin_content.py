"""Saves in the admin that change what public pages show bump the content version after commit."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.partners.factories import StaffFactory
from tests.programmes.factories import OfferFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_an_offer_renamed_in_the_admin_shows_at_the_next_anonymous_visit(
    client, django_capture_on_commit_callbacks
):
    offer = OfferFactory(title="Visite découverte")
    SessionFactory(offer=offer)
    url = reverse("catalogue:offer", args=[offer.slug])
    assert client.get(url)["X-Page-Cache"] == "miss"
    assert client.get(url)["X-Page-Cache"] == "hit"
    staff = Client()
    staff.force_login(StaffFactory(is_superuser=True))
    change_url = reverse("admin:programmes_offer_change", args=[offer.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(change_url, _post_data(staff, change_url, title="Visite des collections"))

    assert response.status_code == 302
    after = client.get(url)
    assert after["X-Page-Cache"] == "miss"
    assert "Visite des collections" in after.content.decode()


def _post_data(staff: Client, url: str, **changes) -> dict:
    """The admin change form as a browser would post it, with `changes`."""
    response = staff.get(url)
    data = {}
    for form in [response.context["adminform"].form]:
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if value is None:
                continue
            if isinstance(value, list | tuple | set):
                data[name] = [getattr(v, "pk", v) for v in value]
            else:
                data[name] = getattr(value, "pk", value)
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name, field in management.fields.items():
            data[f"{management.prefix}-{name}"] = management.initial.get(name, field.initial)
    data.update(changes)
    return data
