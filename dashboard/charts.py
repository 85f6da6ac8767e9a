"""The charts of the dashboard and of the annual report, drawn on the server as SVG: each comes with
the table of its figures (templates/programmes/dashboard/_chart.html)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from .impact import Row

CHART_WIDTH = 480
TOP_PARTNERS = 10


def _describe(rows: list[Row], unit: str) -> str:
    total = sum(row.value for row in rows)
    if not total:
        return _("No one counted in this period.")
    top = max(rows, key=lambda row: row.value)
    return _("Total: %(total)s %(unit)s. Highest: %(label)s, %(value)s.") % {
        "total": total,
        "unit": unit,
        "label": top.label,
        "value": top.value,
    }


def bar_chart(chart_id: str, title: str, rows: list[Row], *, unit: str) -> dict:
    """Horizontal bars, the label above each bar (long labels stay readable on a phone)."""
    row_height, bar_height, label_gap = 40, 14, 18
    longest = max((row.value for row in rows), default=0) or 1
    usable = CHART_WIDTH - 50
    bars = []
    for index, row in enumerate(rows):
        top = index * row_height
        length = round(usable * row.value / longest) if row.value else 0
        bars.append(
            {
                "label": row.label,
                "value": row.value,
                "label_y": top + 13,
                "bar_y": top + label_gap,
                "length": length,
                "value_x": length + 6,
                "value_y": top + label_gap + bar_height - 2,
            }
        )
    return {
        "id": chart_id,
        "kind": "bars",
        "title": title,
        "desc": _describe(rows, unit),
        "width": CHART_WIDTH,
        "height": max(len(rows) * row_height, row_height),
        "bar_height": bar_height,
        "bars": bars,
        "rows": rows,
    }


def column_chart(
    chart_id: str, title: str, rows: list[Row], *, unit: str, short: Callable[[Row], str] | None = None
) -> dict:
    """Vertical columns in time order (months or years)."""
    plot_height, label_space, top_space = 180, 34, 18
    count = max(len(rows), 1)
    slot = CHART_WIDTH / count
    width = max(min(slot * 0.7, 60), 2)
    highest = max((row.value for row in rows), default=0) or 1
    every = max(1, round(count / 12))  # at most about 12 labels under the axis
    columns = []
    for index, row in enumerate(rows):
        height = round(plot_height * row.value / highest) if row.value else 0
        x = index * slot + (slot - width) / 2
        columns.append(
            {
                "label": row.label,
                "short": (short(row) if short else row.label) if index % every == 0 else "",
                "value": row.value,
                # Strings with a dot: a localised template would write "12,5" into the SVG.
                "x": f"{x:.1f}",
                "y": top_space + plot_height - height,
                "value_y": top_space + plot_height - height - 4,
                "width": f"{width:.1f}",
                "height": height,
                "center": f"{x + width / 2:.1f}",
                "show_value": count <= 24,
            }
        )
    return {
        "id": chart_id,
        "kind": "columns",
        "title": title,
        "desc": _describe(rows, unit),
        "width": CHART_WIDTH,
        "height": top_space + plot_height + label_space,
        "axis_y": top_space + plot_height,
        "label_y": top_space + plot_height + 16,
        "value_offset": top_space,
        "columns": columns,
        "rows": rows,
    }


def _month_rows(rows: list[Row]) -> list[Row]:
    """Shorter labels under the month columns: "01/2026"."""
    return [Row(row.key, f"{row.key[5:7]}/{row.key[:4]}", row.value) for row in rows]


def impact_charts(figures: dict) -> dict:
    """The charts of the impact figures (impact.impact), by name."""
    people = _("people")
    partners = [
        Row(str(row["id"]), row["name"], row["people"]) for row in figures["per_partner"][:TOP_PARTNERS]
    ]
    return {
        "per_year": column_chart(
            "chart-year", _("People accompanied per year"), figures["per_year"], unit=people
        ),
        "per_month": column_chart(
            "chart-month",
            _("People accompanied per month"),
            _month_rows(figures["per_month"]),
            unit=people,
            short=lambda row: f"{row.key[5:7]}/{row.key[2:4]}",  # "02/25" fits under a column
        ),
        "per_field": bar_chart(
            "chart-field", _("People accompanied per field"), figures["per_structure_field"], unit=people
        ),
        "per_kind": bar_chart(
            "chart-kind",
            _("People accompanied per kind of structure"),
            figures["per_structure_kind"],
            unit=people,
        ),
        "per_offer": bar_chart(
            "chart-offer", _("People accompanied per kind of offer"), figures["per_offer_kind"], unit=people
        ),
        "per_partner": bar_chart(
            "chart-partner", _("The ten partners who came with the most people"), partners, unit=people
        ),
    }
