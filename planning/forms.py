"""The attendance sheet: one form per group of the session."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.attendance import AttendanceEntry, AttendanceSheetError, attendance_margin
from bookings.enums import BookingStatus
from bookings.models import Booking


class AttendanceForm(forms.Form):
    PRESENT, ABSENT = "present", "absent"

    presence = forms.ChoiceField(
        label=gettext_lazy("Did the group come?"),
        choices=[
            (PRESENT, gettext_lazy("Yes, the group came")),
            (ABSENT, gettext_lazy("No, the group was absent")),
        ],
        widget=forms.RadioSelect,
    )
    present_participants = forms.IntegerField(
        label=gettext_lazy("Participants present"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
    )
    present_staff = forms.IntegerField(
        label=gettext_lazy("Accompanying staff present"),
        required=False,
        widget=forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
    )

    def __init__(self, *args, booking: Booking, **kwargs):
        self.booking = booking
        super().__init__(*args, **kwargs)
        limit_p = booking.participants + attendance_margin(booking.participants)
        limit_s = booking.accompanying_staff + attendance_margin(booking.accompanying_staff)
        self.fields["present_participants"].help_text = _("%(booked)d booked (at most %(limit)d).") % {
            "booked": booking.participants,
            "limit": limit_p,
        }
        self.fields["present_staff"].help_text = _("%(booked)d booked (at most %(limit)d).") % {
            "booked": booking.accompanying_staff,
            "limit": limit_s,
        }

    @staticmethod
    def initial_for(booking: Booking) -> dict:
        """What the form shows before anything is posted: what was recorded, else "the group came"."""
        if booking.attendance_recorded_at is None:
            return {"presence": AttendanceForm.PRESENT}
        return {
            "presence": AttendanceForm.ABSENT
            if booking.status == BookingStatus.ABSENT
            else AttendanceForm.PRESENT,
            "present_participants": booking.present_participants,
            "present_staff": booking.present_staff,
        }

    def entry(self) -> AttendanceEntry:
        data = self.cleaned_data
        return AttendanceEntry(
            booking=self.booking,
            absent=data["presence"] == self.ABSENT,
            present_participants=data["present_participants"],
            present_staff=data["present_staff"],
        )


def attendance_forms(bookings: list[Booking], data=None) -> list[AttendanceForm]:
    """One form per group, each with its own prefix; bound to `data` when given, else showing what
    was recorded."""
    if data is not None:
        return [AttendanceForm(data, booking=b, prefix=f"b{b.pk}") for b in bookings]
    return [
        AttendanceForm(initial=AttendanceForm.initial_for(b), booking=b, prefix=f"b{b.pk}") for b in bookings
    ]


def show_sheet_errors(forms_list: list[AttendanceForm], error: AttendanceSheetError) -> None:
    """Each refusal of the sheet at its group's field."""
    for form in forms_list:
        refusal = error.errors.get(form.booking.pk)
        if refusal is not None:
            form.add_error(refusal.field, refusal.message)
