"""Co-built projects in the portal: only the partners involved (and staff) see them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.bookings.factories import BookingFactory, ProjectRequestFactory
from tests.partners.factories import MembershipFactory, StructureFactory
from tests.programmes.factories import ExhibitionFactory, ProjectFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def babel():
    """Tour de Babel, built with a CADA and a social centre; each booked the first session."""
    cada = StructureFactory(name="CADA de Lens-Liévin")
    centre = StructureFactory(name="Centre social Jean Jaurès")
    project = ProjectFactory(
        name="Tour de Babel",
        slug="tour-de-babel",
        description="Des ateliers d'écriture autour de la Mésopotamie.",
        goals="Prendre la parole en français.",
        patron="Fondation Écrire Ensemble",
        exhibition=ExhibitionFactory(title="L'Histoire commence en Mésopotamie"),
    )
    project.partners.add(cada, centre)
    session = SessionFactory(project=project)
    cada_booking = BookingFactory(session=session, structure=cada, participants=11)
    centre_booking = BookingFactory(session=session, structure=centre, participants=7)
    cada_request = ProjectRequestFactory(structure=cada, project=project, goals="Demande du CADA")
    centre_request = ProjectRequestFactory(structure=centre, project=project, goals="Demande du centre")
    return {
        "project": project,
        "cada": cada,
        "centre": centre,
        "session": session,
        "cada_booking": cada_booking,
        "centre_booking": centre_booking,
        "cada_request": cada_request,
        "centre_request": centre_request,
    }


def login_member(client, structure):
    user = MembershipFactory(structure=structure).user
    client.force_login(user)
    return user


def test_partner_sees_their_projects_in_the_list(client, babel):
    ProjectFactory(name="Dép'art")  # without their structure
    login_member(client, babel["cada"])

    response = client.get(reverse("projects:list"))

    assert response.status_code == 200
    assert [p.name for p in response.context["projects"]] == ["Tour de Babel"]


def test_partner_sees_the_project_page_with_their_own_bookings_and_requests(client, babel):
    login_member(client, babel["cada"])

    response = client.get(reverse("projects:detail", args=["tour-de-babel"]))

    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Fondation Écrire Ensemble", "Prendre la parole en français.", "Mésopotamie"):
        assert text in html
    sessions = list(response.context["sessions"])
    assert [s.pk for s in sessions] == [babel["session"].pk]
    assert [b.pk for b in sessions[0].visible_bookings] == [babel["cada_booking"].pk]
    assert [r.pk for r in response.context["requests"]] == [babel["cada_request"].pk]
    assert reverse("bookings:detail", args=[babel["centre_booking"].pk]) not in html
    assert "Demande du centre" not in html


def test_other_structures_do_not_see_the_project(client, babel):
    login_member(client, StructureFactory(name="ESAT voisin"))

    assert list(client.get(reverse("projects:list")).context["projects"]) == []
    assert client.get(reverse("projects:detail", args=["tour-de-babel"])).status_code == 404


def test_user_without_structure_does_not_see_the_project(client, babel, mediator):
    client.force_login(mediator)

    assert client.get(reverse("projects:detail", args=["tour-de-babel"])).status_code == 404


def test_unknown_project_is_not_found(client, babel):
    login_member(client, babel["cada"])

    assert client.get(reverse("projects:detail", args=["inconnu"])).status_code == 404


def test_visitors_are_asked_to_log_in(client, babel):
    for url in (reverse("projects:list"), reverse("projects:detail", args=["tour-de-babel"])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('partners:login')}?next={url}"


def test_staff_see_every_project_and_every_booking(staff_client, babel):
    ProjectFactory(name="Dép'art")

    listing = staff_client.get(reverse("projects:list"))
    page = staff_client.get(reverse("projects:detail", args=["tour-de-babel"]))

    assert sorted(p.name for p in listing.context["projects"]) == ["Dép'art", "Tour de Babel"]
    bookings = list(page.context["sessions"])[0].visible_bookings
    assert sorted(b.pk for b in bookings) == sorted([babel["cada_booking"].pk, babel["centre_booking"].pk])
    assert len(page.context["requests"]) == 2


def test_project_page_queries_do_not_grow_with_sessions(client, babel):
    login_member(client, babel["cada"])
    url = reverse("projects:detail", args=["tour-de-babel"])
    client.get(url)  # the user's structures are then kept, for both counts alike
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _n in range(10):
        BookingFactory(session=SessionFactory(project=babel["project"]), structure=babel["cada"])

    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(list(response.context["sessions"])) == 11
    assert len(many) == len(few)
