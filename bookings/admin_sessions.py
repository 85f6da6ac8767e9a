"""Admin of sessions: their seats, their bookings, their mediators, their changes and cancellation.

It lives in the bookings app because a session's page shows its bookings and seats, and because
changing or cancelling a session goes through `bookings.sessions` (the booked partners, the waiting
list and the mediators are told). The form's defaults and checks are the programme's (SessionForm).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import admin, messages
from django.db import models
from django.db.models import Exists, F, OuterRef, Prefetch
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from common.admin import WhenFilter, run_with_reason
from partners.models import MEDIATORS_GROUP, User
from programmes.admin import SessionForm
from programmes.admin_mediators import AssignmentInline
from programmes.enums import SessionStatus
from programmes.models import Assignment, Session, UnstaffedSession
from programmes.services import ProgrammeError, session_create

from .enums import SEATED_STATUSES
from .models import Booking
from .sessions import session_cancel, session_update

SCHEDULE_FIELDS = {"start", "end", "place", "capacity", "booking_deadline"}


class SessionChangeForm(SessionForm):
    """The programme's session form, and a capacity never below the seats already taken (as read
    with the page; `session_update` checks it again under the session's lock)."""

    def clean(self):
        cleaned = super().clean()
        capacity = cleaned.get("capacity")
        if self.instance.pk and capacity:
            error = self.instance.capacity_error(capacity)
            if error:
                self.add_error("capacity", error)
        return cleaned


class StaffedFilter(admin.SimpleListFilter):
    title = _("mediator assigned")
    parameter_name = "staffed"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No mediator yet"))]

    def queryset(self, request, queryset):
        # Exists, not a join: a join would repeat each session once per mediator.
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
        mediators = User.objects.filter(groups__name=MEDIATORS_GROUP).order_by("last_name", "first_name")
        return [(str(user.pk), user.get_full_name() or user.email) for user in mediators]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            assigned = Assignment.objects.filter(session=OuterRef("pk"), mediator_id=int(self.value()))
            return queryset.filter(Exists(assigned))
        return queryset


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
    form = SessionChangeForm
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
        return (
            super()
            .get_queryset(request)
            .select_related("offer", "project")
            .prefetch_related(
                Prefetch("mediators", queryset=_mediator_queryset()),
            )
        )

    @admin.display(description=_("seats taken"), ordering="seats_taken")
    def seats_taken_display(self, obj: Session) -> int | str:
        return obj.seats_taken if obj.pk else "—"

    @admin.display(description=_("seats left"), ordering=F("capacity") - F("seats_taken"))
    def seats_left_display(self, obj: Session) -> int | str:
        if not obj.pk:
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

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except ProgrammeError as exc:  # the same session was created meanwhile: nothing was saved
            self.message_user(request, str(exc), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        """A new session is made by `session_create`. A change of time, place, capacity or deadline
        goes through `session_update`: it checks the seats and the mediators' schedules, raises the
        revision and tells the people concerned."""
        if not change:
            created = session_create(
                offer=obj.offer,
                start=obj.start,
                end=obj.end,
                place=obj.place,
                capacity=obj.capacity,
                booking_deadline=obj.booking_deadline,
                project=obj.project,
                by=request.user,
            )
            # The admin goes on with `obj` (its mediators' inline, its history, the redirection).
            for field in Session._meta.concrete_fields:
                setattr(obj, field.attname, getattr(created, field.attname))
            obj._state.adding, obj._state.db = False, created._state.db
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
    return User.objects.only("id", "email", "first_name", "last_name")


# ---------------------------------------------------------------------------------------------
# Sessions with no mediator in the coming weeks
# ---------------------------------------------------------------------------------------------


class HorizonFilter(admin.SimpleListFilter):
    title = _("in the coming")
    parameter_name = "semaines"
    default_weeks = 6

    def lookups(self, request, model_admin):
        return [
            ("2", _("2 weeks")),
            ("4", _("4 weeks")),
            ("6", _("6 weeks (default)")),
            ("12", _("12 weeks")),
            ("all", _("any time")),
        ]

    def choices(self, changelist):
        for choice in super().choices(changelist):
            # "All" of the default filter is the 6 weeks; "any time" is its own choice.
            if choice["display"] == _("All"):
                continue
            if self.value() is None and choice.get("query_string", "").endswith(
                f"semaines={self.default_weeks}"
            ):
                choice["selected"] = True
            yield choice

    def queryset(self, request, queryset):
        value = self.value()
        if value == "all":
            return queryset
        weeks = int(value) if value and value.isdigit() and 0 < int(value) <= 52 else self.default_weeks
        return queryset.filter(start__lt=timezone.now() + dt.timedelta(weeks=weeks))


@admin.register(UnstaffedSession)
class UnstaffedSessionAdmin(admin.ModelAdmin):
    list_display = ["start", "offer", "place", "booked_groups", "assign_link"]
    list_display_links = None
    list_filter = [HorizonFilter, "offer__kind"]
    search_fields = ["offer__title", "place"]
    ordering = ["start"]

    def get_queryset(self, request):
        staffed = Exists(Assignment.objects.filter(session=OuterRef("pk")))
        return (
            super()
            .get_queryset(request)
            .filter(status=SessionStatus.PLANNED, start__gte=timezone.now())
            .exclude(staffed)
            .select_related("offer")
            .annotate(
                group_count=models.Count("bookings", filter=models.Q(bookings__status__in=SEATED_STATUSES))
            )
        )

    @admin.display(description=_("groups booked"), ordering="group_count")
    def booked_groups(self, obj) -> int:
        return obj.group_count

    @admin.display(description=_("assign"))
    def assign_link(self, obj) -> str:
        url = reverse("admin:programmes_session_change", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Assign a mediator"))

    # Reading this list is reading sessions: the same permission, not one of its own.
    def has_view_permission(self, request, obj=None):
        return (
            request.user.is_active
            and request.user.is_staff
            and request.user.has_perm("programmes.view_session")
        )

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
