"""Forms of the partners' space: booking a session, changing it, asking for a project ("Pensez-y !").

Forms check the shape of what was typed; the rules (group size, seats, deadlines...) live in
services.py, whose messages the views attach to the right field.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q
from django.forms.boundfield import BoundField
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from programmes.models import AccessibilityOption, Exhibition, Offer

from .enums import RequestKind
from .models import Booking
from .services import Group

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 .()-]{5,28}$",
    _("Enter a phone number with digits only, for example 06 12 34 56 78."),
)


class _OneQueryChoiceIterator(ModelChoiceIterator):
    """The options in one plain query: the default's `.iterator()` opens a server-side cursor on
    PostgreSQL (DECLARE, FETCH, CLOSE: three round trips) for what is a handful of rows."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


class AccessibilityChoiceField(forms.ModelMultipleChoiceField):
    iterator = _OneQueryChoiceIterator

    def label_from_instance(self, obj: AccessibilityOption) -> str:
        return str(obj)


# --- Fast, plain rendering of the booking form ---------------------------------------------------
# The booking page is shown again to every refused request (session full, already booked): rendering
# each input through Django's widget templates cost a third of that page. These widgets write the very
# same markup as django/forms/widgets/input.html, attrs.html and textarea.html, in Python.


def _attrs_html(attrs: dict) -> str:
    # As attrs.html: False leaves the attribute out, True writes its bare name.
    return "".join(
        format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value)
        for name, value in attrs.items()
        if value is not False
    )


class _DirectInputMixin:
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = format_html('<input type="{}" name="{}"', widget["type"], widget["name"])
        if widget["value"] is not None:
            html += format_html(' value="{}"', widget["value"])
        return mark_safe(html + _attrs_html(widget["attrs"]) + ">")  # noqa: S308 - every part escaped above


class TextInput(_DirectInputMixin, forms.TextInput):
    pass


class NumberInput(_DirectInputMixin, forms.NumberInput):
    pass


class Textarea(forms.Textarea):
    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = format_html('<textarea name="{}"', widget["name"]) + _attrs_html(widget["attrs"]) + ">\n"
        if widget["value"]:
            html += format_html("{}", widget["value"])
        return mark_safe(html + "</textarea>")  # noqa: S308 - every part escaped above


class BootstrapBoundField(BoundField):
    """A field whose text, number and textarea inputs carry Bootstrap's classes by themselves.

    `form-control`, plus `is-invalid` when the field has errors (Bootstrap shows a field's
    `.invalid-feedback` only after an `.is-invalid` input). The booking page renders its form with
    plain markup and `{{ field }}` (crispy forms cost most of the page's time); the classes are
    merged with those already on the widget, so a crispy rendering of the same form is unchanged.
    """

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, (forms.TextInput, forms.NumberInput, forms.Textarea)):
            classes = (attrs.get("class") or widget.attrs.get("class", "")).split()
            wanted = ["form-control", "is-invalid"] if self.errors else ["form-control"]
            attrs["class"] = " ".join(classes + [name for name in wanted if name not in classes])
        return attrs


