"""Admin for mediators: their assignment to sessions, their unavailabilities, and the sessions
that still have no mediator.

Owned by the mediators' work (issue 4); programmes/admin.py imports AssignmentInline from here and
puts it in the Session admin. Every change goes through `programmes.services`, so the admin keeps
the same rules as the rest of the portal (overlaps with the set-up margin, unavailabilities, emails).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bookings.enums import SEATED_STATUSES
from partners.models import MEDIATORS_GROUP

from . import services
from .enums import SessionStatus
from .models import Assignment, MediatorUnavailability, Session, UnstaffedSession


def _mediators():
    from partners.models import User

    return User.objects.filter(groups__name=MEDIATORS_GROUP, is_active=True).order_by(
        "last_name", "first_name"
    )


# ---------------------------------------------------------------------------------------------
# Assignments, inside the Session admin
# ---------------------------------------------------------------------------------------------


class AssignmentFormSet(BaseInlineFormSet):
    """Checks each new assignment with the services' rules; saves through mediator_assign/unassign."""

    def clean(self):
        super().clean()
        session = self.instance
        if session.start is None or session.end is None:
            return  # the session form shows its own errors
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            mediator = form.cleaned_data.get("mediator")
            if mediator is None:
                continue
            kept = form.instance.pk and "mediator" not in form.changed_data
            if kept and not self._session_moved():
                continue  # an assignment kept as it was, on a session that does not move
            if session.status == SessionStatus.CANCELLED and not form.instance.pk:
                form.add_error("mediator", _("This session is cancelled: no mediator can be assigned to it."))
                continue
            conflict = services.mediator_conflict(
                mediator=mediator, start=session.start, end=session.end, exclude_session_id=session.pk
            )
            if conflict:
                form.add_error("mediator", conflict)

    def _session_moved(self) -> bool:
        if not self.instance.pk:
            return True
        saved = Session.objects.filter(pk=self.instance.pk).values("start", "end").first() or {}
        return saved.get("start") != self.instance.start or saved.get("end") != self.instance.end

    def save_new(self, form, commit=True):
        return services.mediator_assign(session=self.instance, mediator=form.cleaned_data["mediator"])

    def save_existing(self, form, obj, commit=True):
        if "mediator" in form.changed_data:
            old = Assignment.objects.select_related("mediator").get(pk=obj.pk).mediator
            services.mediator_unassign(session=self.instance, mediator=old)
            return services.mediator_assign(session=self.instance, mediator=form.cleaned_data["mediator"])
        return obj

    def delete_existing(self, obj, commit=True):
        if commit:
            services.mediator_unassign(session=self.instance, mediator=obj.mediator)


class AssignmentInline(admin.TabularInline):
    model = Assignment
    formset = AssignmentFormSet
    extra = 0
    fields = ["mediator", "created_at"]
    readonly_fields = ["created_at"]
    verbose_name_plural = _("mediators (they receive an email when assigned or unassigned)")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "mediator":
            kwargs["queryset"] = _mediators()
            kwargs.setdefault(
                "help_text",
                _("Only members of the Mediators group; overlaps and unavailabilities are checked."),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# ---------------------------------------------------------------------------------------------
# Unavailabilities
# ---------------------------------------------------------------------------------------------


class UnavailabilityForm(forms.ModelForm):
    class Meta:
        model = MediatorUnavailability
        fields = ["mediator", "start", "end", "reason"]

    def clean(self):
        cleaned = super().clean()
        start, end, mediator = cleaned.get("start"), cleaned.get("end"), cleaned.get("mediator")
        if start and end and end <= start:
            self.add_error("end", _("The end must be after the start."))
            return cleaned
        if start and end and mediator:
            conflict = services.unavailability_conflict(mediator=mediator, start=start, end=end)
            if conflict:
                raise ValidationError(conflict)
        return cleaned


@admin.register(MediatorUnavailability)
class MediatorUnavailabilityAdmin(admin.ModelAdmin):
    form = UnavailabilityForm
    list_display = ["mediator", "start", "end", "reason"]
    list_filter = ["mediator", "start"]
    list_select_related = ["mediator"]
    search_fields = ["reason", "mediator__email", "mediator__first_name", "mediator__last_name"]
    date_hierarchy = "start"
    ordering = ["-start"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "mediator":
            kwargs["queryset"] = _mediators()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.unavailability_update(
                unavailability=obj, start=data["start"], end=data["end"], reason=data["reason"]
            )
        else:
            created = services.unavailability_create(
                mediator=data["mediator"], start=data["start"], end=data["end"], reason=data["reason"]
            )
            obj.pk = created.pk


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
