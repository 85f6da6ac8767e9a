"""Every write and state change about structures and their members."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.cache import content_changed
from notifications.services import message_queue

from .enums import MembershipRole, StructureKind, StructureStatus, TrainingModule, TrainingSource
from .models import Invitation, Membership, Structure, TrainingRecord, User
from .selectors import account_exists, structure_duplicate_message, structure_find_duplicate
from .validators import (
    departement_from_postcode,
    departement_is_valid,
    normalize_siret,
    phone_is_valid,
    postcode_is_valid,
    siret_is_valid,
)


class PartnerError(Exception):
    """A rule about structures or members was broken; the message is translated, for the user.

    `field` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# Which status each action may leave from.
_ALLOWED = {
    "approve": {StructureStatus.PENDING, StructureStatus.SUSPENDED},
    "refuse": {StructureStatus.PENDING},
    "suspend": {StructureStatus.ACTIVE},
    "archive": {StructureStatus.ACTIVE, StructureStatus.SUSPENDED, StructureStatus.PENDING},
}


def _transition(structure: Structure, action: str, new_status: str, reason: str) -> Structure:
    with transaction.atomic():
        locked = Structure.objects.select_for_update().get(pk=structure.pk)
        if locked.status not in _ALLOWED[action]:
            raise PartnerError(
                _("%(name)s cannot be changed from “%(status)s” this way.")
                % {"name": locked.name, "status": locked.get_status_display()}
            )
        locked.status = new_status
        locked.status_reason = reason
        fields = ["status", "status_reason"]
        if new_status == StructureStatus.ACTIVE:
            locked.approved_at = timezone.now()
            fields.append("approved_at")
        locked.save(update_fields=fields)
        content_changed()
        _notify_coordinators(locked, template=f"structure_{action}", reason=reason)
    return locked


def _notify_coordinators(structure: Structure, *, template: str, reason: str) -> None:
    stamp = timezone.now().strftime("%Y%m%d%H%M%S")
    for membership in structure.memberships.select_related("user"):
        user = membership.user
        message_queue(
            template=template,
            to=user.email,
            language=user.language,
            dedupe_key=f"{template}:structure-{structure.pk}:user-{user.pk}:{stamp}",
            context={
                "structure_name": structure.name,
                "reason": reason,
                "first_name": user.first_name,
                "structure_url": settings.SITE_URL + reverse("partners:my_structure"),
            },
        )


def structure_approve(*, structure: Structure) -> Structure:
    return _transition(structure, "approve", StructureStatus.ACTIVE, "")


def structure_refuse(*, structure: Structure, reason: str) -> Structure:
    if not reason.strip():
        raise PartnerError(_("Give the reason for the refusal: it is sent to the coordinator."))
    return _transition(structure, "refuse", StructureStatus.ARCHIVED, reason.strip())


def structure_suspend(*, structure: Structure, reason: str = "") -> Structure:
    return _transition(structure, "suspend", StructureStatus.SUSPENDED, reason.strip())


def structure_archive(*, structure: Structure) -> Structure:
    return _transition(structure, "archive", StructureStatus.ARCHIVED, "")


# ---------------------------------------------------------------------------------------------
# Registration of a structure and its first coordinator
# ---------------------------------------------------------------------------------------------

EMAIL_VERIFICATION_SALT = "partners.email-verification"


def structure_departement(*, departement: str, postcode: str) -> str:
    """The département typed, else the one of the postcode, in capitals (2A, 2B)."""
    return (departement.strip() or departement_from_postcode(postcode.strip())).upper()


