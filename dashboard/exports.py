"""Exports of the staff dashboard: bookings, attendance and partners, as CSV or XLSX.

Same filter as the dashboard (the period, on the date of the session). Headers are in French
(the museum's language, whatever the language of the staff member's screen); dates in French
format; CSV uses ";" and starts with a UTF-8 byte-order mark, which is what Excel in French expects.
No free text is exported (comments, contact on the day): only what the statistics need.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bookings.enums import BookingStatus
from bookings.models import Booking
from partners.enums import KIND_FIELD, StructureKind
from partners.models import Structure

CSV_DELIMITER = ";"
DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"
XLSX_DATE_FORMAT = "DD/MM/YYYY"
XLSX_DATETIME_FORMAT = "DD/MM/YYYY HH:MM"


@dataclass
class Table:
    """What an export holds: a title (the sheet's name), the headers and the rows."""

    title: str
    headers: list[str]
    rows: list[list]


def _local(value: dt.datetime | None) -> dt.datetime | None:
    # Naive local time: spreadsheets have no time zones, and staff read the museum's clock.
    return timezone.localtime(value).replace(tzinfo=None) if value is not None else None


def _period_q(date_from: dt.date, date_to: dt.date, prefix: str = "") -> Q:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return Q(**{f"{prefix}session__start__gte": start, f"{prefix}session__start__lt": end})


def _field_label(kind: str) -> str:
    return str(KIND_FIELD[StructureKind(kind)].label)


def bookings_table(*, date_from: dt.date, date_to: dt.date) -> Table:
    """Every booking of a session in the period, cancelled ones included (their status says so)."""
    bookings = (
        Booking.objects.filter(_period_q(date_from, date_to))
        .select_related("session__offer", "structure")
        .order_by("session__start", "structure__name", "pk")
    )
    with translation.override(settings.LANGUAGE_CODE):
        headers = [
            _("Booking no."),
            _("Session date"),
            _("Offer"),
            _("Kind of offer"),
            _("Place"),
            _("Structure"),
            _("Kind of structure"),
            _("Field"),
            _("City"),
            _("Status"),
            _("Participants"),
            _("Accompanying staff"),
            _("Wheelchair users"),
            _("Participants present"),
            _("Staff present"),
            _("Booked on"),
            _("Cancelled on"),
        ]
        rows = [
            [
                booking.pk,
                _local(booking.session.start),
                booking.session.offer.title,
                str(booking.session.offer.get_kind_display()),
                booking.session.place,
                booking.structure.name,
                str(booking.structure.get_kind_display()),
                _field_label(booking.structure.kind),
                booking.structure.city,
                str(booking.get_status_display()),
                booking.participants,
                booking.accompanying_staff,
                booking.wheelchair_users,
                booking.present_participants,
                booking.present_staff,
                _local(booking.created_at),
                _local(booking.cancelled_at),
            ]
            for booking in bookings
        ]
        return Table(_("Bookings"), headers, rows)


def attendance_table(*, date_from: dt.date, date_to: dt.date) -> Table:
    """The bookings whose attendance was recorded (the group came, or did not) in the period."""
    bookings = (
        Booking.objects.filter(
            _period_q(date_from, date_to), status__in=[BookingStatus.ATTENDED, BookingStatus.ABSENT]
        )
        .select_related("session__offer", "structure")
        .order_by("session__start", "structure__name", "pk")
    )
    with translation.override(settings.LANGUAGE_CODE):
        headers = [
            _("Booking no."),
            _("Session date"),
            _("Offer"),
            _("Kind of offer"),
            _("Structure"),
            _("Kind of structure"),
            _("Field"),
            _("Status"),
            _("Participants booked"),
            _("Participants present"),
            _("Staff present"),
            _("Attendance recorded on"),
        ]
        rows = [
            [
                booking.pk,
                _local(booking.session.start),
                booking.session.offer.title,
                str(booking.session.offer.get_kind_display()),
                booking.structure.name,
                str(booking.structure.get_kind_display()),
                _field_label(booking.structure.kind),
                str(booking.get_status_display()),
                booking.participants,
                booking.present_participants if booking.status == BookingStatus.ATTENDED else 0,
                booking.present_staff if booking.status == BookingStatus.ATTENDED else 0,
                _local(booking.attendance_recorded_at),
            ]
            for booking in bookings
        ]
        return Table(_("Attendance"), headers, rows)


def partners_table(*, date_from: dt.date, date_to: dt.date) -> Table:
    """The structures with at least one booking in the period, and their figures for it."""
    in_period = _period_q(date_from, date_to, prefix="bookings__")
    attended = Q(bookings__status=BookingStatus.ATTENDED)
    structures = (
        Structure.objects.filter(in_period)
        .annotate(
            booked=Count("bookings", filter=in_period & ~Q(bookings__status=BookingStatus.CANCELLED)),
            attended=Count("bookings", filter=in_period & attended),
            absent=Count("bookings", filter=in_period & Q(bookings__status=BookingStatus.ABSENT)),
            people=Coalesce(Sum("bookings__present_participants", filter=in_period & attended), 0),
        )
        .order_by("name", "pk")
    )
    with translation.override(settings.LANGUAGE_CODE):
        headers = [
            _("Structure"),
            _("Kind of structure"),
            _("Field"),
            _("City"),
            _("Département"),
            _("Status"),
            _("Approved on"),
            _("Bookings"),
            _("Groups that came"),
            _("Absences"),
            _("People accompanied"),
        ]
        rows = [
            [
                structure.name,
                str(structure.get_kind_display()),
                _field_label(structure.kind),
                structure.city,
                structure.departement,
                str(structure.get_status_display()),
                _local(structure.approved_at).date() if structure.approved_at else None,
                structure.booked,
                structure.attended,
                structure.absent,
                structure.people,
            ]
            for structure in structures
        ]
        return Table(_("Partners"), headers, rows)


TABLES: dict[str, Callable[..., Table]] = {
    "bookings": bookings_table,
    "attendance": attendance_table,
    "partners": partners_table,
}


# A spreadsheet runs a cell starting with one of these as a formula ("CSV injection"): a name typed
# as "=HYPERLINK(...)" must stay text. A leading quote is the spreadsheets' own way to say "text".
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return str(value)


def to_csv(table: Table) -> bytes:
    """CSV for Excel in French: UTF-8 with a byte-order mark, ";" between cells."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.title[:31]
    sheet.append(table.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":
                cell.data_type = "s"  # openpyxl takes "=..." for a formula: our cells are only ever data
            if isinstance(cell.value, dt.datetime):
                cell.number_format = XLSX_DATETIME_FORMAT
            elif isinstance(cell.value, dt.date):
                cell.number_format = XLSX_DATE_FORMAT
    sheet.freeze_panes = "A2"
    for index, header in enumerate(table.headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(header) + 4))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The exports' names in the URL (French, as every path of the portal) and the tables they hold.
SLUGS = {"reservations": "bookings", "presences": "attendance", "partenaires": "partners"}

FORMATS: dict[str, tuple[Callable[[Table], bytes], str]] = {
    "csv": (to_csv, "text/csv; charset=utf-8"),
    "xlsx": (to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def export(*, kind: str, fmt: str, date_from: dt.date, date_to: dt.date) -> tuple[bytes, str]:
    """The file's content and its content type."""
    table = TABLES[kind](date_from=date_from, date_to=date_to)
    render, content_type = FORMATS[fmt]
    return render(table), content_type
