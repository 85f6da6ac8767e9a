"""Admin for museum staff: people, partner structures, their members, invitations and training.

Status changes of structures go through `partners.services` (approve, suspend, refuse, archive), so
that staff follow the same rules as the portal and the coordinators are told by email.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from common.admin import ContentChangedAdmin, apply_each, run_with_reason

from .enums import KIND_FIELD, StructureField
from .models import Invitation, Membership, Structure, TrainingRecord, User
from .selectors import structures_left_without_coordinator
from .services import (
    PartnerError,
    membership_leave,
    structure_approve,
    structure_archive,
    structure_refuse,
    structure_suspend,
)
from .validators import normalize_siret, postcode_is_valid, siret_is_valid

# ---------------------------------------------------------------------------------------------
# The structure's field as a list filter (also used by the bookings admin)
# ---------------------------------------------------------------------------------------------


def kinds_of_field(field: str) -> list[str]:
    return [str(kind) for kind, kind_field in KIND_FIELD.items() if kind_field == field]


def structure_field_filter(prefix: str = "") -> type[admin.SimpleListFilter]:
    """A list filter on the structure's field (social, insertion, health), which is derived from its kind."""

    class StructureFieldFilter(admin.SimpleListFilter):
        title = _("field of the structure")
        parameter_name = "field"

        def lookups(self, request, model_admin):
            return StructureField.choices

        def queryset(self, request, queryset):
            if self.value() in StructureField.values:
                return queryset.filter(**{f"{prefix}kind__in": kinds_of_field(self.value())})
            return queryset

    return StructureFieldFilter


# ---------------------------------------------------------------------------------------------
# Users
# ---------------------------------------------------------------------------------------------


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("A person with this email address already has an account."))
        return email


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("A person with this email address already has an account."))
        return email


class MembershipFormSet(forms.BaseInlineFormSet):
    """Memberships removed on a person's or a structure's page leave each structure a coordinator."""

    def clean(self):
        super().clean()
        deleted = [
            form.instance
            for form in self.initial_forms
            if self.can_delete and self._should_delete_form(form) and form.instance.pk
        ]
        if not deleted:
            return
        deleted_pks = [membership.pk for membership in deleted]
        errors = []
        for structure_id in sorted({membership.structure_id for membership in deleted}):
            others = Membership.objects.filter(structure_id=structure_id).exclude(pk__in=deleted_pks)
            if not others.exists():
                structure = next(m.structure for m in deleted if m.structure_id == structure_id)
                errors.append(
                    forms.ValidationError(
                        _(
                            "%(structure)s would have no coordinator left: a structure keeps at least "
                            "one. Add another coordinator first, or archive the structure."
                        )
                        % {"structure": structure}
                    )
                )
        if errors:
            raise forms.ValidationError(errors)

    def delete_existing(self, obj, commit=True):
        if commit:
            membership_leave(user=obj.user, structure=obj.structure)


class MembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ["structure"]
    fields = ["structure", "role", "created_at"]
    readonly_fields = ["created_at"]