def structure_problems(
    *,
    name: str | None = None,
    kind: str | None = None,
    address: str | None = None,
    postcode: str | None = None,
    city: str | None = None,
    departement: str | None = None,
    siret: str | None = None,
    phone: str | None = None,
) -> list[PartnerError]:
    """Every rule about a structure's details these values break, each at its field; empty when none.

    What is None is not checked (a form leaves out a field that already has its own error). The
    registration form shows them; `structure_register` raises the first.
    """
    problems = []
    for field, value in (("name", name), ("address", address), ("city", city)):
        if value is not None and not value.strip():
            problems.append(PartnerError(_("This field is required."), field=field))
    if kind is not None and kind not in StructureKind.values:
        problems.append(PartnerError(_("Choose the kind of structure from the list."), field="kind"))
    if postcode is not None and not postcode_is_valid(postcode):
        problems.append(
            PartnerError(_("Enter the postcode as 5 digits, for example 62300."), field="postcode")
        )
    if departement is not None and not departement_is_valid(departement):
        problems.append(
            PartnerError(
                _("Enter the département's number, for example 62 (or 2A, 2B, 971…)."), field="departement"
            )
        )
    if siret and not siret_is_valid(siret):
        if len(siret) != 14 or not siret.isdigit():
            message = _("A SIRET number has exactly 14 digits.")
        else:
            message = _(
                "This SIRET number is not valid: one of its digits is probably wrong. "
                "Check it on a pay slip or an invoice."
            )
        problems.append(PartnerError(message, field="siret"))
    if phone is not None and phone_problem(phone):
        problems.append(PartnerError(phone_problem(phone), field="phone"))
    return problems


def phone_problem(phone: str) -> str | None:
    """Why `phone` is not a phone number (of a structure or a person), or None."""
    if phone_is_valid(phone):
        return None
    return _("Enter a phone number with at least 10 digits, for example 03 21 18 62 62.")


def password_problems(*, password: str, email: str, first_name: str, last_name: str) -> list[str]:
    """What Django's password validators say of `password` for this person (length, common,
    numeric, too close to their name or address); empty when it is fine."""
    candidate = User(email=email or "", first_name=first_name or "", last_name=last_name or "")
    try:
        password_validation.validate_password(password, user=candidate)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def _check_structure_fields(
    *, name: str, kind: str, address: str, postcode: str, city: str, departement: str, siret: str, phone: str
) -> None:
    problems = structure_problems(
        name=name,
        kind=kind,
        address=address,
        postcode=postcode,
        city=city,
        departement=departement,
        siret=siret,
        phone=phone,
    )
    if problems:
        raise problems[0]


def _raise_if_duplicate(*, siret: str, name: str, city: str) -> None:
    found = structure_find_duplicate(siret=siret, name=name, city=city)
    if found:
        structure, field = found
        raise PartnerError(structure_duplicate_message(structure), field=field)


def email_taken_message() -> str:
    return _(
        "An account already uses this email address. Log in with it, then register your structure "
        "from your account. If you have forgotten your password, use “Forgotten password” on the login page."
    )


def _admin_change_url(structure: Structure) -> str:
    try:
        path = reverse("admin:partners_structure_change", args=[structure.pk])
    except NoReverseMatch:  # the admin is not mounted (it always is in the portal; kept safe for tests)
        path = f"/admin/partners/structure/{structure.pk}/change/"
    return f"{settings.SITE_URL}{path}"


