"""Admin for museum staff: bookings, their attendance history, and the partners' project requests.

Bookings are made, changed and cancelled through the portal, whose services lock the session and
count the seats: here, the fields that take seats (status, participants, staff, attendance) are
read-only, so that staff cannot overbook a session by accident. Staff may correct the contact and
the notes of a booking.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.admin import WhenFilter
from partners.admin import structure_field_filter

from .enums import RequestStatus
from .models import AttendanceChange, Booking, ProjectRequest, Reminder, ReminderPolicy
from .services import BookingError, request_answer

ANSWER_FIELDS = {"status", "answer"}


class SessionStartFilter(WhenFilter):
    title = _("session")
    start_field = "session__start"

    def lookups(self, request, model_admin):
        return [("upcoming", _("Upcoming sessions")), ("past", _("Past sessions"))]


SEAT_FIELDS = [
    "session",
    "structure",
    "attendee",
    "booked_by",
    "status",
    "participants",
    "accompanying_staff",
    "wheelchair_users",
    "present_participants",
    "present_staff",
    "attendance_recorded_at",
    "waitlist_offer_expires_at",
    "created_at",
    "updated_at",
    "cancelled_at",
    "free_text_cleared_at",
]


class AttendanceChangeInline(admin.TabularInline):
    model = AttendanceChange
    extra = 0
    can_delete = False
    fields = [
        "changed_at",
        "changed_by",
        "old_status",
        "new_status",
        "old_participants",
        "new_participants",
        "old_staff",
        "new_staff",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("changed_by")


@admin.register(Booking)
class BookingAdmin(SimpleHistoryAdmin):
    list_display = [
        "structure",
        "session",
        "status",
        "participants",
        "accompanying_staff",
        "present_participants",
        "present_staff",
        "created_at",
    ]
    list_filter = [
        "status",
        SessionStartFilter,
        "session__offer__kind",
        "session__offer__exhibition",
        structure_field_filter("structure__"),
        "structure__kind",
        "structure__departement",
        "created_at",
    ]
    list_select_related = ["structure", "session__offer"]
    search_fields = [
        "structure__name",
        "structure__city",
        "session__offer__title",
        "contact_name",
        "attendee__email",
        "booked_by__email",
    ]
    date_hierarchy = "created_at"
    readonly_fields = SEAT_FIELDS
    filter_horizontal = ["accessibility_needs"]
    inlines = [AttendanceChangeInline]
    fieldsets = (
        (
            _("Booking (changed through the portal, which checks the seats)"),
            {
                "fields": (
                    "session",
                    "structure",
                    "attendee",
                    "booked_by",
                    "status",
                    "participants",
                    "accompanying_staff",
                    "wheelchair_users",
                    "waitlist_offer_expires_at",
                )
            },
        ),
        (
            _("Contact and needs"),
            {
                "fields": (
                    "contact_name",
                    "contact_phone",
                    "accessibility_needs",
                    "accessibility_notes",
                    "comment",
                )
            },
        ),
        (
            _("Attendance"),
            {"fields": ("present_participants", "present_staff", "attendance_recorded_at")},
        ),
        (
            _("Dates"),
            {"fields": ("created_at", "updated_at", "cancelled_at", "free_text_cleared_at")},
        ),
    )

    def has_add_permission(self, request):
        # A booking takes seats: it is made in the portal, whose services count them under a lock.
        return False

    def has_delete_permission(self, request, obj=None):
        # Bookings are cancelled, never deleted: the figures of people accompanied rely on them.
        return False


@admin.register(AttendanceChange)
class AttendanceChangeAdmin(admin.ModelAdmin):
    """The audit trail of attendance: read-only."""

    list_display = [
        "booking",
        "changed_at",
        "changed_by",
        "old_status",
        "new_status",
        "old_participants",
        "new_participants",
        "old_staff",
        "new_staff",
    ]
    list_filter = ["new_status", "changed_at"]
    list_select_related = ["booking__structure", "booking__session__offer", "changed_by"]
    search_fields = ["booking__structure__name", "changed_by__email"]
    date_hierarchy = "changed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ProjectRequestForm(forms.ModelForm):
    class Meta:
        model = ProjectRequest
        fields = "__all__"  # noqa: DJ007 - the admin picks the fields from its fieldsets

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "participants" in self.fields:
            self.fields["participants"].min_value = 1
            self.fields["participants"].widget.attrs["min"] = 1
            self.fields["participants"].validators.append(MinValueValidator(1))

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and ANSWER_FIELDS & set(self.changed_data):
            # The same rules as bookings.services.request_answer, as messages at the field.
            if cleaned.get("status") == RequestStatus.NEW:
                self.add_error("status", _("Choose the answer: in discussion, accepted or declined."))
            elif not (cleaned.get("answer") or "").strip():
                self.add_error("answer", _("Write the answer: it is emailed to the structure."))
        start = cleaned.get("wished_start")
        end = cleaned.get("wished_end")
        if start and end and end < start:
            self.add_error("wished_end", _("The end of the wished period must be on or after its start."))
        return cleaned


REQUEST_FIELDS = [
    "structure",
    "created_by",
    "kind",
    "wished_start",
    "wished_end",
    "participants",
    "group_description",
    "goals",
    "exhibition",
]


@admin.register(ProjectRequest)
class ProjectRequestAdmin(admin.ModelAdmin):
    form = ProjectRequestForm
    list_display = ["structure", "kind", "wished_start", "wished_end", "participants", "status", "created_at"]
    list_filter = ["status", "kind", "exhibition", structure_field_filter("structure__"), "structure__kind"]
    list_select_related = ["structure"]
    search_fields = ["structure__name", "group_description", "goals", "answer"]
    date_hierarchy = "created_at"
    autocomplete_fields = ["structure", "project", "sessions"]
    fieldsets = (
        (
            _("The request"),
            {
                "fields": (*REQUEST_FIELDS, "created_at"),
            },
        ),
        (
            _("Our answer"),
            {"fields": ("status", "answer", "project", "sessions", "answered_by", "answered_at")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        answer_trail = ["created_by", "answered_by", "answered_at", "created_at"]
        if obj is None:
            # Staff may note a request made by phone: every field of the request is open.
            return answer_trail
        # What the partner asked is theirs; staff write the answer.
        return [*REQUEST_FIELDS, *answer_trail[1:]]

    def save_model(self, request, obj, form, change):
        """An answer (status and text) goes through `bookings.services.request_answer`, which records
        who answered and emails the structure's coordinators; the rest is saved as it is."""
        if not change:
            if obj.created_by_id is None:
                obj.created_by = request.user
            super().save_model(request, obj, form, change)
            return
        changed = set(form.changed_data)
        if changed & ANSWER_FIELDS:
            try:
                saved = request_answer(
                    request=obj, status=obj.status, answer=obj.answer, answered_by=request.user
                )
            except BookingError as exc:  # the form checks the same rules: only a race gets here
                self.message_user(request, str(exc), level=messages.ERROR)
                return
            obj.answered_by, obj.answered_at = saved.answered_by, saved.answered_at
        if "project" in changed:
            obj.save(update_fields=["project"])


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    """How many days before a session its bookings are reminded, per offer kind (bookings/reminders.py)."""

    list_display = ["offer_kind", "first_days_before", "last_days_before"]
    fields = ["offer_kind", "first_days_before", "last_days_before"]


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    """The reminders planned, one per (booking, kind): read-only, the record of what was sent."""

    list_display = ["booking", "kind", "due_at", "queued_at"]
    list_filter = ["kind", "queued_at"]
    search_fields = ["booking__structure__name", "booking__session__offer__title"]
    list_select_related = ["booking__structure", "booking__session__offer"]
    readonly_fields = ["booking", "kind", "due_at", "queued_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Sessions are registered with their seats and bookings in their own module.
from . import admin_sessions  # noqa: E402, F401, I001
