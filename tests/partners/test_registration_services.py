import threading
import time

import pytest
from django.core import signing
from django.db import connection, transaction
from django.utils.translation import gettext

from notifications.models import OutboxMessage
from partners.enums import StructureStatus
from partners.models import Membership, Structure, User
from partners.selectors import structure_duplicate_message
from partners.services import (
    EMAIL_VERIFICATION_SALT,
    PartnerError,
    email_taken_message,
    email_verification_token,
    structure_approve,
    structure_refuse,
    structure_register,
    user_send_verification,
    user_verify_email,
)
from tests.partners.factories import MembershipFactory, StructureFactory, UserFactory, make_siret

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------------


def test_structure_register_creates_a_pending_structure_its_coordinator_and_membership(registration_data):
    membership = structure_register(**registration_data, siret=make_siret("7328293200007"))

    structure = membership.structure
    user = membership.user
    assert structure.status == StructureStatus.PENDING
    assert structure.name == "Centre social des Marichelles"
    assert structure.siret == make_siret("7328293200007")
    assert user.email == "nadia.benali@marichelles.example"
    assert user.email_verified is False
    assert user.check_password("Un-mot-de-passe-solide-42")
    assert list(Membership.objects.values_list("user_id", "structure_id")) == [(user.pk, structure.pk)]


def test_structure_register_derives_the_departement_from_the_postcode(registration_data):
    registration_data["postcode"] = "20090"

    membership = structure_register(**registration_data)

    assert membership.structure.departement == "2A"


def test_structure_register_keeps_a_departement_typed_by_the_person(registration_data):
    membership = structure_register(**registration_data, departement="59")

    assert membership.structure.departement == "59"


def test_structure_register_accepts_a_siret_typed_with_spaces(registration_data):
    siret = make_siret("7328293200007")
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"

    membership = structure_register(**registration_data, siret=spaced)

    assert membership.structure.siret == siret


def test_structure_register_queues_the_verification_email_to_the_coordinator(registration_data):
    membership = structure_register(**registration_data)

    message = OutboxMessage.objects.get(template="account_verify_email")
    assert message.to == "nadia.benali@marichelles.example"
    token = message.context["verify_url"].rsplit("/", 2)[-2]
    assert message.context["verify_url"] == f"https://portail.example/compte/verifier-email/{token}/"
    assert user_verify_email(token=token) == membership.user


def test_structure_register_emails_each_staff_address_with_the_admin_link(registration_data):
    membership = structure_register(**registration_data)

    messages = OutboxMessage.objects.filter(template="registration_staff").order_by("to")
    assert [m.to for m in messages] == ["direction@louvrelens.example", "social@louvrelens.example"]
    expected = f"https://portail.example/admin/partners/structure/{membership.structure_id}/change/"
    assert {m.context["admin_url"] for m in messages} == {expected}
    assert messages[0].context["coordinator_email"] == "nadia.benali@marichelles.example"


def test_structure_register_refuses_a_siret_already_known(registration_data):
    siret = make_siret("7328293200007")
    existing = StructureFactory(siret=siret, name="Autre nom")
    MembershipFactory(structure=existing, user=UserFactory(first_name="Paul", last_name="Durand"))

    with pytest.raises(PartnerError) as caught:
        structure_register(**registration_data, siret=siret)

    assert caught.value.field == "siret"
    assert caught.value.message == structure_duplicate_message(existing)
    assert "Paul Durand" in caught.value.message
    assert Structure.objects.count() == 1
    assert not User.objects.filter(email="nadia.benali@marichelles.example").exists()
    assert OutboxMessage.objects.count() == 0


def test_structure_register_refuses_a_siret_with_a_wrong_check_key(registration_data):
    good = make_siret("7328293200007")
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)

    with pytest.raises(PartnerError) as caught:
        structure_register(**registration_data, siret=wrong)

    assert caught.value.field == "siret"
    assert Structure.objects.count() == 0


def test_structure_register_refuses_the_same_name_in_the_same_city_whatever_the_case(registration_data):
    existing = StructureFactory(name="CENTRE SOCIAL DES MARICHELLES", city="lens")

    with pytest.raises(PartnerError) as caught:
        structure_register(**registration_data)

    assert caught.value.field == "name"
    assert caught.value.message == structure_duplicate_message(existing)
    assert Structure.objects.count() == 1


def test_structure_register_accepts_the_same_name_in_another_city(registration_data):
    StructureFactory(name="Centre social des Marichelles", city="Liévin")

    structure_register(**registration_data)

    assert Structure.objects.count() == 2


def test_structure_register_refuses_an_email_that_has_an_account(registration_data):
    UserFactory(email="nadia.benali@marichelles.example")

    with pytest.raises(PartnerError) as caught:
        structure_register(**{**registration_data, "user_email": "Nadia.Benali@Marichelles.example"})

    assert caught.value.field == "user_email"
    assert caught.value.message == email_taken_message()
    assert Structure.objects.count() == 0


def test_structure_register_refuses_a_weak_password(registration_data):
    with pytest.raises(PartnerError) as caught:
        structure_register(**{**registration_data, "password": "12345"})

    assert caught.value.field == "password1"
    assert Structure.objects.count() == 0


def test_structure_register_refuses_a_bad_postcode(registration_data):
    with pytest.raises(PartnerError) as caught:
        structure_register(**{**registration_data, "postcode": "6230"})

    assert caught.value.field == "postcode"


def test_structure_register_by_an_existing_verified_account_sends_no_verification(registration_data):
    user = UserFactory(email_verified=True)

    membership = structure_register(
        **{
            k: v
            for k, v in registration_data.items()
            if k in {"name", "kind", "address", "postcode", "city", "phone", "email"}
        },
        user=user,
    )

    assert membership.user == user
    assert User.objects.count() == 1
    assert OutboxMessage.objects.filter(template="account_verify_email").count() == 0
    assert OutboxMessage.objects.filter(template="registration_staff").count() == 2


