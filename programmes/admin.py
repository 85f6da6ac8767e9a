"""Admin for museum staff: exhibitions, offers, sessions and co-built projects.

Sessions have their own admin in `bookings/admin_sessions.py` (their seats, bookings and
cancellation belong to the bookings app). The forms check the rules the database also holds, so
that a mistake shows as a message at the field instead of an error page.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.validators import MinValueValidator
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from common.admin import ContentChangedAdmin

from .models import AccessibilityOption, Exhibition, Offer, Project, Session
from .services import booking_deadline_moved, session_create, session_problems

# ---------------------------------------------------------------------------------------------
# Forms: the database constraints, as messages at the field
# ---------------------------------------------------------------------------------------------


def _check_period(
    form: forms.ModelForm, start_field: str = "start_date", end_field: str = "end_date"
) -> None:
    start = form.cleaned_data.get(start_field)
    end = form.cleaned_data.get(end_field)
    if start and end and end < start:
        form.add_error(end_field, _("The end date must be on or after the start date."))


class ExhibitionForm(forms.ModelForm):
    class Meta:
        model = Exhibition
        fields = "__all__"  # noqa: DJ007 - the admin picks the fields from its fieldsets

    def clean(self):
        cleaned = super().clean()
        _check_period(self)
        return cleaned


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = "__all__"  # noqa: DJ007 - the admin picks the fields from its fieldsets

    def clean(self):
        cleaned = super().clean()
        _check_period(self)
        return cleaned


class OfferForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = "__all__"  # noqa: DJ007 - the admin picks the fields from its fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("duration_minutes", "min_group_size", "max_group_size", "participants_per_staff"):
            if name in self.fields:
                self.fields[name].min_value = 1
                self.fields[name].widget.attrs["min"] = 1
                self.fields[name].validators.append(MinValueValidator(1))

    def clean(self):
        cleaned = super().clean()
        smallest = cleaned.get("min_group_size")
        largest = cleaned.get("max_group_size")
        if smallest and largest and largest < smallest:
            self.add_error("max_group_size", _("The maximum group size cannot be smaller than the minimum."))
        return cleaned


class SessionForm(forms.ModelForm):
    """Staff may leave the end and the booking deadline empty: they follow from the offer.

    The defaults are the offer's (`Offer.session_end`, `Offer.booking_deadline_for`) and the checks
    the services' (`session_problems`), shown at their field.
    """

    class Meta:
        model = Session
        fields = "__all__"  # noqa: DJ007 - the admin picks the fields from its fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("end", "booking_deadline"):
            if name in self.fields:
                self.fields[name].required = False
        if "end" in self.fields:
            self.fields["end"].help_text = _("Leave empty to use the duration of the offer.")
        if "booking_deadline" in self.fields:
            self.fields["booking_deadline"].help_text = _(
                "Leave empty to use the booking deadline of the offer."
            )
        if "capacity" in self.fields:
            self.fields["capacity"].widget.attrs["min"] = 1

        # What the session was, to move its booking deadline with it when only the start moves.
        self._saved = (self.instance.start, self.instance.booking_deadline) if self.instance.pk else None

    def _offer(self) -> Offer | None:
        offer = self.cleaned_data.get("offer")
        if offer is None and self.instance.offer_id:
            offer = self.instance.offer
        return offer

    def clean(self):
        cleaned = super().clean()
        start = cleaned.get("start")
        offer = self._offer()
        if start is None:
            return cleaned
        if "end" in self.fields and not cleaned.get("end") and "end" not in self.errors:
            if offer is not None:
                cleaned["end"] = offer.session_end(start)
            else:
                self.add_error("end", _("Give the end of the session."))
        if (
            "booking_deadline" in self.fields
            and not cleaned.get("booking_deadline")
            and ("booking_deadline" not in self.errors)
        ):
            cleaned["booking_deadline"] = offer.booking_deadline_for(start) if offer is not None else start
        elif self._saved and cleaned.get("booking_deadline") == self._saved[1] and start != self._saved[0]:
            # The session moves and staff left the deadline as it was: it moves with the session.
            cleaned["booking_deadline"] = booking_deadline_moved(
                old_start=self._saved[0], old_deadline=self._saved[1], start=start
            )
        for problem in session_problems(
            start=start,
            end=cleaned.get("end"),
            booking_deadline=cleaned.get("booking_deadline"),
            place=cleaned.get("place"),
            capacity=cleaned.get("capacity"),
        ):
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)
        return cleaned


class NewSessionFormSet(BaseInlineFormSet):
    """The new sessions typed in on an offer's page are created by `session_create`."""

    by = None  # who is typing them in: set by the inline for each request

    def save_new(self, form, commit=True):
        data = form.cleaned_data
        return session_create(
            offer=self.instance,
            start=data["start"],
            end=data.get("end"),
            place=data["place"],
            capacity=data["capacity"],
            booking_deadline=data.get("booking_deadline"),
            by=self.by,
        )


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Admin classes
# ---------------------------------------------------------------------------------------------


