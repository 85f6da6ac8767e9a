"""The booking form's plain Bootstrap markup: what crispy forms wrote, as accessible, cheaper to render.

Every input has its label, names its help text and its errors in aria-describedby, says it is
invalid, and shows its errors where Bootstrap displays them (after an `.is-invalid` input); the
checkboxes are a fieldset with a legend. The form's own widgets write exactly what Django's widget
templates write, and the change page (still rendered by crispy forms) is unchanged.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from crispy_forms.utils import render_crispy_form
from django import forms
from django.forms.boundfield import BoundField
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from bookings.forms import BookingForm, NumberInput, Textarea, TextInput
from programmes.enums import AccessibilityFeature
from programmes.models import AccessibilityOption

from .conftest import form_data

pytestmark = pytest.mark.django_db

VOID = {"input", "br", "img", "link", "meta", "hr"}


class Elements(HTMLParser):
    """Each element of the page with an id (its tag, attributes and text), and every label's `for`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict] = {}
        self.labels: dict[str, str] = {}
        self.checkboxes: list[dict] = []
        self._open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": dict(attrs), "text": ""}
        if "id" in element["attrs"]:
            self.by_id[element["attrs"]["id"]] = element
        if tag == "input" and element["attrs"].get("type") == "checkbox":
            self.checkboxes.append(element["attrs"])
        if tag not in VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        if self._open and self._open[-1]["tag"] == tag:
            element = self._open.pop()
            if tag == "label" and "for" in element["attrs"]:
                self.labels[element["attrs"]["for"]] = " ".join(element["text"].split())

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data


def page(response) -> Elements:
    parser = Elements()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def needs():
    for code in AccessibilityFeature.values:
        AccessibilityOption.objects.get_or_create(code=code)
    return list(AccessibilityOption.objects.all())


def test_post_form_field_with_an_error_is_tied_to_it(logged_in, session):
    response = logged_in.post(
        reverse("bookings:create", args=[session.pk]), {**form_data(participants=2), "action": "book"}
    )

    html = page(response)
    field = html.by_id["id_participants"]["attrs"]
    assert field["class"].split() == ["form-control", "is-invalid"]
    assert field["aria-invalid"] == "true"
    assert field["aria-describedby"] == "id_participants_helptext id_participants_error"
    assert (field["name"], field["value"], field["min"], field["max"]) == ("participants", "2", "1", "500")
    error = html.by_id["id_participants_error"]
    assert error["attrs"]["class"] == "invalid-feedback"
    assert error["text"].strip() == gettext("This offer is for groups of at least %(min)d participants.") % {
        "min": 4
    }
    assert html.by_id["id_participants_helptext"]["text"] == gettext(
        "The people you accompany, without the accompanying staff: from %(min)d to %(max)d."
    ) % {"min": 4, "max": 20}
    assert html.labels["id_participants"] == gettext("Number of participants") + "*"


def test_post_form_fields_without_errors_are_plain(logged_in, session):
    response = logged_in.post(
        reverse("bookings:create", args=[session.pk]), {**form_data(participants=2), "action": "book"}
    )

    html = page(response)
    staff = html.by_id["id_accompanying_staff"]["attrs"]
    phone = html.by_id["id_contact_phone"]["attrs"]
    comment = html.by_id["id_comment"]
    assert staff["class"] == "form-control"
    assert "aria-invalid" not in staff
    assert staff["aria-describedby"] == "id_accompanying_staff_helptext"
    assert "id_accompanying_staff_error" not in html.by_id
    assert (phone["autocomplete"], phone["inputmode"], phone["value"]) == ("tel", "tel", "06 00 00 00 00")
    assert (comment["tag"], comment["attrs"]["rows"], comment["attrs"]["class"]) == (
        "textarea",
        "3",
        "form-control",
    )
    assert "aria-describedby" not in comment["attrs"]  # no help text, no error: nothing to describe it
    assert html.labels["id_comment"] == gettext("Comment for the museum")  # optional: no asterisk
    assert html.labels["id_contact_name"] == gettext("Contact person on the day") + "*"


