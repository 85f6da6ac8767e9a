import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from notifications.models import OutboxMessage
from partners.enums import StructureStatus, TrainingModule
from partners.models import Invitation, Membership, Structure, User
from partners.selectors import CURRENT_STRUCTURE_SESSION_KEY, structure_duplicate_message
from partners.services import (
    PartnerError,
    email_verification_token,
    invitation_wrong_email_message,
    structure_register,
)
from tests.partners.factories import (
    PASSWORD,
    InvitationFactory,
    MembershipFactory,
    StructureFactory,
    TrainingRecordFactory,
    UserFactory,
    make_siret,
)

pytestmark = pytest.mark.django_db

LOGIN = reverse("partners:login")


def _form_post(**overrides):
    data = {
        "name": "Centre social des Marichelles",
        "kind": "social_centre",
        "address": "3 rue des Fleurs",
        "postcode": "62300",
        "city": "Lens",
        "departement": "",
        "siret": "",
        "phone": "03 21 00 11 22",
        "email": "accueil@marichelles.example",
        "publics": "Familles du quartier",
        "first_name": "Nadia",
        "last_name": "Benali",
        "user_email": "nadia.benali@marichelles.example",
        "user_phone": "06 12 34 56 78",
        "password1": "Un-mot-de-passe-solide-42",
        "password2": "Un-mot-de-passe-solide-42",
    }
    data.update(overrides)
    return data


@pytest.fixture
def coordinator_client(client):
    membership = MembershipFactory()
    client.force_login(membership.user)
    client.membership = membership
    return client


# ---------------------------------------------------------------------------------------------
# Anonymous visitors
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs", "method"),
    [
        ("partners:my_structure", {}, "get"),
        ("partners:structure_switch", {}, "post"),
        ("partners:invitation_new", {}, "get"),
        ("partners:invitation_revoke", {"pk": 1}, "post"),
        ("partners:leave", {"structure_id": 1}, "get"),
        ("partners:training", {}, "get"),
        ("partners:password_change", {}, "get"),
        ("partners:verification_resend", {}, "post"),
    ],
)
def test_pages_needing_login_redirect_anonymous_visitors_to_login(client, name, kwargs, method):
    url = reverse(name, kwargs=kwargs)

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={url}"


@pytest.mark.parametrize(
    "name", ["partners:login", "partners:register", "partners:register_done", "partners:password_reset"]
)
def test_public_pages_answer_anonymous_visitors(client, name):
    assert client.get(reverse(name)).status_code == 200


# ---------------------------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------------------------


def test_register_creates_the_structure_and_shows_what_happens_next(client):
    response = client.post(reverse("partners:register"), _form_post(siret=make_siret("7328293200007")))

    assert response.status_code == 302
    assert response["Location"] == reverse("partners:register_done")
    structure = Structure.objects.get()
    assert structure.status == StructureStatus.PENDING
    assert structure.departement == "62"
    assert Membership.objects.get().user.email == "nadia.benali@marichelles.example"
    assert OutboxMessage.objects.filter(template="account_verify_email").count() == 1
    assert OutboxMessage.objects.filter(template="registration_staff").count() == 2
    done = client.get(response["Location"])
    assert "nadia.benali@marichelles.example" in done.content.decode()


def test_register_keeps_what_was_typed_and_shows_the_error_at_the_field(client):
    bad = make_siret("7328293200007")[:-1] + "0"
    if bad == make_siret("7328293200007"):
        bad = bad[:-1] + "1"

    response = client.post(
        reverse("partners:register"), _form_post(siret=bad, password2="autre-chose-encore")
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"siret", "password2"}
    html = response.content.decode()
    assert 'value="Centre social des Marichelles"' in html
    assert 'value="nadia.benali@marichelles.example"' in html
    assert re.search(r'id="id_siret"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_siret"', html)
    assert Structure.objects.count() == 0


