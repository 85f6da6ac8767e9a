"""Every email of the partners' area renders, with its link, in text and HTML."""

import pytest
from django.urls import reverse

from notifications.models import OutboxMessage
from notifications.services import render_message
from partners.services import (
    invitation_create,
    structure_approve,
    structure_archive,
    structure_refuse,
    structure_register,
    structure_suspend,
)
from tests.partners.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _bodies(message: OutboxMessage) -> tuple[str, str, str]:
    email = render_message(message)
    return email.subject, email.body, email.alternatives[0][0]


def test_registration_emails_render_with_their_links(registration_data):
    membership = structure_register(**registration_data)

    verify = OutboxMessage.objects.get(template="account_verify_email")
    subject, text, html = _bodies(verify)
    assert subject
    assert verify.context["verify_url"] in text
    assert verify.context["verify_url"] in html
    assert "Nadia" in text

    staff = OutboxMessage.objects.filter(template="registration_staff").first()
    subject, text, html = _bodies(staff)
    assert "Centre social des Marichelles" in subject
    admin_url = f"https://portail.example/admin/partners/structure/{membership.structure_id}/change/"
    assert admin_url in text
    assert admin_url in html


@pytest.mark.parametrize(
    ("action", "template"),
    [
        (lambda s: structure_approve(structure=s), "structure_approve"),
        (lambda s: structure_refuse(structure=s, reason="Hors territoire <b>"), "structure_refuse"),
        (lambda s: structure_archive(structure=s), "structure_archive"),
    ],
)
def test_status_emails_render(registration_data, action, template):
    membership = structure_register(**registration_data)

    action(membership.structure)

    subject, text, html = _bodies(OutboxMessage.objects.get(template=template))
    assert "Centre social des Marichelles" in subject + text
    assert "Centre social des Marichelles" in html
    if template == "structure_refuse":
        assert "Hors territoire <b>" in text
        assert "Hors territoire &lt;b&gt;" in html
    if template == "structure_approve":
        assert f"https://portail.example{reverse('partners:my_structure')}" in html


def test_suspension_email_renders_its_reason():
    membership = MembershipFactory()

    structure_suspend(structure=membership.structure, reason="Trois absences sans prévenir.")

    subject, text, html = _bodies(OutboxMessage.objects.get(template="structure_suspend"))
    assert membership.structure.name in subject
    assert "Trois absences sans prévenir." in text
    assert "Trois absences sans prévenir." in html


def test_invitation_email_renders_with_its_link():
    membership = MembershipFactory(user__first_name="Nadia", user__last_name="Benali")
    UserFactory(email="collegue@exemple.fr")
    invitation = invitation_create(
        structure=membership.structure, email="collegue@exemple.fr", invited_by=membership.user
    )

    subject, text, html = _bodies(OutboxMessage.objects.get(template="invitation_new"))

    assert "Nadia Benali" in subject
    assert f"/compte/invitation/{invitation.token}/" in text
    assert f"/compte/invitation/{invitation.token}/" in html


def test_password_reset_email_renders_with_its_link(client):
    UserFactory(email="camille@exemple.fr")
    client.post(reverse("partners:password_reset"), {"email": "camille@exemple.fr"})
    message = OutboxMessage.objects.get(template="password_reset")

    subject, text, html = _bodies(message)

    assert subject
    assert message.context["reset_url"] in text
    assert message.context["reset_url"] in html