def test_duplicate_message_names_the_coordinators_but_not_their_emails():
    structure = StructureFactory(name="IME Les Tilleuls", city="Liévin")
    MembershipFactory(
        structure=structure, user=UserFactory(first_name="Anne", last_name="Leroy", email="anne@x.fr")
    )
    MembershipFactory(
        structure=structure, user=UserFactory(first_name="Marc", last_name="Petit", email="marc@x.fr")
    )

    message = structure_duplicate_message(structure)

    assert "Anne Leroy" in message
    assert "Marc Petit" in message
    assert "anne@x.fr" not in message
    assert "marc@x.fr" not in message


def test_duplicate_message_points_to_the_museum_when_nobody_can_invite(settings):
    structure = StructureFactory(status=StructureStatus.ARCHIVED)
    MembershipFactory(structure=structure, user=UserFactory(first_name="Anne", last_name="Leroy"))

    message = structure_duplicate_message(structure)

    assert "Anne Leroy" not in message
    assert settings.MUSEUM_CONTACT_EMAIL in message


@pytest.mark.django_db(transaction=True)
def test_structure_register_turns_a_lost_race_into_the_duplicate_message(registration_data):
    """Another registration inserts the same structure after our check and commits before our insert."""
    inserted = threading.Event()
    errors: list[BaseException] = []

    def competitor():
        try:
            with transaction.atomic():
                Structure.objects.create(
                    name="Centre social des Marichelles",
                    kind="social_centre",
                    address="1 rue",
                    postcode="62300",
                    city="Lens",
                    departement="62",
                    phone="0321000000",
                    email="a@b.fr",
                )
                inserted.set()
                # Our insert below now waits on the unique index until this commits.
                threading.Event().wait(1.0)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=competitor)
    thread.start()
    assert inserted.wait(10)
    assert not Structure.objects.exists()  # so our check passes: only the unique constraint can stop us

    with pytest.raises(PartnerError) as caught:
        structure_register(**registration_data)
    thread.join(10)

    assert errors == []
    assert caught.value.field == "name"
    assert caught.value.message == structure_duplicate_message(Structure.objects.get())
    assert not User.objects.filter(email="nadia.benali@marichelles.example").exists()


# ---------------------------------------------------------------------------------------------
# Email verification
# ---------------------------------------------------------------------------------------------


def test_user_verify_email_marks_the_address_verified():
    user = UserFactory(email_verified=False)

    user_verify_email(token=email_verification_token(user))

    user.refresh_from_db()
    assert user.email_verified is True


def test_user_verify_email_refuses_a_tampered_token():
    user = UserFactory(email_verified=False)
    token = email_verification_token(user)
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")

    with pytest.raises(PartnerError):
        user_verify_email(token=tampered)

    user.refresh_from_db()
    assert user.email_verified is False


def test_user_verify_email_refuses_a_token_forged_for_another_user():
    victim = UserFactory(email_verified=False)
    attacker = UserFactory(email_verified=False)
    token = email_verification_token(attacker)
    payload, rest = token.split(":", 1)
    forged_payload = signing.dumps({"u": victim.pk, "e": victim.email}, salt=EMAIL_VERIFICATION_SALT).split(
        ":", 1
    )[0]

    with pytest.raises(PartnerError):
        user_verify_email(token=f"{forged_payload}:{rest}")

    victim.refresh_from_db()
    assert victim.email_verified is False


def test_user_verify_email_refuses_an_expired_token():
    user = UserFactory(email_verified=False)

    class FourDaysAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 4 * 86400)

    old_token = FourDaysAgo(salt=EMAIL_VERIFICATION_SALT).sign_object(
        {"u": user.pk, "e": user.email}, serializer=signing.JSONSerializer
    )

    with pytest.raises(PartnerError) as caught:
        user_verify_email(token=old_token)

    assert caught.value.message == gettext(
        "This link has expired. Log in and ask for a new one from “My structure”."
    )
    user.refresh_from_db()
    assert user.email_verified is False


def test_user_verify_email_refuses_a_token_of_a_former_address():
    user = UserFactory(email_verified=False, email="ancienne@exemple.fr")
    token = email_verification_token(user)
    User.objects.filter(pk=user.pk).update(email="nouvelle@exemple.fr")

    with pytest.raises(PartnerError):
        user_verify_email(token=token)


def test_user_send_verification_queues_a_new_link():
    user = UserFactory(email_verified=False)

    assert user_send_verification(user=user) is True

    message = OutboxMessage.objects.get(template="account_verify_email")
    assert message.to == user.email


def test_user_send_verification_does_nothing_for_a_verified_address():
    user = UserFactory(email_verified=True)

    assert user_send_verification(user=user) is False
    assert OutboxMessage.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Approval and refusal emails
# ---------------------------------------------------------------------------------------------


def test_structure_approve_emails_each_coordinator(registration_data):
    membership = structure_register(**registration_data)
    colleague = MembershipFactory(structure=membership.structure).user

    structure_approve(structure=membership.structure)

    messages = OutboxMessage.objects.filter(template="structure_approve")
    assert sorted(m.to for m in messages) == sorted([membership.user.email, colleague.email])
    assert membership.structure.__class__.objects.get().status == StructureStatus.ACTIVE


def test_structure_refuse_emails_the_reason(registration_data):
    membership = structure_register(**registration_data)

    structure_refuse(structure=membership.structure, reason="Structure hors du territoire.")

    message = OutboxMessage.objects.get(template="structure_refuse")
    assert message.to == membership.user.email
    assert message.context["reason"] == "Structure hors du territoire."