class TrainingRecordInline(admin.TabularInline):
    model = TrainingRecord
    fk_name = "user"
    extra = 0
    fields = ["module", "completed_on", "source", "session", "recorded_by"]
    raw_id_fields = ["session", "recorded_by"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """People log in by email: there is no username."""

    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ["last_name", "first_name", "email"]
    list_display = ["email", "first_name", "last_name", "structures", "is_staff", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "email_verified", "language"]
    search_fields = ["email", "first_name", "last_name", "phone", "memberships__structure__name"]
    readonly_fields = ["last_login", "date_joined", "calendar_token"]
    inlines = [MembershipInline, TrainingRecordInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Personal information"),
            {"fields": ("first_name", "last_name", "phone", "language", "email_verified")},
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
        (_("Calendar"), {"fields": ("calendar_token",), "classes": ("collapse",)}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("memberships", queryset=Membership.objects.select_related("structure"))
            )
        )

    @admin.display(description=_("structures"))
    def structures(self, obj: User) -> str:
        return ", ".join(m.structure.name for m in obj.memberships.all()) or "—"

    def get_deleted_objects(self, objs, request):
        """Deleting people would remove their memberships: a structure keeps one coordinator, so the
        last ones are shown as protected and Django's delete page and action delete nothing."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        for structure in structures_left_without_coordinator(objs):
            protected.append(
                _(
                    "%(structure)s would have no coordinator left: a structure keeps at least one. "
                    "Add another coordinator to it first."
                )
                % {"structure": structure}
            )
        return deleted, counts, perms_needed, protected


# ---------------------------------------------------------------------------------------------
# Structures
# ---------------------------------------------------------------------------------------------


class StructureMembershipInline(admin.TabularInline):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    verbose_name = _("coordinator (relais)")
    verbose_name_plural = _("coordinators (relais)")


class StructureAdminForm(forms.ModelForm):
    """The rules the database holds (postcode, SIRET, one structure per name and city), at the field."""

    class Meta:
        model = Structure
        fields = "__all__"  # noqa: DJ007 - the admin picks the fields from its fieldsets

    def clean_postcode(self):
        postcode = self.cleaned_data["postcode"].strip()
        if not postcode_is_valid(postcode):
            raise forms.ValidationError(_("Enter the postcode as 5 digits, for example 62300."))
        return postcode

    def clean_siret(self):
        siret = normalize_siret(self.cleaned_data.get("siret", ""))
        if siret and not siret_is_valid(siret):
            raise forms.ValidationError(
                _("This SIRET number is not valid: check its 14 digits (or leave it empty).")
            )
        if siret and Structure.objects.filter(siret=siret).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another structure already has this SIRET number."))
        return siret

    def clean(self):
        cleaned = super().clean()
        name, city = (cleaned.get("name") or "").strip(), (cleaned.get("city") or "").strip()
        if name and city:
            others = Structure.objects.filter(name__iexact=name, city__iexact=city)
            if others.exclude(pk=self.instance.pk).exists():
                self.add_error("name", _("A structure with this name already exists in this city."))
        return cleaned


@admin.register(Structure)
class StructureAdmin(ContentChangedAdmin, SimpleHistoryAdmin):
    form = StructureAdminForm
    list_display = [
        "name",
        "kind",
        "field_display",
        "city",
        "departement",
        "status",
        "member_count",
        "created_at",
    ]
    list_filter = ["status", structure_field_filter(), "kind", "departement", "created_at"]
    search_fields = ["name", "city", "postcode", "email", "siret", "phone", "memberships__user__email"]
    readonly_fields = ["status", "status_reason", "approved_at", "created_at"]
    inlines = [StructureMembershipInline]
    actions = ["approve_structures", "suspend_structures", "refuse_structures", "archive_structures"]
    fieldsets = (
        (None, {"fields": ("name", "kind", "publics")}),
        (
            _("Address and contact"),
            {"fields": ("address", "postcode", "city", "departement", "phone", "email")},
        ),
        (_("Identity"), {"fields": ("siret",)}),
        (
            _("Status (changed with the actions of the list)"),
            {"fields": ("status", "status_reason", "approved_at", "created_at")},
        ),
    )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships", distinct=True))

    @admin.display(description=_("field"))
    def field_display(self, obj: Structure) -> str:
        return str(StructureField(obj.field).label)

    @admin.display(description=_("coordinators"), ordering="member_count")
    def member_count(self, obj: Structure) -> int:
        return obj.member_count

    def _done(self, singular: str, plural: str) -> Callable[[int], str]:
        return lambda count: ngettext(singular, plural, count) % {"count": count}

    @admin.action(description=_("Approve the selected structures (their coordinators are told)"))
    def approve_structures(self, request, queryset):
        apply_each(
            self,
            request,
            queryset,
            apply=lambda structure: structure_approve(structure=structure),
            errors=(PartnerError,),
            done_message=self._done("%(count)d structure approved.", "%(count)d structures approved."),
        )

    @admin.action(description=_("Suspend the selected structures…"))
    def suspend_structures(self, request, queryset):
        return run_with_reason(
            self,
            request,
            queryset,
            action_name="suspend_structures",
            title=_("Suspend structures"),
            intro=_(
                "A suspended structure can no longer book. Its coordinators are told by email, "
                "with the reason if you give one."
            ),
            submit_label=_("Suspend"),
            apply=lambda structure, reason: structure_suspend(structure=structure, reason=reason),
            errors=(PartnerError,),
            done_message=self._done("%(count)d structure suspended.", "%(count)d structures suspended."),
            required=False,
        )

    @admin.action(description=_("Refuse the selected registrations…"))
    def refuse_structures(self, request, queryset):
        return run_with_reason(
            self,
            request,
            queryset,
            action_name="refuse_structures",
            title=_("Refuse registrations"),
            intro=_(
                "The coordinators of these structures receive your reason by email. "
                "The structures are archived."
            ),
            submit_label=_("Refuse"),
            apply=lambda structure, reason: structure_refuse(structure=structure, reason=reason),
            errors=(PartnerError,),
            done_message=self._done("%(count)d registration refused.", "%(count)d registrations refused."),
        )

    @admin.action(description=_("Archive the selected structures"))
    def archive_structures(self, request, queryset):
        apply_each(
            self,
            request,
            queryset,
            apply=lambda structure: structure_archive(structure=structure),
            errors=(PartnerError,),
            done_message=self._done("%(count)d structure archived.", "%(count)d structures archived."),
        )


# ---------------------------------------------------------------------------------------------
# Memberships, invitations, training
# ---------------------------------------------------------------------------------------------


@admin.register(Membership)
class MembershipAdmin(ContentChangedAdmin):
    list_display = ["user", "structure", "role", "created_at"]
    list_filter = ["role", structure_field_filter("structure__"), "structure__kind", "structure__status"]
    list_select_related = ["user", "structure"]
    search_fields = [
        "user__email",
        "user__first_name",
        "user__last_name",
        "structure__name",
        "structure__city",
    ]
    autocomplete_fields = ["user", "structure"]
    readonly_fields = ["created_at"]

    # Deleting a membership is a coordinator leaving the structure: it goes through
    # `membership_leave`, so that a structure keeps at least one coordinator.

    def _leave(self, request: HttpRequest, membership: Membership) -> bool:
        """Remove the membership through the service; False (with an error message) when refused."""
        try:
            with transaction.atomic():
                self.log_deletions(request, [membership])  # rolled back with the deletion if refused
                membership_leave(user=membership.user, structure=membership.structure)
        except PartnerError as exc:
            if Membership.objects.filter(pk=membership.pk).exists():
                message = _(
                    "%(person)s stays a coordinator of %(structure)s: a structure keeps at least one "
                    "coordinator. Add another coordinator first, or archive the structure."
                ) % {"person": membership.user, "structure": membership.structure}
            else:
                message = str(exc)
            self.message_user(request, message, level=messages.ERROR)
            return False
        return True

    def delete_view(self, request, object_id, extra_context=None):
        if request.method == "POST":
            membership = self.get_object(request, unquote(object_id))
            if membership is not None and self.has_delete_permission(request, membership):
                name = str(membership)
                if self._leave(request, membership):
                    self.message_user(
                        request,
                        _("%(membership)s was removed.") % {"membership": name},
                        level=messages.SUCCESS,
                    )
                    return HttpResponseRedirect(reverse("admin:partners_membership_changelist"))
                return HttpResponseRedirect(reverse("admin:partners_membership_change", args=[membership.pk]))
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (type(self).delete_selected_memberships, name, description)
        return actions

    def delete_selected_memberships(self, request, queryset):
        """Django's confirmation page, then each membership through the service."""
        if not request.POST.get("post"):
            return delete_selected(self, request, queryset)
        if not self.has_delete_permission(request):
            raise PermissionDenied
        removed = sum(
            self._leave(request, membership)
            for membership in queryset.select_related("user", "structure").order_by("pk")
        )
        if removed:
            self.message_user(
                request,
                ngettext("%(count)d membership removed.", "%(count)d memberships removed.", removed)
                % {"count": removed},
                level=messages.SUCCESS,
            )
        return None

    def delete_model(self, request, obj):
        # Reached only by code paths other than the two above; the rule still holds.
        membership_leave(user=obj.user, structure=obj.structure)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "structure"):
            membership_leave(user=membership.user, structure=membership.structure)


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ["structure", "email", "invited_by", "expires_at", "accepted_at"]

    def clean_expires_at(self):
        expires_at = self.cleaned_data["expires_at"]
        created_at = self.instance.created_at or timezone.now()
        if expires_at is not None and expires_at <= created_at:
            raise forms.ValidationError(_("The invitation must expire after it was created."))
        return expires_at


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    form = InvitationForm
    list_display = ["email", "structure", "invited_by", "created_at", "expires_at", "accepted_at"]
    list_filter = [("accepted_at", admin.EmptyFieldListFilter), "expires_at", "created_at"]
    list_select_related = ["structure", "invited_by"]
    search_fields = ["email", "structure__name"]
    autocomplete_fields = ["structure", "invited_by"]
    readonly_fields = ["created_at"]


@admin.register(TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ["user", "module", "completed_on", "source", "recorded_by"]
    list_filter = ["module", "source", "completed_on"]
    list_select_related = ["user", "recorded_by"]
    search_fields = ["user__email", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "recorded_by"]
    raw_id_fields = ["session"]
    date_hierarchy = "completed_on"
    readonly_fields = ["created_at"]

    def save_model(self, request, obj, form, change):
        if not change and obj.recorded_by_id is None:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
