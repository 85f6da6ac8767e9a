"""Reads about structures, coordinators, invitations and training, shared by views, services and tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from .enums import StructureStatus, TrainingModule
from .models import MEDIATORS_GROUP, Invitation, Membership, Structure, TrainingRecord, User

if TYPE_CHECKING:
    from django.http import HttpRequest

# The structure a coordinator of several structures is acting for, kept in their session.
CURRENT_STRUCTURE_SESSION_KEY = "partners_current_structure"
_MEMBERSHIPS_ATTRIBUTE = "_partners_memberships"


# ---------------------------------------------------------------------------------------------
# Memberships and the current structure
# ---------------------------------------------------------------------------------------------


def memberships_of(user) -> QuerySet[Membership]:
    """The user's memberships with their structure, by structure name."""
    if user is None or not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("structure").order_by("structure__name", "pk")


def request_memberships(request: HttpRequest) -> list[Membership]:
    """The memberships of the request's user, read once per request (one query, shared by the menu,
    the banner and the views)."""
    memberships = getattr(request, _MEMBERSHIPS_ATTRIBUTE, None)
    if memberships is None:
        user = getattr(request, "user", None)
        memberships = list(memberships_of(user))
        setattr(request, _MEMBERSHIPS_ATTRIBUTE, memberships)
    return memberships


def forget_request_memberships(request: HttpRequest) -> None:
    """After a change of membership within the request (join, leave), read them again."""
    if hasattr(request, _MEMBERSHIPS_ATTRIBUTE):
        delattr(request, _MEMBERSHIPS_ATTRIBUTE)


def current_membership(request: HttpRequest) -> Membership | None:
    memberships = request_memberships(request)
    if not memberships:
        return None
    chosen = request.session.get(CURRENT_STRUCTURE_SESSION_KEY)
    for membership in memberships:
        if membership.structure_id == chosen:
            return membership
    return memberships[0]


def current_structure(request: HttpRequest) -> Structure | None:
    """The structure the user acts for: the one chosen in the session, else their first; None without any.

    Whatever the session says, the result is always one of the user's own structures.
    """
    membership = current_membership(request)
    return membership.structure if membership else None


def structures_left_without_coordinator(users) -> list[Structure]:
    """The structures that would have no coordinator left if all of `users` went (deleting them):
    a structure keeps at least one (partners.services.membership_leave)."""
    ids = [user.pk for user in users]
    theirs = Membership.objects.filter(structure=OuterRef("pk"), user__in=ids)
    others = Membership.objects.filter(structure=OuterRef("pk")).exclude(user__in=ids)
    return list(Structure.objects.filter(Exists(theirs)).exclude(Exists(others)).order_by("name", "pk"))


def coordinators_of(structure: Structure) -> QuerySet[User]:
    return User.objects.filter(memberships__structure=structure).order_by("last_name", "first_name", "email")


# ---------------------------------------------------------------------------------------------
# Booking permission
# ---------------------------------------------------------------------------------------------


def booking_refusal_reason(
    user, structure: Structure | None, *, memberships: list[Membership] | None = None
) -> str | None:
    """Why this user may not book for this structure, in words for them; None when they may.

    They must be logged in, have confirmed their email address, be a coordinator of the structure,
    and the structure must be active (approved by staff, not suspended or archived).
    `memberships`: the user's memberships when at hand (`request_memberships(request)`): saves a query.
    """
    if user is None or not user.is_authenticated:
        return _("Log in to book.")
    if structure is None:
        return _("Only the coordinators of a partner structure can book. Register your structure first.")
    if memberships is not None:
        member = any(m.structure_id == structure.pk and m.user_id == user.pk for m in memberships)
    else:
        member = Membership.objects.filter(user=user, structure=structure).exists()
    if not member:
        return _("You are not a coordinator of this structure.")
    if not user.email_verified:
        return _(
            "Confirm your email address before booking: open the link we sent you by email, "
            "or ask for a new one from “My structure”."
        )
    if not structure.is_active:
        if structure.status == StructureStatus.PENDING:
            return _(
                "Your structure is waiting for the museum's approval: you can book as soon as it is approved."
            )
        return _("Your structure cannot book at the moment. Contact the museum's social relations team.")
    return None