def test_post_form_checkboxes_are_a_described_fieldset_and_keep_their_ticks(logged_in, session, needs):
    ticked = needs[1]

    response = logged_in.post(
        reverse("bookings:create", args=[session.pk]),
        {**form_data(participants=2), "accessibility_needs": [ticked.pk], "action": "book"},
    )

    html = page(response)
    content = response.content.decode()
    fieldset = content[content.index("<fieldset") : content.index("</fieldset>")]
    assert 'aria-describedby="id_accessibility_needs_helptext"' in fieldset
    assert f'<legend class="form-label fs-6">{escape(gettext("Accessibility needs"))}</legend>' in fieldset
    assert [box["value"] for box in html.checkboxes] == [str(option.pk) for option in needs]
    assert [box["value"] for box in html.checkboxes if "checked" in box] == [str(ticked.pk)]
    assert {html.labels[box["id"]] for box in html.checkboxes} == {str(option) for option in needs}
    assert html.by_id["id_accessibility_needs_helptext"]["text"] == gettext(
        "Tick what the group needs: the mediator prepares the visit accordingly."
    )


def test_post_form_checkbox_error_is_tied_to_the_fieldset(logged_in, session, needs):
    response = logged_in.post(
        reverse("bookings:create", args=[session.pk]),
        {**form_data(), "accessibility_needs": ["999999"], "action": "book"},
    )

    html = page(response)
    content = response.content.decode()
    assert 'aria-describedby="id_accessibility_needs_helptext id_accessibility_needs_error"' in content
    assert all("is-invalid" in box["class"].split() for box in html.checkboxes)
    assert html.by_id["id_accessibility_needs_error"]["text"].strip()


def test_post_form_rule_without_a_field_is_shown_above_the_fields(logged_in, session, structure):
    # Joining the waiting list of a session that has seats for the group: a rule of no one field.
    response = logged_in.post(
        reverse("bookings:create", args=[session.pk]), {**form_data(), "action": "waitlist"}
    )

    content = response.content.decode()
    start = content.index('<div class="alert alert-block alert-danger">')
    alert = content[start : content.index("</div>", start)]
    message = gettext("There are enough seats left for your group: book them directly.")
    assert f"<li>{escape(message)}</li>" in alert
    assert content.index("<form") < start < content.index('id="id_participants"')
    assert "<title>" + gettext("Error:") in content


# --- The widgets -------------------------------------------------------------------------------------

PHONE = {"autocomplete": "tel", "inputmode": "tel"}
VALUES = [None, "", 0, 12, "a\"<b>&'", "deux\nlignes", mark_safe("<i>déjà sûr</i>"), "  "]
ATTRS = [
    None,
    {
        "id": "id_x",
        "required": True,
        "disabled": False,
        "aria-describedby": "a b",
        "class": "form-control is-invalid",
        "min": 1,
        "max": None,
        "data-x": "\"'<>&",
    },
]


@pytest.mark.parametrize(
    "ours, django",
    [
        (NumberInput(), forms.NumberInput()),
        (TextInput(attrs=PHONE), forms.TextInput(attrs=PHONE)),
        (Textarea(attrs={"rows": 3}), forms.Textarea(attrs={"rows": 3})),
    ],
)
def test_post_form_widgets_write_what_django_templates_write(ours, django):
    for value in VALUES:
        for attrs in ATTRS:
            assert ours.render('na"me', value, attrs) == django.render('na"me', value, attrs)


DJANGO_WIDGETS = [(NumberInput, forms.NumberInput), (TextInput, forms.TextInput), (Textarea, forms.Textarea)]


def _with_django_widgets(form: BookingForm) -> BookingForm:
    """The same form with Django's own widgets and bound fields, as before the plain markup."""
    for field in form.fields.values():
        for ours, django in DJANGO_WIDGETS:
            if type(field.widget) is ours:
                widget = django(attrs=dict(field.widget.attrs))
                widget.is_required = field.widget.is_required
                field.widget = widget
    form.bound_field_class = BoundField
    return form


def test_post_form_crispy_rendering_of_the_change_page_is_unchanged(session, needs):
    data = {**form_data(participants=2, contact_phone="pas un numéro"), "accessibility_needs": [needs[0].pk]}
    ours = BookingForm(data, offer=session.offer)
    django = _with_django_widgets(BookingForm(data, offer=session.offer))

    assert not ours.is_valid() and not django.is_valid()
    assert render_crispy_form(ours) == render_crispy_form(django)
    assert 'class="numberinput form-control"' in render_crispy_form(ours)
