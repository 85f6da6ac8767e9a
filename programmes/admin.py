"""Admin for museum staff: exhibitions, offers, sessions and co-built projects.

Cancelling a session goes through `programmes.services.session_cancel` (the partners and the
mediators are told). The forms check the rules the database also holds, so that a mistake shows as
a message at the field instead of an error page.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.core.validators import MinValueValidator
from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from bookings.models import Booking
from bookings.selectors import annotate_seats_taken, seats_taken
from partners.admin import run_with_reason
from partners.models import MEDIATORS_GROUP

from .admin_mediators import AssignmentInline
from .models import AccessibilityOption, Assignment, Exhibition, Offer, Project, Session
from .services import ProgrammeError, session_cancel, session_update

SCHEDULE_FIELDS = {"start", "end", "place", "capacity", "booking_deadline"}

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
    """Staff may leave the end and the booking deadline empty: they follow from the offer."""

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
            self.fields["capacity"].min_value = 1
            self.fields["capacity"].widget.attrs["min"] = 1
            self.fields["capacity"].validators.append(MinValueValidator(1))

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
            if offer is not None and offer.duration_minutes:
                cleaned["end"] = start + dt.timedelta(minutes=offer.duration_minutes)
            else:
                self.add_error("end", _("Give the end of the session."))
        if (
            "booking_deadline" in self.fields
            and not cleaned.get("booking_deadline")
            and ("booking_deadline" not in self.errors)
        ):
            hours = offer.booking_deadline_hours if offer is not None else 0
            cleaned["booking_deadline"] = start - dt.timedelta(hours=hours)
        elif self._saved and cleaned.get("booking_deadline") == self._saved[1] and start != self._saved[0]:
            # The session moves and staff left the deadline as it was: it moves with the session.
            cleaned["booking_deadline"] = self._saved[1] + (start - self._saved[0])
        capacity = cleaned.get("capacity")
        if self.instance.pk and capacity:
            taken = seats_taken(session_id=self.instance.pk)
            if capacity < taken:
                self.add_error(
                    "capacity",
                    _("%(taken)d seats are already booked: the capacity cannot be lower.") % {"taken": taken},
                )
        end = cleaned.get("end")
        if end is not None and end <= start:
            self.add_error("end", _("The session must end after it starts."))
        deadline = cleaned.get("booking_deadline")
        if deadline is not None and deadline > start:
            self.add_error(
                "booking_deadline", _("The booking deadline must be before the start of the session.")
            )
        return cleaned


# ---------------------------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------------------------


class WhenFilter(admin.SimpleListFilter):
    """Upcoming or past, by the session's start (`start_field` names it from the listed model)."""

    title = _("when")
    parameter_name = "when"
    start_field = "start"

    def lookups(self, request, model_admin):
        return [("upcoming", _("Upcoming")), ("past", _("Past"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "upcoming":
            return queryset.filter(**{f"{self.start_field}__gte": now})
        if self.value() == "past":
            return queryset.filter(**{f"{self.start_field}__lt": now})
        return queryset


class StaffedFilter(admin.SimpleListFilter):
    title = _("mediator assigned")
    parameter_name = "staffed"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No mediator yet"))]

    def queryset(self, request, queryset):
        # Exists, not a join: a join would multiply the bookings summed in the seats taken.
        staffed = Exists(Assignment.objects.filter(session=OuterRef("pk")))
        if self.value() == "yes":
            return queryset.filter(staffed)
        if self.value() == "no":
            return queryset.exclude(staffed)
        return queryset


class MediatorFilter(admin.SimpleListFilter):
    title = _("mediator")
    parameter_name = "mediator"

    def lookups(self, request, model_admin):
        from partners.models import User

        mediators = User.objects.filter(groups__name=MEDIATORS_GROUP).order_by("last_name", "first_name")
        return [(str(user.pk), user.get_full_name() or user.email) for user in mediators]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            assigned = Assignment.objects.filter(session=OuterRef("pk"), mediator_id=int(self.value()))
            return queryset.filter(Exists(assigned))
        return queryset


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
class ExhibitionAdmin(admin.ModelAdmin):
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
    extra = 0
    fields = ["start", "end", "place", "capacity", "booking_deadline"]
    verbose_name = _("new session")
    verbose_name_plural = _("add sessions")

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
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


class BookingInline(admin.TabularInline):
    """The bookings of a session. Seats change only through the portal (its services check capacity)."""

    model = Booking
    extra = 0
    fields = [
        "structure",
        "attendee",
        "status",
        "participants",
        "accompanying_staff",
        "wheelchair_users",
        "present_participants",
        "present_staff",
        "contact_name",
        "contact_phone",
    ]
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    verbose_name_plural = _("bookings (changed through the portal, which checks the seats)")

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("structure", "attendee")


@admin.register(Session)
class SessionAdmin(SimpleHistoryAdmin):
    form = SessionForm
    list_display = [
        "start",
        "offer",
        "place",
        "capacity",
        "seats_taken_display",
        "seats_left_display",
        "mediator_names",
        "status",
    ]
    list_filter = [
        WhenFilter,
        "status",
        "offer__kind",
        "offer__exhibition",
        StaffedFilter,
        MediatorFilter,
        "start",
        "offer",
    ]
    search_fields = ["offer__title", "offer__formula", "place", "project__name"]
    date_hierarchy = "start"
    autocomplete_fields = ["offer", "project"]
    readonly_fields = [
        "status",
        "cancellation_reason",
        "seats_taken_display",
        "seats_left_display",
        "sequence",
        "created_at",
        "updated_at",
    ]
    inlines = [AssignmentInline, BookingInline]
    actions = ["cancel_sessions"]
    fieldsets = (
        (None, {"fields": ("offer", "project", "start", "end", "place")}),
        (
            _("Seats"),
            {"fields": ("capacity", "booking_deadline", "seats_taken_display", "seats_left_display")},
        ),
        (
            _("Status (cancel with the action of the list)"),
            {"fields": ("status", "cancellation_reason", "sequence", "created_at", "updated_at")},
        ),
    )

    def get_queryset(self, request):
        return annotate_seats_taken(
            super()
            .get_queryset(request)
            .select_related("offer", "project")
            .prefetch_related(
                Prefetch("mediators", queryset=_mediator_queryset()),
            )
        )

    @admin.display(description=_("seats taken"), ordering="seats_taken")
    def seats_taken_display(self, obj: Session) -> int | str:
        return getattr(obj, "seats_taken", "—") if obj.pk else "—"

    @admin.display(description=_("seats left"), ordering="seats_left")
    def seats_left_display(self, obj: Session) -> int | str:
        if not obj.pk or getattr(obj, "seats_left", None) is None:
            return "—"
        if obj.seats_left <= 0:
            return format_html('<span class="seats-left-none">{}</span>', _("full"))
        return obj.seats_left

    @admin.display(description=_("mediators"))
    def mediator_names(self, obj: Session) -> str:
        return ", ".join(m.get_full_name() or m.email for m in obj.mediators.all()) or "—"

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            # A session keeps its offer (its bookings were made for it); a cancelled one is closed.
            readonly.append("offer")
            if obj.is_cancelled:
                readonly += ["project", "start", "end", "place", "capacity", "booking_deadline"]
        return readonly

    def save_model(self, request, obj, form, change):
        """A change of time, place, capacity or deadline goes through `session_update`: it checks the
        seats and the mediators' schedules, raises the revision and tells the people concerned."""
        if not change:
            super().save_model(request, obj, form, change)
            return
        changed = set(form.changed_data)
        if changed & SCHEDULE_FIELDS:
            try:
                saved = session_update(
                    session=obj,
                    start=obj.start,
                    end=obj.end,
                    place=obj.place,
                    capacity=obj.capacity,
                    booking_deadline=obj.booking_deadline,
                    by=request.user,
                )
            except ProgrammeError as exc:  # a booking or an assignment came in meanwhile
                self.message_user(request, str(exc), level=messages.ERROR)
                obj.refresh_from_db()
                return
            obj.sequence = saved.sequence
        others = [name for name in changed - SCHEDULE_FIELDS if name in {"project"}]
        if others:
            obj.save(update_fields=[*others, "updated_at"])

    @admin.action(description=_("Cancel the selected sessions…"))
    def cancel_sessions(self, request, queryset):
        return run_with_reason(
            self,
            request,
            queryset,
            action_name="cancel_sessions",
            title=_("Cancel sessions"),
            intro=_(
                "The structures that booked these sessions, the groups on the waiting list and the "
                "assigned mediators receive your reason by email. This cannot be undone."
            ),
            submit_label=_("Cancel the sessions"),
            apply=lambda session, reason: session_cancel(session=session, reason=reason),
            errors=(ProgrammeError,),
            done_message=lambda count: (
                ngettext("%(count)d session cancelled.", "%(count)d sessions cancelled.", count)
                % {"count": count}
            ),
        )


def _mediator_queryset():
    from partners.models import User

    return User.objects.only("id", "email", "first_name", "last_name")


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
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
