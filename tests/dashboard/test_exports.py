"""Exports of the dashboard: they open in the csv module and openpyxl, and hold exactly the filtered rows."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from openpyxl import load_workbook

from dashboard.exports import attendance_table, bookings_table, partners_table
from tests.bookings.factories import BookingFactory
from tests.programmes.factories import local, session_at

from .conftest import YEAR_2025

pytestmark = pytest.mark.django_db


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())  # the byte-order mark Excel in French needs
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(content: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(content)).active
    return list(sheet.iter_rows(values_only=True))


def export_url(slug: str, fmt: str) -> str:
    return reverse("dashboard:export", args=[slug, fmt])


def ids(programme, *names) -> list[int]:
    return [programme["bookings"][name].pk for name in names]


IN_2025 = [
    "cada_march_10",
    "esat_march_10",
    "agency_march_20",
    "cada_march_20",
    "esat_june_5",
    "agency_june_5",
]
ATTENDANCE_2025 = ["cada_march_10", "esat_march_10", "agency_march_20", "cada_march_20", "esat_june_5"]


def test_bookings_csv_holds_exactly_the_bookings_of_the_period(staff_client, programme_2025):
    response = staff_client.get(export_url("reservations", "csv"), YEAR_2025)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="reservations_2025-01-01_2025-12-31.csv"'
    rows = read_csv(response.content)
    assert rows[0][:3] == [gettext("Booking no."), gettext("Session date"), gettext("Offer")]
    assert sorted(int(row[0]) for row in rows[1:]) == sorted(ids(programme_2025, *IN_2025))
    first = next(row for row in rows[1:] if int(row[0]) == programme_2025["bookings"]["cada_march_10"].pk)
    assert first[1] == "10/03/2025 10:00"  # French format, museum time
    assert first[5] == "CADA de Liévin"


def test_bookings_xlsx_holds_the_same_rows_with_real_dates(staff_client, programme_2025):
    response = staff_client.get(export_url("reservations", "xlsx"), YEAR_2025)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = read_xlsx(response.content)
    assert rows[0][0] == gettext("Booking no.")
    assert sorted(row[0] for row in rows[1:]) == sorted(ids(programme_2025, *IN_2025))
    first = next(row for row in rows[1:] if row[0] == programme_2025["bookings"]["cada_march_10"].pk)
    assert first[1] == dt.datetime(2025, 3, 10, 10, 0)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["B2"].number_format == "DD/MM/YYYY HH:MM"


def test_attendance_exports_hold_the_recorded_attendance_of_the_period(staff_client, programme_2025):
    csv_rows = read_csv(staff_client.get(export_url("presences", "csv"), YEAR_2025).content)
    xlsx_rows = read_xlsx(staff_client.get(export_url("presences", "xlsx"), YEAR_2025).content)

    expected = sorted(ids(programme_2025, *ATTENDANCE_2025))
    assert sorted(int(row[0]) for row in csv_rows[1:]) == expected
    assert sorted(row[0] for row in xlsx_rows[1:]) == expected
    present = {row[0]: row[9] for row in xlsx_rows[1:]}
    assert sum(present.values()) == 27


def test_partners_exports_hold_the_structures_with_a_booking_in_the_period(staff_client, programme_2025):
    rows = read_csv(staff_client.get(export_url("partenaires", "csv"), YEAR_2025).content)
    xlsx = read_xlsx(staff_client.get(export_url("partenaires", "xlsx"), YEAR_2025).content)

    assert [(row[0], row[-1]) for row in rows[1:]] == [
        ("CADA de Liévin", "16"),
        ("ESAT des Deux Rives", "11"),
        ("France Travail Lens", "0"),
    ]
    assert [(row[0], row[-4], row[-3], row[-2], row[-1]) for row in xlsx[1:]] == [
        ("CADA de Liévin", 2, 2, 0, 16),
        ("ESAT des Deux Rives", 2, 2, 0, 11),
        ("France Travail Lens", 1, 0, 1, 0),
    ]


def test_exports_follow_the_period_filter(programme_2025):
    march = {"date_from": dt.date(2025, 3, 1), "date_to": dt.date(2025, 3, 31)}

    assert sorted(row[0] for row in bookings_table(**march).rows) == sorted(
        ids(programme_2025, "cada_march_10", "esat_march_10", "agency_march_20", "cada_march_20")
    )
    assert len(attendance_table(**march).rows) == 4
    assert [row[0] for row in partners_table(**march).rows] == [
        "CADA de Liévin",
        "ESAT des Deux Rives",
        "France Travail Lens",
    ]
    june = {"date_from": dt.date(2025, 6, 1), "date_to": dt.date(2025, 6, 30)}
    assert [row[0] for row in partners_table(**june).rows] == ["ESAT des Deux Rives", "France Travail Lens"]


def test_export_without_period_uses_the_current_year(staff_client, programme_2025):
    this_year = timezone.localdate().year
    this_years = BookingFactory(session=session_at(local(this_year, 1, 2, 12)))
    expected = sorted(
        [this_years.pk]
        + [
            booking.pk
            for booking in programme_2025["bookings"].values()
            if timezone.localtime(booking.session.start).year == this_year
        ]
    )

    rows = read_csv(staff_client.get(export_url("reservations", "csv")).content)

    assert sorted(int(row[0]) for row in rows[1:]) == expected


def test_export_with_a_nonsense_period_goes_back_to_the_dashboard_with_a_message(staff_client):
    response = staff_client.get(
        export_url("reservations", "xlsx"), {"date_from": "hier", "date_to": "2025-01-01"}
    )

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("dashboard:index"))
    followed = staff_client.get(response["Location"])
    assert [str(m) for m in followed.context["messages"]] == [
        gettext("The period is not valid: correct it, then export again.")
    ]


def test_unknown_export_is_not_found(staff_client):
    assert staff_client.get("/tableau-de-bord/export/secrets.csv").status_code == 404
    assert staff_client.get("/tableau-de-bord/export/reservations.pdf").status_code == 404


@pytest.mark.parametrize("slug", ["reservations", "presences", "partenaires"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_are_for_staff_only(client, coordinator, slug, fmt):
    url = export_url(slug, fmt)
    assert client.get(url).status_code == 302
    client.force_login(coordinator)
    assert client.get(url).status_code == 404


def test_exports_hold_no_free_text(staff_client, programme_2025):
    booking = programme_2025["bookings"]["cada_march_10"]
    booking.comment = "Un commentaire libre"
    booking.contact_name = "Dominique Leroy"
    booking.save()

    content = staff_client.get(export_url("reservations", "csv"), YEAR_2025).content.decode("utf-8-sig")

    assert "Un commentaire libre" not in content
    assert "Dominique Leroy" not in content
