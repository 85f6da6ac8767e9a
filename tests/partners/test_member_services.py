import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext

from notifications.models import OutboxMessage
from partners.enums import StructureStatus, TrainingModule, TrainingSource
from partners.models import Invitation, Membership, TrainingRecord, User
from partners.selectors import has_completed
from partners.services import (
    PartnerError,
    invitation_accept,
    invitation_create,
    invitation_revoke,
    invitation_signup,
    invitation_wrong_email_message,
    membership_leave,
    training_record_add,
)
from tests.partners.factories import (
    InvitationFactory,
    MembershipFactory,
    StaffFactory,
    StructureFactory,
    UserFactory,
)
from tests.programmes.factories import SessionFactory

pytestmark = pytest.mark.django_db


def _expire(invitation: Invitation) -> None:
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=now - dt.timedelta(days=10), expires_at=now - dt.timedelta(days=3)
    )


# ---------------------------------------------------------------------------------------------
# Invitations
# ---------------------------------------------------------------------------------------------


def test_invitation_create_queues_an_email_with_a_link_that_expires():
    membership = MembershipFactory(user__first_name="Nadia", user__last_name="Benali")

    invitation = invitation_create(
        structure=membership.structure, email=" Collegue@Exemple.fr ", invited_by=membership.user
    )

    assert invitation.email == "collegue@exemple.fr"
    assert round((invitation.expires_at - invitation.created_at).total_seconds() / 86400) == 7
    message = OutboxMessage.objects.get(template="invitation_new")
    assert message.to == "collegue@exemple.fr"
    assert message.context["accept_url"] == f"https://portail.example/compte/invitation/{invitation.token}/"
    assert message.context["invited_by_name"] == "Nadia Benali"
    assert message.context["has_account"] is False


def test_invitation_create_again_replaces_the_previous_link():
    membership = MembershipFactory()
    first = invitation_create(
        structure=membership.structure, email="c@exemple.fr", invited_by=membership.user
    )

    second = invitation_create(
        structure=membership.structure, email="c@exemple.fr", invited_by=membership.user
    )

    assert list(Invitation.objects.values_list("pk", flat=True)) == [second.pk]
    assert first.token != second.token
    assert OutboxMessage.objects.filter(template="invitation_new").count() == 2


def test_invitation_create_refuses_someone_who_is_not_a_coordinator_of_the_structure():
    structure = StructureFactory()
    outsider = MembershipFactory().user

    with pytest.raises(PartnerError):
        invitation_create(structure=structure, email="c@exemple.fr", invited_by=outsider)

    assert Invitation.objects.count() == 0


def test_invitation_create_refuses_a_person_already_coordinator():
    membership = MembershipFactory()
    colleague = MembershipFactory(structure=membership.structure).user

    with pytest.raises(PartnerError) as caught:
        invitation_create(
            structure=membership.structure, email=colleague.email.upper(), invited_by=membership.user
        )

    assert caught.value.field == "email"
    assert Invitation.objects.count() == 0


def test_invitation_create_refuses_an_archived_structure():
    membership = MembershipFactory(structure__status=StructureStatus.ARCHIVED)

    with pytest.raises(PartnerError):
        invitation_create(structure=membership.structure, email="c@exemple.fr", invited_by=membership.user)


def test_invitation_accept_joins_the_structure_and_verifies_the_address():
    invitation = InvitationFactory(email="collegue@exemple.fr")
    user = UserFactory(email="collegue@exemple.fr", email_verified=False)

    membership = invitation_accept(token=invitation.token, user=user)

    assert membership.structure == invitation.structure
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    user.refresh_from_db()
    assert user.email_verified is True


def test_invitation_accept_refuses_an_expired_invitation():
    invitation = InvitationFactory(email="collegue@exemple.fr")
    _expire(invitation)
    user = UserFactory(email="collegue@exemple.fr")

    with pytest.raises(PartnerError) as caught:
        invitation_accept(token=invitation.token, user=user)

    assert caught.value.message == gettext(
        "This invitation has expired. Ask your colleague at %(structure)s to invite you again."
    ) % {"structure": invitation.structure.name}
    assert Membership.objects.filter(user=user).count() == 0


def test_invitation_accept_refuses_an_account_with_another_email():
    invitation = InvitationFactory(email="collegue@exemple.fr")
    someone_else = UserFactory(email="autre@exemple.fr")

    with pytest.raises(PartnerError) as caught:
        invitation_accept(token=invitation.token, user=someone_else)

    assert caught.value.message == invitation_wrong_email_message()
    assert Membership.objects.filter(user=someone_else).count() == 0
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_invitation_accept_refuses_a_used_invitation():
    invitation = InvitationFactory(email="collegue@exemple.fr", accepted_at=timezone.now())
    user = UserFactory(email="collegue@exemple.fr")

    with pytest.raises(PartnerError):
        invitation_accept(token=invitation.token, user=user)

    assert Membership.objects.filter(user=user).count() == 0


def test_invitation_accept_refuses_a_revoked_invitation():
    membership = MembershipFactory()
    invitation = InvitationFactory(structure=membership.structure, email="collegue@exemple.fr")
    invitation_revoke(invitation=invitation, by=membership.user)
    user = UserFactory(email="collegue@exemple.fr")

    with pytest.raises(PartnerError):
        invitation_accept(token=invitation.token, user=user)

    assert Membership.objects.filter(user=user).count() == 0


def test_invitation_signup_creates_a_verified_account_in_the_structure():
    invitation = InvitationFactory(email="nouvelle@exemple.fr")

    membership = invitation_signup(
        token=invitation.token, first_name="Léa", last_name="Roux", password="Un-mot-de-passe-solide-42"
    )

    user = membership.user
    assert user.email == "nouvelle@exemple.fr"
    assert user.email_verified is True
    assert user.check_password("Un-mot-de-passe-solide-42")
    assert membership.structure == invitation.structure