def structure_register(
    *,
    name: str,
    kind: str,
    address: str,
    postcode: str,
    city: str,
    phone: str,
    email: str,
    departement: str = "",
    siret: str = "",
    publics: str = "",
    user: User | None = None,
    first_name: str = "",
    last_name: str = "",
    user_email: str = "",
    user_phone: str = "",
    password: str = "",
    language: str = settings.LANGUAGE_CODE,
) -> Membership:
    """Register a structure, pending staff approval, with its first coordinator.

    The coordinator is `user` when an existing account registers a structure; otherwise an account is
    created from `first_name`, `last_name`, `user_email`, `user_phone` and `password`, with its email
    not yet verified (a verification link is emailed). Staff are emailed a link to the structure in the admin.
    A structure already known (same SIRET, or same name in the same city) is refused with the names of
    the people to contact, also when a concurrent registration wins the race.
    """
    name, city, address = name.strip(), city.strip(), address.strip()
    siret = normalize_siret(siret)
    postcode = postcode.strip()
    departement = structure_departement(departement=departement, postcode=postcode)
    _check_structure_fields(
        name=name,
        kind=kind,
        address=address,
        postcode=postcode,
        city=city,
        departement=departement,
        siret=siret,
        phone=phone,
    )
    new_account = user is None
    user_email = user_email.strip().lower()
    if new_account:
        if not first_name.strip() or not last_name.strip():
            raise PartnerError(_("Give the coordinator's first and last name."), field="last_name")
        if not user_email:
            raise PartnerError(_("This field is required."), field="user_email")
        if account_exists(user_email):
            raise PartnerError(email_taken_message(), field="user_email")
        problems = password_problems(
            password=password, email=user_email, first_name=first_name.strip(), last_name=last_name.strip()
        )
        if problems:
            raise PartnerError(" ".join(problems), field="password1")
    _raise_if_duplicate(siret=siret, name=name, city=city)

    try:
        with transaction.atomic():
            structure = Structure.objects.create(
                name=name,
                kind=kind,
                address=address,
                postcode=postcode,
                city=city,
                departement=departement,
                siret=siret,
                phone=phone.strip(),
                email=email.strip().lower(),
                publics=publics.strip(),
                status=StructureStatus.PENDING,
            )
            if new_account:
                user = User.objects.create_user(
                    email=user_email,
                    password=password,
                    first_name=first_name.strip(),
                    last_name=last_name.strip(),
                    phone=user_phone.strip(),
                    language=language,
                    email_verified=False,
                )
            membership = Membership.objects.create(
                user=user, structure=structure, role=MembershipRole.COORDINATOR
            )
            content_changed()
            if not user.email_verified:
                _queue_verification(user, key=f"registration-{structure.pk}")
            _notify_staff_of_registration(structure, user)
    except IntegrityError as exc:
        # A concurrent registration of the same structure (or account) committed between our check and insert.
        _raise_if_duplicate(siret=siret, name=name, city=city)
        if new_account and account_exists(user_email):
            raise PartnerError(email_taken_message(), field="user_email") from exc
        raise
    return membership


def _notify_staff_of_registration(structure: Structure, user: User) -> None:
    context = {
        "structure_name": structure.name,
        "structure_city": structure.city,
        "structure_kind": str(StructureKind(structure.kind).label),
        "siret": structure.siret,
        "coordinator_name": user.get_full_name(),
        "coordinator_email": user.email,
        "admin_url": _admin_change_url(structure),
    }
    for recipient in settings.STAFF_NOTIFICATION_EMAILS:
        message_queue(
            template="registration_staff",
            to=recipient,
            language=settings.LANGUAGE_CODE,
            dedupe_key=f"registration_staff:structure-{structure.pk}:{recipient}",
            context=context,
        )


# ---------------------------------------------------------------------------------------------
# Email verification
# ---------------------------------------------------------------------------------------------


def email_verification_max_age() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "EMAIL_VERIFICATION_VALID_DAYS", 3))


def email_verification_token(user: User) -> str:
    """A signed, timestamped token naming the user and the address to verify (a new address voids it)."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=EMAIL_VERIFICATION_SALT)


def email_verification_url(user: User) -> str:
    return settings.SITE_URL + reverse(
        "partners:verify_email", kwargs={"token": email_verification_token(user)}
    )


def _queue_verification(user: User, *, key: str) -> None:
    message_queue(
        template="account_verify_email",
        to=user.email,
        language=user.language,
        dedupe_key=f"account_verify_email:user-{user.pk}:{key}",
        context={
            "first_name": user.first_name,
            "verify_url": email_verification_url(user),
            "valid_days": email_verification_max_age().days,
        },
    )


def user_send_verification(*, user: User) -> bool:
    """Email a new verification link, at most once a minute. False when the address is already verified."""
    if user.email_verified:
        return False
    _queue_verification(user, key=timezone.now().strftime("resend-%Y%m%d%H%M"))
    return True


def user_mark_email_verified(*, user: User) -> None:
    if not user.email_verified:
        User.objects.filter(pk=user.pk).update(email_verified=True)
        user.email_verified = True


def email_verification_check(*, token: str) -> User:
    """The user a verification link is for; PartnerError when it is tampered with, expired or outdated."""
    try:
        payload = signing.loads(
            token, salt=EMAIL_VERIFICATION_SALT, max_age=email_verification_max_age().total_seconds()
        )
    except signing.SignatureExpired as exc:
        raise PartnerError(
            _("This link has expired. Log in and ask for a new one from “My structure”.")
        ) from exc
    except signing.BadSignature as exc:
        raise PartnerError(
            _("This link is not valid. Check that you copied it whole from the email.")
        ) from exc
    if not isinstance(payload, dict):
        raise PartnerError(_("This link is not valid. Check that you copied it whole from the email."))
    user = User.objects.filter(pk=payload.get("u"), email=payload.get("e"), is_active=True).first()
    if user is None:
        raise PartnerError(
            _("This link is not valid any more: the account or its email address has changed.")
        )
    return user


def user_verify_email(*, token: str) -> User:
    """Mark the address of the token's user as verified. Tampered, expired or outdated links are refused."""
    user = email_verification_check(token=token)
    user_mark_email_verified(user=user)
    return user


