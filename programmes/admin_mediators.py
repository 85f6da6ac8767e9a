"""Admin for mediators: their assignment to sessions, their unavailabilities, and the sessions
that still have no mediator.

Owned by the mediators' work (issue 4); programmes/admin.py imports AssignmentInline from here and
puts it in the Session admin. Every change goes through `programmes.services`, so the admin keeps
the same rules as the rest of the portal (overlaps with the set-up margin, unavailabilities, emails).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from partners.selectors import active_mediators

from . import services
from .models import Assignment, MediatorUnavailability, Session

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
            if form.instance.pk and "mediator" not in form.changed_data:
                if not self._session_moved():
                    continue  # an assignment kept as it was, on a session that does not move
                problem = services.mediator_conflict(
                    mediator=mediator, start=session.start, end=session.end, exclude_session_id=session.pk
                )
            else:
                problem = services.mediator_assign_problem(session=session, mediator=mediator)
            if problem:
                form.add_error("mediator", problem)

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
            kwargs["queryset"] = active_mediators()
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
        for problem in services.unavailability_problems(
            mediator=cleaned.get("mediator"),
            start=cleaned.get("start"),
            end=cleaned.get("end"),
            reason=cleaned.get("reason"),
        ):
            self.add_error(problem.field if problem.field in self.fields else None, problem.message)
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
            kwargs["queryset"] = active_mediators()
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
