"""Admin helpers shared by every app's admin: an action asking for a reason, and a filter by date."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cache import content_changed


class ReasonForm(forms.Form):
    """The reason staff give for refusing a structure or cancelling a session; it is emailed."""

    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("It is sent by email to the people concerned: write it for them."),
    )

    def __init__(self, *args, required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = required


def run_with_reason(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    action_name: str,
    title: str,
    intro: str,
    submit_label: str,
    apply: Callable[[object, str], object],
    errors: tuple[type[Exception], ...],
    done_message: Callable[[int], str],
    required: bool = True,
):
    """An admin action with an intermediate page asking for a reason, then calling a service per object.

    Returns None (back to the change list) once done, or the page with the form (and its errors).
    """
    if "apply" in request.POST:
        form = ReasonForm(request.POST, required=required)
        if form.is_valid():
            apply_each(
                model_admin,
                request,
                queryset,
                apply=lambda obj: apply(obj, form.cleaned_data["reason"]),
                errors=errors,
                done_message=done_message,
            )
            return None
    else:
        form = ReasonForm(required=required)
    opts = model_admin.model._meta
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "submit_label": submit_label,
        "form": form,
        "objects": list(queryset),
        "action_name": action_name,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "opts": opts,
        "app_label": opts.app_label,
        "media": model_admin.media,
    }
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/action_with_reason.html", context)


def apply_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Iterable,
    *,
    apply: Callable[[object], object],
    errors: tuple[type[Exception], ...],
    done_message: Callable[[int], str],
) -> int:
    """Call a service on every selected object; a refused one shows its message, the others go on."""
    done = 0
    for obj in objects:
        try:
            apply(obj)
        except errors as exc:
            model_admin.message_user(request, str(exc), level=messages.ERROR)
        else:
            done += 1
    if done:
        model_admin.message_user(request, done_message(done), level=messages.SUCCESS)
    return done


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


class ContentChangedAdmin(admin.ModelAdmin):
    """An admin whose saves and deletions change what public pages show (an offer's text, a
    structure's name): the content version is bumped after the commit, as the services do."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        content_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        content_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        content_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        content_changed()