def _siret_with_a_wrong_key() -> str:
    good = make_siret("7328293200007")
    return good[:-1] + ("1" if good[-1] == "0" else "0")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("siret", "1234"),
        ("siret", _siret_with_a_wrong_key),
        ("postcode", "6230"),
        ("phone", "03 21"),
        ("departement", "99"),
    ],
)
def test_register_page_and_service_say_the_same_of_a_wrong_detail(client, field, value):
    data = _form_post(**{field: value() if callable(value) else value})
    typed = {name: typed for name, typed in data.items() if name not in {"password1", "password2"}}

    response = client.post(reverse("partners:register"), data)
    with pytest.raises(PartnerError) as refused:
        structure_register(**typed, password=data["password1"])

    assert response.context["form"].errors[field] == [refused.value.message]
    assert refused.value.field == field
    assert Structure.objects.count() == 0


def test_register_tells_whom_to_contact_for_a_known_structure(client):
    existing = StructureFactory(name="Centre social des Marichelles", city="Lens")
    MembershipFactory(structure=existing, user=UserFactory(first_name="Paul", last_name="Durand"))

    response = client.post(reverse("partners:register"), _form_post(city="LENS"))

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == [structure_duplicate_message(existing)]
    assert Structure.objects.count() == 1


def test_register_refuses_a_known_siret_at_its_field(client):
    siret = make_siret("7328293200007")
    existing = StructureFactory(siret=siret)

    response = client.post(reverse("partners:register"), _form_post(siret=siret))

    assert response.context["form"].errors["siret"] == [structure_duplicate_message(existing)]


def test_register_when_logged_in_only_asks_for_the_structure(client):
    user = UserFactory()
    client.force_login(user)

    page = client.get(reverse("partners:register"))
    response = client.post(
        reverse("partners:register"), _form_post(user_email="", password1="", password2="")
    )

    assert "user_email" not in page.context["form"].fields
    assert response.status_code == 302
    assert Membership.objects.get().user == user
    assert client.session[CURRENT_STRUCTURE_SESSION_KEY] == Structure.objects.get().pk


def test_register_is_protected_by_csrf():
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("partners:register"), _form_post())

    assert response.status_code == 403
    assert Structure.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# Email verification
# ---------------------------------------------------------------------------------------------


def test_verify_email_get_asks_to_confirm_and_changes_nothing(client):
    user = UserFactory(email_verified=False)

    response = client.get(reverse("partners:verify_email", kwargs={"token": email_verification_token(user)}))

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email_verified is False


def test_verify_email_post_confirms_the_address(client):
    user = UserFactory(email_verified=False)

    response = client.post(reverse("partners:verify_email", kwargs={"token": email_verification_token(user)}))

    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email_verified is True


def test_verify_email_with_a_tampered_token_says_so(client):
    user = UserFactory(email_verified=False)
    token = email_verification_token(user) + "x"

    response = client.post(reverse("partners:verify_email", kwargs={"token": token}))

    assert response.status_code == 400
    assert response.context["error"] == gettext(
        "This link is not valid. Check that you copied it whole from the email."
    )
    user.refresh_from_db()
    assert user.email_verified is False


def test_verification_resend_queues_a_link_for_the_logged_in_user(client):
    user = UserFactory(email_verified=False)
    client.force_login(user)

    response = client.post(reverse("partners:verification_resend"))

    assert response.status_code == 302
    assert list(OutboxMessage.objects.values_list("template", "to")) == [("account_verify_email", user.email)]


# ---------------------------------------------------------------------------------------------
# Login and passwords
# ---------------------------------------------------------------------------------------------


def test_login_by_email_whatever_its_case(client):
    UserFactory(email="camille@exemple.fr")

    response = client.post(LOGIN, {"username": "Camille@Exemple.FR", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.session["_auth_user_id"]


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("coordinator", "bookings:list"),
        ("mediator", "planning:index"),
        ("staff", "dashboard:index"),
    ],
)
def test_login_without_next_lands_where_each_role_works(client, role, landing):
    user = UserFactory(email="camille@exemple.fr", is_staff=(role == "staff"))
    if role == "coordinator":
        MembershipFactory(user=user)
    if role == "mediator":
        user.groups.add(Group.objects.get(name="Mediators"))

    response = client.post(LOGIN, {"username": "camille@exemple.fr", "password": PASSWORD})

    assert response["Location"] == reverse(landing)


