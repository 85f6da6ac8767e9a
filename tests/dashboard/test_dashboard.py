"""The staff dashboard: figures equal to the values computed by hand, constant queries, access."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from bookings.enums import BookingStatus, RequestStatus
from dashboard import impact, selectors
from notifications.enums import MessageState
from notifications.models import OutboxMessage
from partners.enums import StructureKind, StructureStatus
from programmes.enums import OfferKind
from programmes.models import Assignment
from tests.bookings.factories import BookingFactory, ProjectRequestFactory
from tests.bookings.seats import seats_taken
from tests.partners.factories import StructureFactory, make_mediator
from tests.programmes.factories import OfferFactory, ProjectFactory, local, session_at

from .conftest import YEAR_2025

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
        (row["name"], row["people"], row["attended"], row["absent"]) for row in figures["per_partner"]
    ] == [
        ("CADA de Liévin", 16, 2, 0),
        ("ESAT des Deux Rives", 11, 2, 0),
        ("France Travail Lens", 0, 0, 1),
    ]


def test_impact_partners_are_the_structures_with_a_booking_not_cancelled(programme_2025):
    waiting = StructureFactory(name="Accueil de jour Arc-en-ciel", kind=StructureKind.SHELTER)
    BookingFactory(session=session_at(local(2025, 11, 4)), structure=waiting)  # booked, not yet come
    cancelled = StructureFactory(name="Hôpital de jour Les Glycines", kind=StructureKind.DAY_HOSPITAL)
    BookingFactory(
        session=session_at(local(2025, 11, 5)), structure=cancelled, status=BookingStatus.CANCELLED
    )

    figures = impact.impact(impact.Period.year(2025))

    assert [
        (row["name"], row["kind"], row["people"], row["attended"], row["absent"])
        for row in figures["per_partner"]
    ] == [
        ("CADA de Liévin", "cada", 16, 2, 0),
        ("ESAT des Deux Rives", "esat", 11, 2, 0),
        ("Accueil de jour Arc-en-ciel", "shelter", 0, 0, 0),  # no one yet: by name after the others
        ("France Travail Lens", "employment_agency", 0, 0, 1),
    ]
    assert figures["totals"]["partners"] == 2  # who came
    assert values(figures["per_structure_kind"])["shelter"] == 0


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
    assert [row["id"] for row in context["pending_structures"].rows] == [pending.pk]
    assert context["pending_structures"].total == 1
    assert [row["id"] for row in context["open_requests"].rows] == [new_request.pk, discussed.pk]
    assert context["request_counts"] == {"new": 1, "in_discussion": 1}
    assert [
        (row["id"], row["seats_taken"], row["fill_rate"], row["waiting"], row["mediator_count"])
        for row in context["upcoming"].rows
    ] == [
        (staffed.pk, 10, 50, 1, 1),
        (unstaffed.pk, 0, 0, 0, 0),
    ]
    assert context["upcoming"].total == 2
    assert context["missing_mediators"] == 1
    assert [(row["id"], row["groups"], row["seats"]) for row in context["waiting_lists"]] == [
        (staffed.pk, 1, 12)
    ]
    assert context["failed_messages"].total == 1
    assert [m["to"] for m in context["failed_messages"].rows] == ["relais@exemple.fr"]
    html = response.content.decode()
    assert "SMTPRecipientsRefused" in html
    assert '<p class="figure-key mb-0" id="count-pending">1</p>' in html
    assert (
        f'href="{reverse("admin:partners_structure_change", args=[pending.pk])}">IME Les Tilleuls</a>' in html
    )
    assert f'href="{reverse("admin:programmes_session_change", args=[staffed.pk])}"' in html


def test_upcoming_seats_taken_are_counted_as_the_booking_rules_count_them(mediator):
    session = session_at(timezone.now() + dt.timedelta(days=2), capacity=40)
    # Two mediators: counted next to the bookings by a join, they would double every sum.
    Assignment.objects.create(session=session, mediator=mediator)
    Assignment.objects.create(session=session, mediator=make_mediator())
    BookingFactory(session=session, participants=8, accompanying_staff=2)
    BookingFactory(
        session=session,
        participants=5,
        accompanying_staff=1,
        status=BookingStatus.WAITLISTED,
        waitlist_offer_expires_at=timezone.now() + dt.timedelta(hours=3),
    )  # offered freed seats: holds them
    BookingFactory(
        session=session,
        participants=6,
        accompanying_staff=1,
        status=BookingStatus.WAITLISTED,
        waitlist_offer_expires_at=timezone.now() - dt.timedelta(hours=1),
    )  # the offer ran out: its seats are held until the periodic task takes it back
    BookingFactory(session=session, participants=9, status=BookingStatus.WAITLISTED)
    BookingFactory(session=session, participants=7, status=BookingStatus.CANCELLED)

    listing, _unstaffed = selectors.upcoming_sessions()

    [row] = listing.rows
    assert row["seats_taken"] == seats_taken(session) == 23
    assert (row["fill_rate"], row["waiting"], row["mediator_count"]) == (58, 3, 2)


@pytest.mark.parametrize("count", [1, selectors.LIST_LIMIT + 2])
def test_lists_that_wait_for_staff_cost_the_same_queries_with_few_and_many_rows(
    django_assert_num_queries, mediator, count
):
    _add_data(count, mediator)

    # Each list with its total in one query; the sessions' totals in a query of their own.
    for read, queries in (
        (selectors.pending_structures, 1),
        (selectors.open_requests, 1),
        (selectors.upcoming_sessions, 2),
        (selectors.waiting_lists, 1),
        (selectors.failed_messages, 1),
    ):
        with django_assert_num_queries(queries):
            read()


def test_lists_that_wait_for_staff_show_the_first_rows_and_the_totals(staff_client, mediator):
    _add_data(selectors.LIST_LIMIT + 2, mediator)
    total = selectors.LIST_LIMIT + 2

    response = staff_client.get(reverse("dashboard:index"))

    context = response.context
    for name in ("pending_structures", "open_requests", "upcoming", "failed_messages"):
        assert (len(context[name].rows), context[name].total) == (selectors.LIST_LIMIT, total), name
    assert context["request_counts"] == {"new": total, "in_discussion": 0}
    assert len(context["waiting_lists"]) == selectors.LIST_LIMIT
    # The oldest structures first; the soonest sessions first.
    pending = context["pending_structures"].rows
    assert [row["id"] for row in pending] == sorted(row["id"] for row in pending)
    starts = [row["start"] for row in context["upcoming"].rows]
    assert starts == sorted(starts)
    html = response.content.decode()
    assert html.count('<li><a href="/admin/partners/structure/') == selectors.LIST_LIMIT
    assert '<p class="figure-key mb-0" id="count-pending">22</p>' in html
    assert '<p class="figure-key mb-0" id="count-failed">22</p>' in html
    assert 'id="upcoming-more"' in html
    assert 'id="waitlist-more"' in html
    assert "?status__exact=pending" in html


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


FIGURES_QUERIES = 4  # per structure, their names, per month and kind of offer, structures per status
WORKLIST_QUERIES = 6


@pytest.mark.parametrize("count", [1, 25])
def test_dashboard_figures_and_worklist_cost_the_same_queries_with_few_and_many_rows(
    mediator, django_assert_num_queries, count
):
    _add_data(count, mediator)

    with django_assert_num_queries(FIGURES_QUERIES):
        figures = impact.impact(impact.Period.year(2025))
    with django_assert_num_queries(WORKLIST_QUERIES):
        worklist = selectors.staff_worklist()

    assert figures["totals"]["people"] == 5 * count
    assert worklist["pending_structures"].total == count


def test_dashboard_reads_everything_again_at_each_request(staff_client, mediator):
    url = reverse("dashboard:index")
    _add_data(1, mediator)
    staff_client.get(url, YEAR_2025)  # what the navigation keeps of the visitor is kept from now on
    first = _count_queries(staff_client, url, YEAR_2025)

    second = _count_queries(staff_client, url, YEAR_2025)

    # Nothing of the page is kept: the figures and the lists are read at each request.
    assert second == first
    assert first >= FIGURES_QUERIES + WORKLIST_QUERIES


def test_dashboard_worklist_is_read_again_after_a_write(staff_client, mediator):
    url = reverse("dashboard:index")
    first = staff_client.get(url)
    StructureFactory(name="IME Les Tilleuls", status=StructureStatus.PENDING)
    session = session_at(timezone.now() + dt.timedelta(days=2), capacity=20)
    after_writes = staff_client.get(url)
    BookingFactory(session=session, participants=8, accompanying_staff=2)
    Assignment.objects.create(session=session, mediator=mediator)
    after_booking = staff_client.get(url)

    assert "IME Les Tilleuls" not in first.content.decode()
    assert first.context["pending_structures"].total == 0
    assert "IME Les Tilleuls" in after_writes.content.decode()
    assert after_writes.context["pending_structures"].total == 1
    assert [(row["id"], row["seats_taken"]) for row in after_writes.context["upcoming"].rows] == [
        (session.pk, 0)
    ]
    assert after_writes.context["missing_mediators"] == 1
    assert [
        (row["seats_taken"], row["mediator_count"]) for row in after_booking.context["upcoming"].rows
    ] == [(10, 1)]
    assert after_booking.context["missing_mediators"] == 0


def test_dashboard_worklist_is_in_the_language_of_the_visitor(staff_client, settings):
    StructureFactory(name="IME Les Tilleuls", kind=StructureKind.IME, status=StructureStatus.PENDING)
    url = reverse("dashboard:index")
    with translation.override("fr"):
        french_kind = str(StructureKind.IME.label)
    with translation.override("en"):
        english_kind = str(StructureKind.IME.label)

    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = staff_client.get(url).content.decode()
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = staff_client.get(url).content.decode()

    assert french_kind != english_kind
    assert f"({french_kind})" in french
    assert f"({english_kind})" in english
    assert f"({french_kind})" not in english


def _partners_who_came(count: int, prefix: str = "Partenaire") -> list:
    """`count` structures who came in 2025, the first with the most people (count + 1, count, ... 2)."""
    offer = OfferFactory()
    structures = []
    for n in range(count):
        structure = StructureFactory(name=f"{prefix} {n:02d}")
        BookingFactory(
            session=session_at(local(2025, 3, 1 + n % 28, 9 + n % 8), offer=offer),
            structure=structure,
            status=BookingStatus.ATTENDED,
            present_participants=count + 1 - n,
        )
        structures.append(structure)
    return structures


def _partners_table(html: str) -> str:
    start = html.index('id="per-partner"')
    return html[start : html.index("</table>", start)]


def test_dashboard_shows_the_first_twenty_partners_the_total_and_the_full_export(staff_client):
    structures = _partners_who_came(25)

    response = staff_client.get(reverse("dashboard:index"), YEAR_2025)

    table = _partners_table(response.content.decode())
    assert table.count('<th scope="row"') == 20
    names = [structure.name for structure in structures]
    assert [name for name in names if name in table] == names[:20]  # the most active, in order
    assert table.index(names[0]) < table.index(names[1]) < table.index(names[19])
    total = ngettext(
        "%(counter)s partner booked in this period.", "%(counter)s partners booked in this period.", 25
    ) % {"counter": 25}
    html = response.content.decode()
    assert total in html
    export = reverse("dashboard:export", args=["partenaires", "csv"])
    export = f"{export}?date_from=2025-01-01&amp;date_to=2025-12-31"
    assert html.count(f'href="{export}"') == 2  # with the other exports, and after the sentence
    # The export keeps every partner.
    response = staff_client.get(reverse("dashboard:export", args=["partenaires", "csv"]), YEAR_2025)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 25


def test_dashboard_with_few_partners_lists_them_all_without_the_sentence_on_the_export(staff_client):
    _partners_who_came(3)

    html = staff_client.get(reverse("dashboard:index"), YEAR_2025).content.decode()

    assert _partners_table(html).count('<th scope="row"') == 3
    total = ngettext(
        "%(counter)s partner booked in this period.", "%(counter)s partners booked in this period.", 3
    ) % {"counter": 3}
    assert total in html
    export = reverse("dashboard:export", args=["partenaires", "csv"])
    assert html.count(f'href="{export}?') == 1


def test_dashboard_query_count_is_the_same_with_few_and_many_partners(staff_client):
    url = reverse("dashboard:index")
    _partners_who_came(2)
    few = _count_queries(staff_client, url, YEAR_2025)

    _partners_who_came(30, prefix="Autre partenaire")
    many = _count_queries(staff_client, url, YEAR_2025)

    assert many == few


def test_dashboard_figures_are_read_again_after_a_write(staff_client, programme_2025):
    url = reverse("dashboard:index")
    first = staff_client.get(url, YEAR_2025).content.decode()
    BookingFactory(
        session=session_at(local(2025, 9, 1)),
        structure=programme_2025["cada"],
        status=BookingStatus.ATTENDED,
        present_participants=10,
    )

    after = staff_client.get(url, YEAR_2025).content.decode()

    assert '<p class="figure-key mb-0" id="figure-people">27</p>' in first
    assert '<p class="figure-key mb-0" id="figure-people">37</p>' in after


def test_dashboard_figures_are_in_the_language_of_the_visitor(staff_client, programme_2025, settings):
    url = reverse("dashboard:index")
    with translation.override("fr"):
        french_title = gettext("People accompanied per year")

    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = staff_client.get(url, YEAR_2025).content.decode()
    staff_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = staff_client.get(url, YEAR_2025).content.decode()

    assert french_title != "People accompanied per year"
    assert french_title in french
    assert "People accompanied per year" in english
    assert french_title not in english


def test_dashboard_figures_are_live_without_a_time_of_computation_nor_a_recomputation(
    staff_client, programme_2025
):
    url = reverse("dashboard:index")

    html = staff_client.get(url, YEAR_2025).content.decode()
    # A link kept from when the figures were cached shows the page, not a redirect.
    old_link = staff_client.get(url, {**YEAR_2025, "fresh": "1"})

    assert 'id="figures-computed"' not in html
    assert "fresh=1" not in html
    assert old_link.status_code == 200
    assert '<p class="figure-key mb-0" id="figure-people">27</p>' in old_link.content.decode()


def test_dashboard_period_filter_shows_the_period_with_its_blanks_filled(staff_client):
    response = staff_client.get(reverse("dashboard:index"), {"date_from": "2025-03-01"})

    html = response.content.decode()
    year = timezone.localdate().year
    assert response.context["period"] == impact.Period(dt.date(2025, 3, 1), dt.date(year, 12, 31))
    assert 'name="date_from" value="2025-03-01"' in html
    assert f'name="date_to" value="{year}-12-31"' in html


def test_dashboard_with_a_nonsense_period_keeps_the_filter_and_its_message(staff_client):
    params = {"date_from": "2025-12-31", "date_to": "2025-01-01"}

    response = staff_client.get(reverse("dashboard:index"), params)

    html = response.content.decode()
    assert html.count('name="date_from"') == 1
    assert gettext("The end of the period must be on or after its start.") in html


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
