import pytest
from django.urls import reverse

from tests.partners.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("partners:login")


# Axes reads the account under AXES_USERNAME_FORM_FIELD: its default (our USERNAME_FIELD), or "username".
@pytest.mark.parametrize("form_field", ["email", "username"])
def test_login_is_locked_after_five_wrong_passwords_even_with_the_right_one(client, settings, form_field):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_USERNAME_FORM_FIELD = form_field
    UserFactory(email="camille@exemple.fr")
    for _ in range(4):
        assert (
            client.post(LOGIN, {"username": "camille@exemple.fr", "password": "mauvais"}).status_code == 200
        )

    fifth = client.post(LOGIN, {"username": "camille@exemple.fr", "password": "mauvais"})
    right = client.post(LOGIN, {"username": "camille@exemple.fr", "password": PASSWORD})

    assert fifth.status_code == 429
    assert right.status_code == 429
    assert "partners/locked_out.html" in [t.name for t in right.templates]
    assert '<html lang="fr">' in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_lockout_counts_an_address_whatever_its_case(client, settings):
    settings.AXES_FAILURE_LIMIT = 5
    UserFactory(email="camille@exemple.fr")
    for variant in ["Camille@exemple.fr", "CAMILLE@EXEMPLE.FR", "camille@Exemple.fr", "camille@exemple.FR"]:
        client.post(LOGIN, {"username": variant, "password": "mauvais"})
    client.post(LOGIN, {"username": "camille@exemple.fr", "password": "mauvais"})

    right = client.post(LOGIN, {"username": "camille@exemple.fr", "password": PASSWORD})

    assert right.status_code == 429


def test_login_of_another_account_is_not_locked(client, settings):
    settings.AXES_FAILURE_LIMIT = 5
    UserFactory(email="camille@exemple.fr")
    UserFactory(email="dominique@exemple.fr")
    for _ in range(5):
        client.post(LOGIN, {"username": "camille@exemple.fr", "password": "mauvais"})

    response = client.post(LOGIN, {"username": "dominique@exemple.fr", "password": PASSWORD})

    assert response.status_code == 302