def test_login_with_next_goes_there(client):
    MembershipFactory(user=UserFactory(email="camille@exemple.fr"))

    response = client.post(
        LOGIN + "?next=/offres/", {"username": "camille@exemple.fr", "password": PASSWORD, "next": "/offres/"}
    )

    assert response["Location"] == "/offres/"


def test_login_with_an_unverified_address_warns_to_verify(client):
    UserFactory(email="camille@exemple.fr", email_verified=False)

    response = client.post(LOGIN, {"username": "camille@exemple.fr", "password": PASSWORD})

    assert response.status_code == 302
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["warning"]


def test_login_with_a_wrong_password_says_so_at_the_form(client):
    UserFactory(email="camille@exemple.fr")

    response = client.post(LOGIN, {"username": "camille@exemple.fr", "password": "mauvais"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        gettext("This email address and password do not match an account. Check both and try again.")
    ]


def test_logout_logs_out(coordinator_client):
    response = coordinator_client.post(reverse("partners:logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in coordinator_client.session


def test_password_reset_queues_the_link_through_the_outbox_and_the_link_works(client, mailoutbox):
    user = UserFactory(email="camille@exemple.fr", email_verified=False)

    response = client.post(reverse("partners:password_reset"), {"email": "CAMILLE@exemple.fr"})

    assert response["Location"] == reverse("partners:password_reset_done")
    message = OutboxMessage.objects.get(template="password_reset")
    assert message.to == "camille@exemple.fr"
    assert mailoutbox == []  # nothing sent behind the outbox's back
    path = message.context["reset_url"].removeprefix("https://portail.example")
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"] is True
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Encore-un-mot-de-passe-77", "new_password2": "Encore-un-mot-de-passe-77"},
    )
    assert done["Location"] == reverse("partners:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Encore-un-mot-de-passe-77")
    assert user.email_verified is True


def test_password_reset_for_an_unknown_address_queues_nothing(client):
    response = client.post(reverse("partners:password_reset"), {"email": "personne@exemple.fr"})

    assert response["Location"] == reverse("partners:password_reset_done")
    assert OutboxMessage.objects.count() == 0


def test_password_change(coordinator_client):
    response = coordinator_client.post(
        reverse("partners:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Encore-un-mot-de-passe-77",
            "new_password2": "Encore-un-mot-de-passe-77",
        },
    )

    assert response["Location"] == reverse("partners:password_change_done")
    coordinator_client.membership.user.refresh_from_db()
    assert coordinator_client.membership.user.check_password("Encore-un-mot-de-passe-77")


# ---------------------------------------------------------------------------------------------
# My structure, switching structure
# ---------------------------------------------------------------------------------------------


def test_my_structure_shows_own_structure_coordinators_and_invitations_only(coordinator_client):
    structure = coordinator_client.membership.structure
    colleague = MembershipFactory(structure=structure, user__first_name="Aline", user__last_name="Colin").user
    own_invitation = InvitationFactory(structure=structure, email="invitee@exemple.fr")
    other = MembershipFactory(structure__name="Une autre structure", user__last_name="Etranger")
    InvitationFactory(structure=other.structure, email="secret@exemple.fr")

    response = coordinator_client.get(reverse("partners:my_structure"))

    assert response.status_code == 200
    assert response.context["structure"] == structure
    assert list(response.context["coordinators"]) == sorted(
        [coordinator_client.membership.user, colleague], key=lambda u: (u.last_name, u.first_name)
    )
    assert list(response.context["invitations"]) == [own_invitation]
    html = response.content.decode()
    assert "Une autre structure" not in html
    assert "secret@exemple.fr" not in html
    assert "Etranger" not in html


def test_my_structure_without_a_structure_explains_how_to_join(client):
    client.force_login(UserFactory())

    response = client.get(reverse("partners:my_structure"))

    assert response.status_code == 200
    assert response.context["membership"] is None


def test_my_structure_runs_the_same_queries_with_one_or_many_colleagues(coordinator_client):
    structure = coordinator_client.membership.structure
    InvitationFactory(structure=structure)
    url = reverse("partners:my_structure")
    coordinator_client.get(url)  # the session exists from now on

    structure.save()  # a write to the structure: both requests read its members afresh
    with CaptureQueriesContext(connection) as one:
        coordinator_client.get(url)
    for _ in range(10):
        MembershipFactory(structure=structure)
        InvitationFactory(structure=structure)
    with CaptureQueriesContext(connection) as many:
        response = coordinator_client.get(url)

    assert len(response.context["coordinators"]) == 11
    assert len(many) == len(one)


def test_structure_switch_to_an_own_structure(coordinator_client):
    other_own = MembershipFactory(user=coordinator_client.membership.user).structure

    response = coordinator_client.post(reverse("partners:structure_switch"), {"structure": other_own.pk})

    assert response.status_code == 302
    assert coordinator_client.session[CURRENT_STRUCTURE_SESSION_KEY] == other_own.pk
    assert coordinator_client.get(reverse("partners:my_structure")).context["structure"] == other_own


def test_structure_switch_to_a_foreign_structure_is_404(coordinator_client):
    foreign = StructureFactory()

    response = coordinator_client.post(reverse("partners:structure_switch"), {"structure": foreign.pk})

    assert response.status_code == 404
    assert CURRENT_STRUCTURE_SESSION_KEY not in coordinator_client.session


def test_structure_switch_ignores_an_unsafe_next(coordinator_client):
    own = coordinator_client.membership.structure

    response = coordinator_client.post(
        reverse("partners:structure_switch"), {"structure": own.pk, "next": "https://evil.example/"}
    )

    assert response["Location"] == reverse("partners:my_structure")


# ---------------------------------------------------------------------------------------------
# Invitations
# ---------------------------------------------------------------------------------------------


def test_invitation_new_invites_into_the_current_structure(coordinator_client):
    page = coordinator_client.get(reverse("partners:invitation_new"))
    response = coordinator_client.post(reverse("partners:invitation_new"), {"email": "collegue@exemple.fr"})

    assert page.status_code == 200
    assert response["Location"] == reverse("partners:my_structure")
    invitation = Invitation.objects.get()
    assert invitation.structure == coordinator_client.membership.structure
    assert list(OutboxMessage.objects.values_list("template", "to")) == [
        ("invitation_new", "collegue@exemple.fr")
    ]


def test_invitation_new_shows_a_bad_address_at_the_field(coordinator_client):
    response = coordinator_client.post(reverse("partners:invitation_new"), {"email": "pas-une-adresse"})

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["email"]
    assert 'value="pas-une-adresse"' in response.content.decode()


def test_invitation_new_of_an_existing_colleague_is_refused_at_the_field(coordinator_client):
    colleague = MembershipFactory(structure=coordinator_client.membership.structure).user

    response = coordinator_client.post(reverse("partners:invitation_new"), {"email": colleague.email})

    assert list(response.context["form"].errors) == ["email"]
    assert Invitation.objects.count() == 0


def test_invitation_new_without_a_structure_is_404(client):
    client.force_login(UserFactory())

    assert client.get(reverse("partners:invitation_new")).status_code == 404


def test_invitation_revoke_of_an_own_invitation(coordinator_client):
    invitation = InvitationFactory(structure=coordinator_client.membership.structure)

    response = coordinator_client.post(reverse("partners:invitation_revoke", kwargs={"pk": invitation.pk}))

    assert response["Location"] == reverse("partners:my_structure")
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


def test_invitation_revoke_of_another_structures_invitation_is_404(coordinator_client):
    invitation = InvitationFactory()

    response = coordinator_client.post(reverse("partners:invitation_revoke", kwargs={"pk": invitation.pk}))

    assert response.status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_invitation_revoke_needs_post(coordinator_client):
    invitation = InvitationFactory(structure=coordinator_client.membership.structure)

    response = coordinator_client.get(reverse("partners:invitation_revoke", kwargs={"pk": invitation.pk}))

    assert response.status_code == 405
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_invitation_accept_by_the_logged_in_invited_person(client):
    invitation = InvitationFactory(email="collegue@exemple.fr")
    user = UserFactory(email="collegue@exemple.fr")
    client.force_login(user)

    page = client.get(reverse("partners:invitation_accept", kwargs={"token": invitation.token}))
    response = client.post(reverse("partners:invitation_accept", kwargs={"token": invitation.token}))

    assert page.status_code == 200
    assert page.context["error"] is None
    assert response["Location"] == reverse("partners:my_structure")
    assert Membership.objects.filter(user=user, structure=invitation.structure).exists()
    assert client.session[CURRENT_STRUCTURE_SESSION_KEY] == invitation.structure_id


def test_invitation_accept_by_another_logged_in_person_is_refused(client):
    invitation = InvitationFactory(email="collegue@exemple.fr")
    intruder = UserFactory(email="intrus@exemple.fr")
    client.force_login(intruder)

    page = client.get(reverse("partners:invitation_accept", kwargs={"token": invitation.token}))
    response = client.post(reverse("partners:invitation_accept", kwargs={"token": invitation.token}))

    assert page.context["error"] == invitation_wrong_email_message()
    assert response.status_code == 200
    assert response.context["error"] == invitation_wrong_email_message()
    assert not Membership.objects.filter(user=intruder).exists()


def test_invitation_accept_by_a_new_person_creates_the_account_and_logs_in(client):
    invitation = InvitationFactory(email="nouvelle@exemple.fr")
    url = reverse("partners:invitation_accept", kwargs={"token": invitation.token})

    page = client.get(url)
    response = client.post(
        url,
        {
            "first_name": "Léa",
            "last_name": "Roux",
            "phone": "",
            "password1": "Un-mot-de-passe-solide-42",
            "password2": "Un-mot-de-passe-solide-42",
        },
    )

    assert page.context["form"] is not None
    assert response["Location"] == reverse("partners:my_structure")
    user = User.objects.get(email="nouvelle@exemple.fr")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert Membership.objects.filter(user=user, structure=invitation.structure).exists()


def test_invitation_accept_signup_keeps_what_was_typed_on_error(client):
    invitation = InvitationFactory(email="nouvelle@exemple.fr")

    response = client.post(
        reverse("partners:invitation_accept", kwargs={"token": invitation.token}),
        {"first_name": "Léa", "last_name": "Roux", "phone": "", "password1": "court", "password2": "court"},
    )

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["password1"]
    assert 'value="Léa"' in response.content.decode()
    assert not User.objects.filter(email="nouvelle@exemple.fr").exists()


def test_invitation_accept_of_an_expired_invitation_explains(client):
    invitation = InvitationFactory(email="nouvelle@exemple.fr")
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=now - dt.timedelta(days=10), expires_at=now - dt.timedelta(days=1)
    )

    response = client.get(reverse("partners:invitation_accept", kwargs={"token": invitation.token}))

    assert response.status_code == 200
    assert response.context["error"] == gettext(
        "This invitation has expired. Ask your colleague at %(structure)s to invite you again."
    ) % {"structure": invitation.structure.name}


def test_invitation_accept_into_an_archived_structure_explains_before_trying(client):
    invitation = InvitationFactory(email="nouvelle@exemple.fr")
    Structure.objects.filter(pk=invitation.structure_id).update(status=StructureStatus.ARCHIVED)

    response = client.get(reverse("partners:invitation_accept", kwargs={"token": invitation.token}))

    assert response.status_code == 200
    assert response.context["error"] == gettext(
        "This structure is archived: the invitation cannot be used any more."
    )


def test_invitation_accept_with_an_unknown_token_is_404(client):
    assert client.get(reverse("partners:invitation_accept", kwargs={"token": "inconnu"})).status_code == 404


def test_invitation_accept_for_an_existing_account_asks_to_log_in(client):
    invitation = InvitationFactory(email="collegue@exemple.fr")
    UserFactory(email="collegue@exemple.fr")

    response = client.get(reverse("partners:invitation_accept", kwargs={"token": invitation.token}))

    assert response.context["account_exists"] is True
    assert response.context["form"] is None
    assert f"{LOGIN}?next=" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# Leaving
# ---------------------------------------------------------------------------------------------


def test_leave_an_own_structure_with_a_colleague(coordinator_client):
    structure = coordinator_client.membership.structure
    MembershipFactory(structure=structure)
    url = reverse("partners:leave", kwargs={"structure_id": structure.pk})

    page = coordinator_client.get(url)
    response = coordinator_client.post(url)

    assert page.status_code == 200
    assert response["Location"] == reverse("partners:my_structure")
    assert not Membership.objects.filter(pk=coordinator_client.membership.pk).exists()


def test_leave_as_the_last_coordinator_is_refused_with_a_clear_message(coordinator_client):
    structure = coordinator_client.membership.structure

    response = coordinator_client.post(reverse("partners:leave", kwargs={"structure_id": structure.pk}))

    assert response.status_code == 400
    assert response.context["error"] == gettext(
        "You are the last coordinator of %(structure)s, and a structure keeps at least one coordinator. "
        "Invite a colleague first, or ask the museum to archive the structure."
    ) % {"structure": structure.name}
    assert Membership.objects.filter(pk=coordinator_client.membership.pk).exists()


def test_leave_a_foreign_structure_is_404(coordinator_client):
    foreign = MembershipFactory().structure
    MembershipFactory(structure=foreign)

    response = coordinator_client.post(reverse("partners:leave", kwargs={"structure_id": foreign.pk}))

    assert response.status_code == 404
    assert Membership.objects.filter(structure=foreign).count() == 2


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------


def test_training_shows_the_users_own_modules_only(coordinator_client):
    user = coordinator_client.membership.user
    TrainingRecordFactory(user=user, module=TrainingModule.ABC, completed_on=dt.date(2026, 3, 12))
    TrainingRecordFactory(module=TrainingModule.DEEPENING, completed_on=dt.date(2026, 4, 2))

    response = coordinator_client.get(reverse("partners:training"))

    assert response.status_code == 200
    assert response.context["abc_done"] is True
    by_module = {
        item["module"]: [r.completed_on for r in item["records"]] for item in response.context["modules"]
    }
    assert by_module == {
        TrainingModule.ABC: [dt.date(2026, 3, 12)],
        TrainingModule.DEEPENING: [],
        TrainingModule.AUTONOMY_SUPPORT: [],
    }


# ---------------------------------------------------------------------------------------------
# Main menu
# ---------------------------------------------------------------------------------------------


def _menu(response) -> set[str]:
    return {item["url"] for item in response.context["nav_items"]}


def test_menu_shows_my_structure_to_coordinators(coordinator_client):
    menu = _menu(coordinator_client.get(reverse("home")))

    assert reverse("partners:my_structure") in menu
    assert reverse("partners:training") in menu
    assert reverse("partners:register") not in menu


def test_menu_hides_my_structure_from_users_without_structure(client):
    client.force_login(UserFactory())

    menu = _menu(client.get(reverse("home")))

    assert reverse("partners:my_structure") not in menu


def test_menu_offers_registration_to_anonymous_visitors(client):
    menu = _menu(client.get(reverse("home")))

    assert reverse("partners:register") in menu
    assert reverse("partners:my_structure") not in menu


def test_menu_and_page_share_one_query_of_the_users_structures(coordinator_client):
    url = reverse("partners:my_structure")
    coordinator_client.get(url)
    cache.clear()  # nothing kept from the first visit: the structures are read from the database

    with CaptureQueriesContext(connection) as queries:
        response = coordinator_client.get(url)

    membership_reads = [q["sql"] for q in queries if 'FROM "partners_membership"' in q["sql"]]
    assert response.status_code == 200
    assert len(membership_reads) == 1


def test_the_users_structures_are_read_at_each_request_so_a_new_one_shows_at_once(coordinator_client):
    url = reverse("partners:my_structure")
    coordinator_client.get(url)

    def membership_reads() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as queries:
            response = coordinator_client.get(url)
        reads = [q for q in queries if 'FROM "partners_membership"' in q["sql"]]
        return len(reads), response.content.decode()

    assert membership_reads()[0] == 1
    other = MembershipFactory(user=coordinator_client.membership.user).structure  # joins a second structure
    reads, html = membership_reads()

    assert reads == 1
    assert other.name in html  # the structure switcher offers it at once
