import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from partners.enums import StructureStatus
from partners.selectors import (
    CURRENT_STRUCTURE_SESSION_KEY,
    booking_refusal_reason,
    current_structure,
    memberships_of,
    request_memberships,
    user_can_book,
)
from tests.partners.factories import MembershipFactory, StructureFactory, UserFactory

pytestmark = pytest.mark.django_db


def _request(user, chosen=None):
    request = RequestFactory().get("/")
    request.user = user
    request.session = SessionStore()
    if chosen is not None:
        request.session[CURRENT_STRUCTURE_SESSION_KEY] = chosen
    return request


def test_user_can_book_for_an_active_structure_with_a_verified_address():
    membership = MembershipFactory(user__email_verified=True, structure__status=StructureStatus.ACTIVE)

    assert user_can_book(membership.user, membership.structure) is True
    assert booking_refusal_reason(membership.user, membership.structure) is None


@pytest.mark.parametrize(
    "status", [StructureStatus.PENDING, StructureStatus.SUSPENDED, StructureStatus.ARCHIVED]
)
def test_user_can_book_refuses_a_structure_that_is_not_active(status):
    membership = MembershipFactory(structure__status=status)

    assert user_can_book(membership.user, membership.structure) is False


def test_user_can_book_refuses_an_unverified_address():
    membership = MembershipFactory(user__email_verified=False)

    assert user_can_book(membership.user, membership.structure) is False


def test_user_can_book_refuses_another_structure():
    membership = MembershipFactory()

    assert user_can_book(membership.user, StructureFactory()) is False
    assert user_can_book(membership.user, None) is False
    assert user_can_book(AnonymousUser(), membership.structure) is False


def test_current_structure_is_the_one_chosen_in_the_session():
    user = UserFactory()
    MembershipFactory(user=user, structure__name="A structure")
    chosen = MembershipFactory(user=user, structure__name="B structure").structure

    assert current_structure(_request(user, chosen.pk)) == chosen


def test_current_structure_falls_back_to_the_first_by_name():
    user = UserFactory()
    first = MembershipFactory(user=user, structure__name="A structure").structure
    MembershipFactory(user=user, structure__name="B structure")

    assert current_structure(_request(user)) == first


def test_current_structure_ignores_a_foreign_structure_in_the_session():
    user = UserFactory()
    own = MembershipFactory(user=user).structure
    foreign = StructureFactory()

    assert current_structure(_request(user, foreign.pk)) == own


def test_current_structure_is_none_without_membership_or_login():
    assert current_structure(_request(UserFactory())) is None
    assert current_structure(_request(AnonymousUser())) is None


def test_request_memberships_runs_one_query_per_request(django_assert_num_queries):
    user = UserFactory()
    for _ in range(5):
        MembershipFactory(user=user)
    request = _request(user)

    with django_assert_num_queries(1):
        assert len(request_memberships(request)) == 5
        current_structure(request)
        request_memberships(request)


def test_each_request_reads_the_memberships_again_so_a_change_is_seen_at_once(django_assert_num_queries):
    membership = MembershipFactory(structure__name="Foyer des Mésanges")
    first = [m.structure.name for m in request_memberships(_request(membership.user))]

    membership.structure.name = "Foyer des Hirondelles"
    membership.structure.save()
    MembershipFactory(user=membership.user, structure__name="Atelier Vauban")
    with django_assert_num_queries(1):
        names = [m.structure.name for m in request_memberships(_request(membership.user))]

    assert first == ["Foyer des Mésanges"]
    assert names == ["Atelier Vauban", "Foyer des Hirondelles"]


def test_an_anonymous_request_has_no_membership_and_costs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert request_memberships(_request(AnonymousUser())) == []


def test_memberships_of_lists_only_the_users_own():
    membership = MembershipFactory()
    MembershipFactory()

    assert list(memberships_of(membership.user)) == [membership]


def test_user_can_book_with_the_memberships_at_hand_runs_no_query(django_assert_num_queries):
    membership = MembershipFactory()
    memberships = list(memberships_of(membership.user))

    with django_assert_num_queries(0):
        assert user_can_book(membership.user, membership.structure, memberships=memberships) is True
        assert (
            user_can_book(membership.user, StructureFactory.build(pk=10**6), memberships=memberships) is False
        )
