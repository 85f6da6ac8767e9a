"""The registration journey in real Chromium, on a 360 px phone, with an axe-core check of each page."""

from urllib.parse import urlparse

import pytest
from django.utils import translation
from django.utils.translation import gettext

from notifications.models import OutboxMessage
from partners.enums import StructureStatus
from partners.models import Structure, User
from partners.services import structure_approve
from tests.partners.factories import make_siret

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Un-mot-de-passe-solide-42"
# The right edge of the widest element of the page's content (the shared header is checked elsewhere).
WIDEST_IN_MAIN = (
    "Math.max(...[...document.querySelectorAll('main, main *')].map(e => e.getBoundingClientRect().right))"
)


def test_registration_verification_approval_and_login_journey(phone_page, axe):
    page = phone_page

    # 1. The registration form, on a phone.
    page.goto("/compte/inscription/")
    assert axe(page) == []
    assert page.evaluate(WIDEST_IN_MAIN) <= 360
    page.fill("#id_name", "Centre social des Marichelles")
    page.select_option("#id_kind", "social_centre")
    page.fill("#id_address", "3 rue des Fleurs")
    page.fill("#id_postcode", "62300")
    page.fill("#id_city", "Lens")
    page.fill("#id_siret", make_siret("7328293200007"))
    page.fill("#id_phone", "03 21 00 11 22")
    page.fill("#id_email", "accueil@marichelles.example")
    page.fill("#id_publics", "Familles du quartier")
    page.fill("#id_first_name", "Nadia")
    page.fill("#id_last_name", "Benali")
    page.fill("#id_user_email", "nadia.benali@marichelles.example")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", "pas le même mot de passe")
    page.click("button[type=submit].btn-lg")

    # A mistake: the message is at the field, what was typed is kept.
    assert page.get_attribute("#id_password2", "aria-invalid") == "true"
    assert page.input_value("#id_name") == "Centre social des Marichelles"
    assert page.evaluate(WIDEST_IN_MAIN) <= 360
    assert axe(page) == []
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.click("button[type=submit].btn-lg")

    # 2. The confirmation page says what happens next.
    page.wait_for_url("**/compte/inscription/merci/")
    assert "nadia.benali@marichelles.example" in page.inner_text("main")
    assert axe(page) == []
    structure = Structure.objects.get()
    assert structure.status == StructureStatus.PENDING

    # 3. The verification link from the queued email.
    message = OutboxMessage.objects.get(
        template="account_verify_email", to="nadia.benali@marichelles.example"
    )
    page.goto(urlparse(message.context["verify_url"]).path)
    assert axe(page) == []
    page.click("main form button[type=submit]")
    page.wait_for_selector("main h1")
    assert axe(page) == []
    assert User.objects.get(email="nadia.benali@marichelles.example").email_verified is True

    # 4. Staff approve the structure (the admin calls this same service).
    structure_approve(structure=structure)

    # 5. The coordinator logs in and reaches "My structure" from the menu.
    page.goto("/compte/connexion/")
    assert axe(page) == []
    page.fill("#id_username", "Nadia.Benali@marichelles.example")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/compte/connexion/" not in url)
    page.click(".navbar-toggler")
    page.click("#main-nav a[href='/compte/ma-structure/']")
    page.wait_for_url("**/compte/ma-structure/")
    with translation.override("fr"):
        assert page.inner_text("main h1") == gettext("My structure")
    assert "Centre social des Marichelles" in page.inner_text("main")
    assert axe(page) == []
