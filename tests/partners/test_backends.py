"""The authentication backend: the user of each request, with their mediator role, in one query."""

from __future__ import annotations

import pytest

from partners.backends import PortalBackend
from tests.partners.factories import UserFactory, make_mediator

pytestmark = pytest.mark.django_db


def test_a_mediator_is_loaded_with_the_role_in_one_query(django_assert_num_queries):
    mediator = make_mediator(first_name="Lou", last_name="Médiatrice")

    with django_assert_num_queries(1):
        user = PortalBackend().get_user(mediator.pk)
        assert user.is_mediator is True

    assert user == mediator


def test_a_user_who_does_not_mediate_is_told_so_in_the_same_query(django_assert_num_queries):
    relais = UserFactory()

    with django_assert_num_queries(1):
        assert PortalBackend().get_user(relais.pk).is_mediator is False


def test_an_inactive_or_missing_user_is_nobody():
    inactive = UserFactory(is_active=False)

    assert PortalBackend().get_user(inactive.pk) is None
    assert PortalBackend().get_user(inactive.pk + 1000) is None


def test_every_request_of_a_logged_in_user_reads_the_user_once(client, django_assert_num_queries):
    mediator = make_mediator(first_name="Lou", last_name="Médiatrice")
    client.force_login(mediator)
    client.get("/mentions-legales/")  # the session is in the cache from now on

    with django_assert_num_queries(2) as queries:  # the user with their role, then their structures
        response = client.get("/mentions-legales/")

    assert 'FROM "partners_user"' in queries.captured_queries[0]["sql"]
    assert 'FROM "partners_membership"' in queries.captured_queries[1]["sql"]

    assert "planning" in response.content.decode()  # the menu offers the schedule to mediators