class BookingForm(forms.Form):
    """The group and its needs. For relais offers (booked per person) the group fields are left out."""

    bound_field_class = BootstrapBoundField

    participants = forms.IntegerField(
        label=_("Number of participants"),
        min_value=1,
        max_value=500,
        widget=NumberInput,
        help_text=_("The people you accompany, without the accompanying staff."),
    )
    accompanying_staff = forms.IntegerField(
        label=_("Number of accompanying staff"),
        min_value=0,
        max_value=100,
        initial=0,
        widget=NumberInput,
        help_text=_("The professionals who come with the group."),
    )
    wheelchair_users = forms.IntegerField(
        label=_("Of whom, people in a wheelchair"),
        min_value=0,
        max_value=100,
        initial=0,
        widget=NumberInput,
        required=False,
    )
    accessibility_needs = AccessibilityChoiceField(
        label=_("Accessibility needs"),
        queryset=AccessibilityOption.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick what the group needs: the mediator prepares the visit accordingly."),
    )
    accessibility_notes = forms.CharField(
        label=_("Other needs"),
        widget=Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=_("Describe needs only, never the names of the people you accompany."),
    )
    contact_name = forms.CharField(
        label=_("Contact person on the day"),
        max_length=150,
        widget=TextInput(attrs={"autocomplete": "name"}),
    )
    contact_phone = forms.CharField(
        label=_("Their phone number"),
        max_length=30,
        validators=[phone_validator],
        widget=TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("A mobile number we can call on the day, for example 06 12 34 56 78."),
    )
    comment = forms.CharField(
        label=_("Comment for the museum"),
        widget=Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )

    def __init__(self, *args, offer: Offer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.offer = offer
        if offer.is_per_person:
            for name in ("participants", "accompanying_staff", "wheelchair_users"):
                del self.fields[name]
        else:
            self.fields["participants"].help_text = _(
                "The people you accompany, without the accompanying staff: from %(min)d to %(max)d."
            ) % {"min": offer.min_group_size, "max": offer.max_group_size}
            if offer.participants_per_staff:
                self.fields["accompanying_staff"].help_text = _(
                    "At least one professional for every %(ratio)d participants."
                ) % {"ratio": offer.participants_per_staff}

    def group(self) -> Group:
        """The group as the services take it (for relais offers: one participant, no staff)."""
        data = self.cleaned_data
        per_person = self.offer.is_per_person
        return Group(
            participants=1 if per_person else data["participants"],
            accompanying_staff=0 if per_person else data["accompanying_staff"],
            wheelchair_users=0 if per_person else data.get("wheelchair_users") or 0,
            accessibility_needs=tuple(data["accessibility_needs"]),
            accessibility_notes=data["accessibility_notes"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            comment=data["comment"],
        )

    @classmethod
    def initial_from(cls, booking: Booking) -> dict:
        return {
            "participants": booking.participants,
            "accompanying_staff": booking.accompanying_staff,
            "wheelchair_users": booking.wheelchair_users,
            "accessibility_needs": list(booking.accessibility_needs.all()),
            "accessibility_notes": booking.accessibility_notes,
            "contact_name": booking.contact_name,
            "contact_phone": booking.contact_phone,
            "comment": booking.comment,
        }


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProjectRequestForm(forms.Form):
    """ "Pensez-y !": a co-built cycle or a date outside the calendar."""

    kind = forms.ChoiceField(
        label=_("What would you like?"), choices=RequestKind.choices, widget=forms.RadioSelect
    )
    wished_start = forms.DateField(label=_("Wished period: from"), widget=DateInput())
    wished_end = forms.DateField(label=_("Wished period: to"), widget=DateInput())
    participants = forms.IntegerField(label=_("Number of participants expected"), min_value=1, max_value=1000)
    group_description = forms.CharField(
        label=_("Tell us about the group"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=3000,
        help_text=_("Age, language, needs, what they know of museums... Never the names of the people."),
    )
    goals = forms.CharField(
        label=_("Your goals"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=3000,
        help_text=_("What you would like the group to experience or learn."),
    )
    exhibition = forms.ModelChoiceField(
        label=_("Exhibition of interest"),
        queryset=Exhibition.objects.none(),
        required=False,
        empty_label=_("No exhibition in particular"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["exhibition"].queryset = Exhibition.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gte=today)
        ).order_by("kind", "title")

    def clean(self) -> dict:
        data = super().clean()
        start: dt.date | None = data.get("wished_start")
        end: dt.date | None = data.get("wished_end")
        if start and start <= timezone.localdate():
            self.add_error("wished_start", _("The wished period must start after today."))
        if start and end and end < start:
            self.add_error("wished_end", _("The end of the wished period must be on or after its start."))
        return data
