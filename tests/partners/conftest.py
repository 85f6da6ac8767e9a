import pytest


@pytest.fixture(autouse=True)
def _portal_settings(settings):
    settings.SITE_URL = "https://portail.example"
    settings.STAFF_NOTIFICATION_EMAILS = ["social@louvrelens.example", "direction@louvrelens.example"]
    settings.INVITATION_VALID_DAYS = 7


@pytest.fixture
def registration_data():
    """What a person types in the registration form, as the service receives it."""
    return {
        "name": "Centre social des Marichelles",
        "kind": "social_centre",
        "address": "3 rue des Fleurs",
        "postcode": "62300",
        "city": "Lens",
        "phone": "03 21 00 11 22",
        "email": "accueil@marichelles.example",
        "publics": "Familles du quartier",
        "first_name": "Nadia",
        "last_name": "Benali",
        "user_email": "nadia.benali@marichelles.example",
        "user_phone": "06 12 34 56 78",
        "password": "Un-mot-de-passe-solide-42",
    }