def test_invitation_signup_refuses_when_the_account_exists():
    invitation = InvitationFactory(email="nouvelle@exemple.fr")
    UserFactory(email="nouvelle@exemple.fr")

    with pytest.raises(PartnerError):
        invitation_signup(
            token=invitation.token, first_name="Léa", last_name="Roux", password="Un-mot-de-passe-solide-42"
        )

    assert User.objects.filter(email="nouvelle@exemple.fr").count() == 1


def test_invitation_signup_refuses_an_expired_invitation():
    invitation = InvitationFactory(email="nouvelle@exemple.fr")
    _expire(invitation)

    with pytest.raises(PartnerError):
        invitation_signup(
            token=invitation.token, first_name="Léa", last_name="Roux", password="Un-mot-de-passe-solide-42"
        )

    assert not User.objects.filter(email="nouvelle@exemple.fr").exists()


def test_invitation_revoke_refuses_a_coordinator_of_another_structure():
    invitation = InvitationFactory()
    outsider = MembershipFactory().user

    with pytest.raises(PartnerError):
        invitation_revoke(invitation=invitation, by=outsider)

    assert Invitation.objects.filter(pk=invitation.pk).exists()


# ---------------------------------------------------------------------------------------------
# Leaving a structure
# ---------------------------------------------------------------------------------------------


def test_membership_leave_removes_the_membership():
    membership = MembershipFactory()
    MembershipFactory(structure=membership.structure)

    membership_leave(user=membership.user, structure=membership.structure)

    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Membership.objects.filter(structure=membership.structure).count() == 1


def test_membership_leave_refuses_the_last_coordinator():
    membership = MembershipFactory()

    with pytest.raises(PartnerError) as caught:
        membership_leave(user=membership.user, structure=membership.structure)

    assert caught.value.message == gettext(
        "You are the last coordinator of %(structure)s, and a structure keeps at least one coordinator. "
        "Invite a colleague first, or ask the museum to archive the structure."
    ) % {"structure": membership.structure.name}
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_membership_leave_refuses_someone_who_is_not_a_member():
    structure = StructureFactory()
    MembershipFactory(structure=structure)
    MembershipFactory(structure=structure)

    with pytest.raises(PartnerError):
        membership_leave(user=UserFactory(), structure=structure)

    assert Membership.objects.filter(structure=structure).count() == 2


@pytest.mark.django_db(transaction=True)
def test_membership_leave_keeps_one_coordinator_when_the_last_two_leave_at_once():
    structure = StructureFactory()
    first = MembershipFactory(structure=structure).user
    second = MembershipFactory(structure=structure).user
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def leave(user):
        try:
            barrier.wait(5)
            membership_leave(user=user, structure=structure)
            outcomes.append("left")
        except PartnerError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=leave, args=(user,)) for user in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    assert sorted(outcomes) == ["left", "refused"]
    assert Membership.objects.filter(structure=structure).count() == 1


# ---------------------------------------------------------------------------------------------
# Training record
# ---------------------------------------------------------------------------------------------


def test_training_record_add_records_the_module():
    user = UserFactory()
    staff = StaffFactory()
    day = timezone.localdate() - dt.timedelta(days=3)

    record = training_record_add(
        user=user, module=TrainingModule.ABC, completed_on=day, source=TrainingSource.STAFF, recorded_by=staff
    )

    assert (record.user, record.module, record.completed_on, record.source, record.recorded_by) == (
        user,
        TrainingModule.ABC,
        day,
        TrainingSource.STAFF,
        staff,
    )


def test_training_record_add_is_idempotent_per_day():
    user = UserFactory()
    session = SessionFactory()
    day = timezone.localdate()

    first = training_record_add(
        user=user,
        module=TrainingModule.ABC,
        completed_on=day,
        source=TrainingSource.ATTENDANCE,
        session=session,
    )
    again = training_record_add(
        user=user,
        module=TrainingModule.ABC,
        completed_on=day,
        source=TrainingSource.ATTENDANCE,
        session=session,
    )

    assert again.pk == first.pk
    assert TrainingRecord.objects.count() == 1


def test_training_record_add_keeps_each_day():
    user = UserFactory()
    today = timezone.localdate()

    training_record_add(user=user, module=TrainingModule.ABC, completed_on=today, source=TrainingSource.STAFF)
    training_record_add(
        user=user,
        module=TrainingModule.ABC,
        completed_on=today - dt.timedelta(days=1),
        source=TrainingSource.STAFF,
    )

    assert TrainingRecord.objects.count() == 2


def test_training_record_add_refuses_a_future_date():
    with pytest.raises(PartnerError):
        training_record_add(
            user=UserFactory(),
            module=TrainingModule.ABC,
            completed_on=timezone.localdate() + dt.timedelta(days=1),
            source=TrainingSource.STAFF,
        )

    assert TrainingRecord.objects.count() == 0


def test_training_record_add_refuses_an_unknown_module():
    with pytest.raises(PartnerError):
        training_record_add(
            user=UserFactory(),
            module="juggling",
            completed_on=timezone.localdate(),
            source=TrainingSource.STAFF,
        )


def test_has_completed_is_true_only_for_the_recorded_person_and_module():
    user = UserFactory()
    training_record_add(
        user=user, module=TrainingModule.ABC, completed_on=timezone.localdate(), source="staff"
    )

    assert has_completed(user, TrainingModule.ABC) is True
    assert has_completed(user, TrainingModule.DEEPENING) is False
    assert has_completed(UserFactory(), TrainingModule.ABC) is False