# ---------------------------------------------------------------------------------------------
# Invitations of colleagues
# ---------------------------------------------------------------------------------------------


def _invitation_url(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("partners:invitation_accept", kwargs={"token": invitation.token})


def invitation_create(*, structure: Structure, email: str, invited_by: User) -> Invitation:
    """Invite a colleague by email into the structure; the link expires after INVITATION_VALID_DAYS.

    Inviting the same address again replaces the previous, unused invitation (and its link).
    """
    email = email.strip().lower()
    if not email:
        raise PartnerError(_("Enter your colleague's email address."), field="email")
    with transaction.atomic():
        locked = Structure.objects.select_for_update().get(pk=structure.pk)
        if not Membership.objects.filter(structure=locked, user=invited_by).exists():
            raise PartnerError(_("Only the coordinators of a structure can invite colleagues into it."))
        if locked.status == StructureStatus.ARCHIVED:
            raise PartnerError(_("This structure is archived: nobody can be invited into it."))
        if Membership.objects.filter(structure=locked, user__email__iexact=email).exists():
            raise PartnerError(_("This person is already a coordinator of your structure."), field="email")
        Invitation.objects.filter(structure=locked, email__iexact=email, accepted_at__isnull=True).delete()
        now = timezone.now()
        invitation = Invitation.objects.create(
            structure=locked,
            email=email,
            invited_by=invited_by,
            expires_at=now + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        existing = User.objects.filter(email__iexact=email).first()
        message_queue(
            template="invitation_new",
            to=email,
            language=existing.language if existing else settings.LANGUAGE_CODE,
            dedupe_key=f"invitation_new:invitation-{invitation.pk}",
            context={
                "structure_name": locked.name,
                "structure_city": locked.city,
                "invited_by_name": invited_by.get_full_name() or invited_by.email,
                "accept_url": _invitation_url(invitation),
                "valid_days": settings.INVITATION_VALID_DAYS,
                "has_account": existing is not None,
            },
        )
    return invitation


def invitation_revoke(*, invitation: Invitation, by: User) -> None:
    """Cancel an invitation not yet accepted: its link stops working."""
    if not Membership.objects.filter(structure_id=invitation.structure_id, user=by).exists():
        raise PartnerError(_("Only the coordinators of a structure can revoke its invitations."))
    if invitation.accepted_at is not None:
        raise PartnerError(_("This invitation was already accepted: it cannot be revoked."))
    invitation.delete()


def _usable_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("structure")
        .filter(token=token)
        .first()
    )
    if invitation is None:
        raise PartnerError(
            _("This invitation link is not valid: it may have been revoked or replaced by a newer one.")
        )
    problem = invitation_problem(invitation=invitation)
    if problem:
        raise PartnerError(problem)
    return invitation


def invitation_wrong_email_message() -> str:
    return _(
        "This invitation was sent to another email address than the one of your account. Log out, then "
        "open the link again and log in (or create an account) with the invited address."
    )


def invitation_problem(*, invitation: Invitation, user: User | None = None) -> str | None:
    """Why this invitation cannot be used (by `user`, a logged-in person, when given), or None.

    The invitation page tells it before the person tries; the services raise it.
    """
    if invitation.accepted_at is not None:
        return _("This invitation was already used. Log in to reach your structure.")
    if invitation.expires_at <= timezone.now():
        return _("This invitation has expired. Ask your colleague at %(structure)s to invite you again.") % {
            "structure": invitation.structure.name
        }
    if invitation.structure.status == StructureStatus.ARCHIVED:
        return _("This structure is archived: the invitation cannot be used any more.")
    if user is not None and user.email.lower() != invitation.email.lower():
        return invitation_wrong_email_message()
    return None


def invitation_accept(*, token: str, user: User) -> Membership:
    """The logged-in person the invitation was sent to joins the structure (this verifies their address)."""
    with transaction.atomic():
        invitation = _usable_invitation(token)
        problem = invitation_problem(invitation=invitation, user=user)
        if problem:
            raise PartnerError(problem)
        membership, _created = Membership.objects.get_or_create(
            user=user, structure=invitation.structure, defaults={"role": MembershipRole.COORDINATOR}
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        user_mark_email_verified(user=user)
        content_changed()
    return membership


def invitation_signup(
    *, token: str, first_name: str, last_name: str, password: str, phone: str = "", language: str = ""
) -> Membership:
    """A person without an account creates it from the invitation link and joins the structure."""
    with transaction.atomic():
        invitation = _usable_invitation(token)
        if account_exists(invitation.email):
            raise PartnerError(
                _("An account already uses this email address: log in to accept the invitation.")
            )
        if not first_name.strip() or not last_name.strip():
            raise PartnerError(_("Give your first and last name."), field="last_name")
        problems = password_problems(
            password=password,
            email=invitation.email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
        )
        if problems:
            raise PartnerError(" ".join(problems), field="password1")
        user = User.objects.create_user(
            email=invitation.email,
            password=password,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
            phone=phone.strip(),
            language=language or settings.LANGUAGE_CODE,
            email_verified=True,  # the link reached this address
        )
        membership = Membership.objects.create(
            user=user, structure=invitation.structure, role=MembershipRole.COORDINATOR
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        content_changed()
    return membership


# ---------------------------------------------------------------------------------------------
# Leaving a structure
# ---------------------------------------------------------------------------------------------


def membership_leave(*, user: User, structure: Structure) -> None:
    """The user stops being a coordinator of the structure, unless they are its last one.

    The structure row is locked so that two last coordinators leaving at once cannot both succeed.
    """
    with transaction.atomic():
        locked = Structure.objects.select_for_update().get(pk=structure.pk)
        membership = Membership.objects.filter(user=user, structure=locked).first()
        if membership is None:
            raise PartnerError(_("You are not a coordinator of this structure."))
        if Membership.objects.filter(structure=locked).count() <= 1:
            raise PartnerError(
                _(
                    "You are the last coordinator of %(structure)s, and a structure keeps at least one "
                    "coordinator. Invite a colleague first, or ask the museum to archive the structure."
                )
                % {"structure": locked.name}
            )
        membership.delete()
        content_changed()


# ---------------------------------------------------------------------------------------------
# Training record
# ---------------------------------------------------------------------------------------------


def training_record_add(
    *,
    user: User,
    module: str,
    completed_on: dt.date,
    source: str,
    session=None,
    recorded_by: User | None = None,
) -> TrainingRecord:
    """Record that the relais completed a training module on a day; once per (person, module, day).

    Called when a mediator records attendance at an ABC session, or by staff. Recording the same
    module on the same day again returns the existing record.
    """
    if module not in TrainingModule.values:
        raise PartnerError(_("Unknown training module."))
    if source not in TrainingSource.values:
        raise PartnerError(_("Unknown source of the training record."))
    if completed_on > timezone.localdate():
        raise PartnerError(_("A training cannot be recorded as completed in the future."))
    defaults = {"source": source, "session": session, "recorded_by": recorded_by}
    try:
        with transaction.atomic():
            record, created = TrainingRecord.objects.get_or_create(
                user=user, module=module, completed_on=completed_on, defaults=defaults
            )
            if created:
                content_changed()
    except IntegrityError:  # recorded at the same moment by someone else
        record = TrainingRecord.objects.get(user=user, module=module, completed_on=completed_on)
    return record


def training_record_withdraw(*, user: User, module: str, session) -> int:
    """Take back the record that attending `session` gave the relais (a mediator corrected the
    attendance: they did not come). Records entered by staff stay. Returns how many were removed."""
    removed, _by_model = TrainingRecord.objects.filter(
        user=user, module=module, session=session, source=TrainingSource.ATTENDANCE
    ).delete()
    if removed:
        content_changed()
    return removed