def user_can_book(user, structure: Structure | None, *, memberships: list[Membership] | None = None) -> bool:
    """True when `user` may book sessions for `structure` (see `booking_refusal_reason`)."""
    return booking_refusal_reason(user, structure, memberships=memberships) is None


# ---------------------------------------------------------------------------------------------
# Registration: an already known structure
# ---------------------------------------------------------------------------------------------


def structure_find_duplicate(
    *, siret: str = "", name: str = "", city: str = ""
) -> tuple[Structure, str] | None:
    """A structure already known with this SIRET, or with this name in this city (case-insensitive).

    Returns the structure and the form field the match is about ("siret" or "name"), or None.
    """
    if siret:
        found = Structure.objects.filter(siret=siret).first()
        if found:
            return found, "siret"
    if name.strip() and city.strip():
        found = Structure.objects.filter(name__iexact=name.strip(), city__iexact=city.strip()).first()
        if found:
            return found, "name"
    return None


def structure_duplicate_message(structure: Structure) -> str:
    """Tell a person registering a known structure whom to contact: its coordinators' names, or the museum."""
    names = [user.get_full_name() for user in coordinators_of(structure) if user.get_full_name()]
    if names and structure.status in {StructureStatus.ACTIVE, StructureStatus.PENDING}:
        return _(
            "“%(name)s” in %(city)s is already registered on the portal. Ask its coordinators "
            "(%(people)s) to invite you: they can do it from their space “My structure”."
        ) % {"name": structure.name, "city": structure.city, "people": get_text_list(names, _("and"))}
    return _(
        "“%(name)s” in %(city)s is already known to the museum. To join it, contact the social "
        "relations team: %(email)s or %(phone)s."
    ) % {
        "name": structure.name,
        "city": structure.city,
        "email": settings.MUSEUM_CONTACT_EMAIL,
        "phone": settings.MUSEUM_PHONE,
    }


# ---------------------------------------------------------------------------------------------
# Invitations
# ---------------------------------------------------------------------------------------------


def pending_invitations(structure: Structure) -> QuerySet[Invitation]:
    """Invitations of the structure not accepted yet and not expired, newest first."""
    return (
        Invitation.objects.filter(
            structure=structure, accepted_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


def invitations_visible_to(user) -> QuerySet[Invitation]:
    """Invitations of the user's own structures not accepted yet (what they may revoke)."""
    return Invitation.objects.filter(
        structure__memberships__user=user, accepted_at__isnull=True
    ).select_related("structure")


# ---------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------


def has_completed(user, module: str) -> bool:
    """True when the relais has a training record for `module` (e.g. TrainingModule.ABC)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return TrainingRecord.objects.filter(user=user, module=module).exists()


def training_records_of(user) -> QuerySet[TrainingRecord]:
    return (
        TrainingRecord.objects.filter(user=user)
        .select_related("session__offer")
        .order_by("-completed_on", "module")
    )


def training_summary(user) -> list[dict]:
    """Each module with the dates it was completed (most recent first), in the modules' order."""
    by_module: dict[str, list[TrainingRecord]] = {}
    for record in training_records_of(user):
        by_module.setdefault(record.module, []).append(record)
    return [
        {"module": module, "label": label, "records": by_module.get(module, [])}
        for module, label in TrainingModule.choices
    ]


# ---------------------------------------------------------------------------------------------
# Accounts and invitation links
# ---------------------------------------------------------------------------------------------


def account_exists(email: str) -> bool:
    """An account already uses this email address (whatever its case)."""
    return User.objects.filter(email__iexact=email.strip()).exists()


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation of an emailed link, with its structure and who sent it; None if unknown."""
    return Invitation.objects.select_related("structure", "invited_by").filter(token=token).first()


def active_mediators() -> QuerySet[User]:
    """The people who may lead sessions (active members of the Mediators group), by name."""
    return (
        User.objects.filter(groups__name=MEDIATORS_GROUP, is_active=True)
        .order_by("last_name", "first_name", "email")
        .distinct()
    )