@admin.register(AccessibilityOption)
class AccessibilityOptionAdmin(admin.ModelAdmin):
    """The list of features is fixed by the code (its labels are translated): staff only read it."""

    list_display = ["__str__", "code"]
    search_fields = ["code"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Exhibition)
class ExhibitionAdmin(ContentChangedAdmin):
    form = ExhibitionForm
    list_display = ["title", "kind", "start_date", "end_date"]
    list_filter = ["kind", "start_date"]
    search_fields = ["title", "description"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "start_date"


class SessionInline(admin.TabularInline):
    """The offer's sessions, to read; each one is changed or cancelled from its own page, whose
    services tell the booked partners and the mediators."""

    model = Session
    extra = 0
    fields = ["start", "end", "place", "capacity", "booking_deadline", "status"]
    readonly_fields = fields
    show_change_link = True
    ordering = ["-start"]
    verbose_name_plural = _("sessions (open one to change or cancel it)")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NewSessionInline(admin.TabularInline):
    """New sessions of the offer, typed in on the offer's page."""

    model = Session
    form = SessionForm
    formset = NewSessionFormSet
    extra = 0
    fields = ["start", "end", "place", "capacity", "booking_deadline"]
    verbose_name = _("new session")
    verbose_name_plural = _("add sessions")

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)  # a class made for this request
        formset.by = request.user
        return formset

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Offer)
class OfferAdmin(ContentChangedAdmin):
    form = OfferForm
    list_display = [
        "title",
        "kind",
        "formula",
        "audience",
        "duration_minutes",
        "max_group_size",
        "exhibition",
        "requires_abc_training",
        "is_published",
    ]
    list_filter = ["kind", "audience", "is_published", "requires_abc_training", "exhibition", "accessibility"]
    list_select_related = ["exhibition"]
    search_fields = ["title", "formula", "summary", "description"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["accessibility"]
    inlines = [SessionInline, NewSessionInline]
    readonly_fields = ["created_at"]
    fieldsets = (
        (None, {"fields": ("title", "slug", "kind", "formula", "audience", "exhibition", "is_published")}),
        (
            _("Texts"),
            {"fields": ("summary", "description", "easy_read_summary", "meeting_point", "what_to_bring")},
        ),
        (
            _("Groups and rules"),
            {
                "fields": (
                    "duration_minutes",
                    "min_group_size",
                    "max_group_size",
                    "participants_per_staff",
                    "booking_deadline_hours",
                    "cancellation_deadline_hours",
                    "requires_abc_training",
                )
            },
        ),
        (_("Accessibility"), {"fields": ("accessibility",)}),
        (None, {"fields": ("created_at",)}),
    )


@admin.register(Project)
class ProjectAdmin(ContentChangedAdmin):
    form = ProjectForm
    list_display = ["name", "start_date", "end_date", "exhibition", "patron", "partner_names"]
    list_filter = ["exhibition", "start_date", "partners__kind"]
    list_select_related = ["exhibition"]
    search_fields = ["name", "description", "patron", "partners__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["partners"]
    readonly_fields = ["created_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("partners")

    @admin.display(description=_("partners"))
    def partner_names(self, obj: Project) -> str:
        return ", ".join(p.name for p in obj.partners.all()) or "—"


# The mediators' and the season's admin register their own models (ClosingDay, unavailabilities).
from . import admin_mediators, admin_season  # noqa: E402, F401, I001
