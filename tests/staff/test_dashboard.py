"""The staff dashboard: figures equal to the values computed by hand, constant queries, access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from bookings.enums import BookingStatus, RequestStatus
from notifications.enums import MessageState
from notifications.models import OutboxMessage
from partners.enums import StructureKind, StructureStatus
from programmes import impact
from programmes.enums import OfferKind
from programmes.models import Assignment
from tests.factories import (
    BookingFactory,
    OfferFactory,
    ProjectFactory,
    ProjectRequestFactory,
    StructureFactory,
)

from .conftest import YEAR_2025, local, make_mediator, session_at

pytestmark = pytest.mark.django_db


def values(rows):
    return {row.key: row.value for row in rows}


def test_impact_figures_equal_the_values_computed_by_hand(programme_2025):
    figures = impact.impact(impact.Period.year(2025))

    totals = figures["totals"]
    assert (totals["people"], totals["attended"], totals["absent"], totals["partners"]) == (27, 4, 1, 2)
    assert totals["no_show_rate"] == 20.0
    assert totals["sessions"] == 3
    assert [(row.key, row.value) for row in figures["per_year"]] == [("2025", 27)]
    per_month = values(figures["per_month"])
    assert len(per_month) == 12
    assert per_month == {f"2025-{month:02d}": {3: 22, 6: 5}.get(month, 0) for month in range(1, 13)}
    assert values(figures["per_structure_field"]) == {"social": 16, "insertion": 0, "health": 11}
    kinds = values(figures["per_structure_kind"])
    assert (kinds["cada"], kinds["esat"], kinds["employment_agency"], sum(kinds.values())) == (16, 11, 0, 27)
    offers = values(figures["per_offer_kind"])
    assert (offers["guided_visit"], offers["workshop"], sum(offers.values())) == (20, 7, 27)
    assert [
        (row["structure__name"], row["people"], row["attended"], row["absent"])
        for row in figures["per_partner"]
    ] == [
        ("CADA de Liévin", 16, 2, 0),
        ("ESAT des Deux Rives", 11, 2, 0),
        ("France Travail Lens", 0, 0, 1),
    ]


def test_impact_per_year_over_a_period_of_several_years(programme_2025):
    period = impact.Period(dt.date(2024, 1, 1), dt.date(2026, 12, 31))

    figures = impact.impact(period)

    assert [(row.key, row.value) for row in figures["per_year"]] == [("2024", 20), ("2025", 27), ("2026", 30)]
    assert figures["totals"]["people"] == 77
    assert len(figures["per_month"]) == 36


def test_impact_period_bounds_are_in_the_museum_time_zone(programme_2025):
    # 31/12/2024 23:30 and 01/01/2026 00:30 in Paris are in UTC on another day than in Paris.
    assert (
        impact.impact(impact.Period(dt.date(2024, 12, 31), dt.date(2024, 12, 31)))["totals"]["people"] == 20
    )
    assert impact.impact(impact.Period(dt.date(2026, 1, 1), dt.date(2026, 1, 1)))["totals"]["people"] == 30


def test_no_show_rate_is_empty_without_recorded_attendance():
    assert impact.impact(impact.Period.year(2025))["totals"]["no_show_rate"] is None


def test_dashboard_shows_the_figures_of_the_period(staff_client, programme_2025):
    response = staff_client.get(reverse("dashboard:index"), YEAR_2025)

    assert response.status_code == 200
    assert response.context["period"] == impact.Period.year(2025)
    assert response.context["figures"]["totals"]["people"] == 27
    html = response.content.decode()
    assert '<p class="figure-key mb-0" id="figure-people">27</p>' in html
    assert '<p class="figure-key mb-0" id="figure-partners">2</p>' in html
    # Every chart is an image with a text alternative, and comes with the table of its figures.
    assert html.count('role="img"') == 6
    assert 'aria-labelledby="chart-month-title chart-month-desc"' in html
    assert html.count('<table class="table table-sm">') >= 6


def test_dashboard_period_defaults_to_the_current_year(staff_client):
    response = staff_client.get(reverse("dashboard:index"))

    assert response.context["period"] == impact.Period.current_year()
    assert response.context["form"].errors == {}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "bientôt", "date_to": "2025-12-31"}, "date_from", None),
        (
            {"date_from": "2025-12-31", "date_to": "2025-01-01"},
            "date_to",
            "The end of the period must be on or after its start.",
        ),
        ({"date_from": "2025-13-45"}, "date_from", None),
        ({"date_from": "1900-01-01", "date_to": "2025-01-01"}, "date_from", None),
        ({"date_from": "2013-01-01", "date_to": "2030-01-01"}, "date_to", None),
    ],
)
def test_dashboard_nonsense_period_shows_a_message_and_the_current_year(staff_client, params, field, message):
    response = staff_client.get(reverse("dashboard:index"), params)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    if message:
        assert errors[field] == [gettext(message)]
    assert response.context["period"] == impact.Period.current_year()


def test_dashboard_lists_what_waits_for_staff(staff_client, mediator):
    pending = StructureFactory(name="IME Les Tilleuls", status=StructureStatus.PENDING)
    new_request = ProjectRequestFactory(status=RequestStatus.NEW)
    discussed = ProjectRequestFactory(status=RequestStatus.IN_DISCUSSION)
    ProjectRequestFactory(status=RequestStatus.ACCEPTED)
    soon = timezone.now() + dt.timedelta(days=3)
    staffed = session_at(soon, capacity=20)
    Assignment.objects.create(session=staffed, mediator=mediator)
    BookingFactory(session=staffed, participants=8, accompanying_staff=2)
    BookingFactory(session=staffed, participants=10, accompanying_staff=2, status=BookingStatus.WAITLISTED)
    unstaffed = session_at(soon + dt.timedelta(hours=3), capacity=10)
    session_at(timezone.now() + dt.timedelta(days=15))  # beyond 14 days
    OutboxMessage.objects.create(
        dedupe_key="x",
        template="booking_confirmed",
        to="relais@exemple.fr",
        state=MessageState.FAILED,
        last_error="SMTPRecipientsRefused",
        not_before=timezone.now(),
    )
    OutboxMessage.objects.create(
        dedupe_key="y", template="booking_confirmed", to="b@exemple.fr", not_before=timezone.now()
    )

    response = staff_client.get(reverse("dashboard:index"))

    context = response.context
    assert [s.pk for s in context["pending_structures"]] == [pending.pk]
    assert [r.pk for r in context["open_requests"]] == [new_request.pk, discussed.pk]
    assert context["request_counts"] == {"new": 1, "in_discussion": 1}
    assert [(s.pk, s.seats_taken, s.fill_rate, s.waiting, s.mediator_count) for s in context["upcoming"]] == [
        (staffed.pk, 10, 50, 1, 1),
        (unstaffed.pk, 0, 0, 0, 0),
    ]
    assert context["missing_mediators"] == 1
    assert [(row["session_id"], row["groups"], row["seats"]) for row in context["waiting_lists"]] == [
        (staffed.pk, 1, 12)
    ]
    assert context["failed_count"] == 1
    assert [m["to"] for m in context["failed_messages"]] == ["relais@exemple.fr"]
    assert "SMTPRecipientsRefused" in response.content.decode()


def _add_data(count: int, mediator) -> None:
    """Everything the dashboard lists or counts, `count` times over."""
    for n in range(count):
        structure = StructureFactory(kind=StructureKind.IME if n % 2 else StructureKind.CADA)
        StructureFactory(status=StructureStatus.PENDING)
        ProjectRequestFactory(structure=structure, status=RequestStatus.NEW)
        past = session_at(local(2025, 1 + n % 12, 1 + n % 28), offer=OfferFactory(kind=OfferKind.WORKSHOP))
        BookingFactory(
            session=past, structure=structure, status=BookingStatus.ATTENDED, present_participants=5
        )
        BookingFactory(session=past, status=BookingStatus.ABSENT)
        upcoming = session_at(timezone.now() + dt.timedelta(days=1 + n % 10, minutes=n))
        Assignment.objects.create(session=upcoming, mediator=mediator)
        BookingFactory(session=upcoming, structure=structure)
        BookingFactory(session=upcoming, status=BookingStatus.WAITLISTED)
        OutboxMessage.objects.create(
            dedupe_key=f"failed-{count}-{n}",
            template="t",
            to=f"r{n}@exemple.fr",
            state=MessageState.FAILED,
            not_before=timezone.now(),
        )
        project = ProjectFactory(start_date=dt.date(2025, 2, 1))
        project.partners.add(structure)


def _count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("url", "params"),
    [
        (reverse("dashboard:index"), YEAR_2025),
        (reverse("dashboard:report", args=[2025]), None),
    ],
)
def test_dashboard_query_count_does_not_grow_with_data(staff_client, mediator, url, params):
    _add_data(1, mediator)
    few = _count_queries(staff_client, url, params)

    _add_data(25, mediator)
    many = _count_queries(staff_client, url, params)

    assert many == few


def test_dashboard_is_for_staff_only(client, coordinator):
    url = reverse("dashboard:index")

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('partners:login')}?next={url}"

    client.force_login(coordinator)
    assert client.get(url).status_code == 404

    mediator = make_mediator()
    client.force_login(mediator)
    assert client.get(url).status_code == 404


def test_annual_report_shows_headline_figures_projects_and_charts(staff_client, programme_2025):
    project = ProjectFactory(
        name="Tour de Babel", start_date=dt.date(2024, 9, 1), end_date=dt.date(2025, 6, 30)
    )
    project.partners.add(programme_2025["cada"])
    ProjectFactory(name="Ancien projet", start_date=dt.date(2020, 1, 1), end_date=dt.date(2020, 12, 31))

    response = staff_client.get(reverse("dashboard:report", args=[2025]))

    assert response.status_code == 200
    assert [p.name for p in response.context["projects"]] == ["Tour de Babel"]
    html = response.content.decode()
    assert '<p class="figure-key mb-0" id="figure-people">27</p>' in html
    assert "CADA de Liévin" in html
    assert html.count('role="img"') == 4
    assert "css/dashboard.css" in html  # its print rules


@pytest.mark.parametrize("year", [1999, 2011, 3000])
def test_annual_report_of_a_year_out_of_range_is_not_found(staff_client, year):
    assert staff_client.get(reverse("dashboard:report", args=[year])).status_code == 404


def test_annual_report_is_for_staff_only(client, coordinator):
    url = reverse("dashboard:report", args=[2025])
    assert client.get(url).status_code == 302
    client.force_login(coordinator)
    assert client.get(url).status_code == 404


def test_admin_index_links_to_the_dashboard_and_the_planning(staff_client):
    response = staff_client.get(reverse("admin:index"))

    html = response.content.decode()
    assert reverse("dashboard:index") in html
    assert reverse("admin:programmes_season_plan") in html
    assert reverse("dashboard:privacy") in html
