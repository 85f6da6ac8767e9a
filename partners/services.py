"""Every write and state change about structures and their members."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import message_queue

from .enums import StructureStatus
from .models import Structure


class PartnerError(Exception):
    """A rule about structures or members was broken; the message is translated, for the user."""


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
            context={"structure_name": structure.name, "reason": reason, "first_name": user.first_name},
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


def staff_recipients() -> list[str]:
    return list(settings.STAFF_NOTIFICATION_EMAILS)
