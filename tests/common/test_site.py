import pytest
from django.urls import reverse

from bookings.enums import BookingStatus
from tests.bookings.factories import BookingFactory
from tests.partners.factories import StructureFactory

pytestmark = pytest.mark.django_db


def test_home_page_is_french_and_shows_live_figures(client):
    BookingFactory(status=BookingStatus.ATTENDED, present_participants=7)
    BookingFactory(status=BookingStatus.ATTENDED, present_participants=5)
    StructureFactory(status="pending")

    response = client.get(reverse("home"))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert 'href="#main"' in html
    assert response.context["figures"] == {"people_accompanied": 12, "active_partners": 2}


def test_home_page_in_english_when_chosen(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    response = client.get(reverse("home"))

    assert '<html lang="en">' in response.content.decode()


def test_healthz_reports_the_database(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_healthz_reports_an_unreachable_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["checks"]["broker"].startswith("error")


def test_unknown_url_gets_the_french_404_page(client):
    response = client.get("/cette-page-n-existe-pas/")

    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/notifications/reminderpolicy/", "/admin/bookings/reminderpolicy/"),
        ("/admin/notifications/reminder/12/change/?x=1", "/admin/bookings/reminder/12/change/?x=1"),
    ],
)
def test_old_admin_addresses_of_reminders_redirect_to_bookings(client, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new
