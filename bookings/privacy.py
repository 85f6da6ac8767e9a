"""Personal data (RGPD): clearing old free text, exporting and erasing a structure's data.

- `free_text_clear_due`: the free text of a booking (comment, other accessibility needs, contact on
  the day) is cleared FREE_TEXT_RETENTION_MONTHS months after its session ended; the counts stay
  for the statistics. django-simple-history keeps a copy of every past version of a booking, so
  those copies are cleared too. Run daily by a periodic task; running it twice changes nothing.
- `structure_export`: everything the portal holds about a structure, as JSON (a right of access).
- `structure_erase`: anonymise a structure on request (a right to erasure); its bookings keep their
  counts so that the programme's figures do not change.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from common.cache import content_changed
from notifications.models import OutboxMessage
from partners.enums import StructureStatus
from partners.models import Invitation, Membership, Structure, TrainingRecord, User

from .models import AttendanceChange, Booking, ProjectRequest
from .services import BookingError, BookingErrorCode

# What replaces a cleared name or phone number (the fields are required in forms).
CLEARED = "—"
# The name of an erased structure. Stored data, in the museum's language (not translated per reader).
ERASED_STRUCTURE_NAME = "Structure supprimée n°{id}"
ERASED_EMAIL_DOMAIN = "anonyme.invalid"  # .invalid can never be delivered (RFC 2606)

FREE_TEXT_CLEARED = {
    "comment": "",
    "accessibility_notes": "",
    "contact_name": CLEARED,
    "contact_phone": CLEARED,
}
_BATCH = 500


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same day and time `months` months earlier (the last day of the month when it is shorter)."""
    local = timezone.localtime(moment)
    index = local.year * 12 + (local.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    naive = local.replace(tzinfo=None).replace(year=year, month=month, day=day)
    return timezone.make_aware(naive, timezone.get_current_timezone())


def free_text_cutoff(*, now: dt.datetime | None = None) -> dt.datetime:
    """Sessions that ended at or before this moment have their bookings' free text cleared."""
    return months_before(now or timezone.now(), settings.FREE_TEXT_RETENTION_MONTHS)


def free_text_clear_due(*, now: dt.datetime | None = None) -> int:
    """Clear the free text of the bookings whose session ended more than the retention period ago,
    and of their history. Returns how many bookings were cleared (0 on a second run)."""
    now = now or timezone.now()
    cutoff = free_text_cutoff(now=now)
    due = Booking.objects.filter(free_text_cleared_at__isnull=True, session__end__lte=cutoff)
    cleared = 0
    while True:
        with transaction.atomic():
            ids = list(due.order_by("pk").values_list("pk", flat=True)[:_BATCH])
            if not ids:
                break
            cleared += Booking.objects.filter(pk__in=ids, free_text_cleared_at__isnull=True).update(
                free_text_cleared_at=now, **FREE_TEXT_CLEARED
            )
            Booking.history.filter(id__in=ids).update(**FREE_TEXT_CLEARED)
            content_changed()  # pages showing these texts are stale
    return cleared


# ---------------------------------------------------------------------------------------------
# A structure's data: export and erasure
# ---------------------------------------------------------------------------------------------


def _fields(instance, exclude: tuple[str, ...] = ()) -> dict:
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        data[field.name] = getattr(instance, field.attname)
    return data


def structure_export(*, structure: Structure) -> bytes:
    """Everything the portal holds about a structure, as a JSON document (UTF-8)."""
    structure = Structure.objects.get(pk=structure.pk)
    memberships = Membership.objects.filter(structure=structure).select_related("user").order_by("pk")
    members = [membership.user for membership in memberships]
    bookings = (
        Booking.objects.filter(structure=structure)
        .select_related("session__offer", "booked_by", "attendee")
        .prefetch_related("accessibility_needs")
        .order_by("pk")
    )
    changes = AttendanceChange.objects.filter(booking__structure=structure).order_by("pk")
    document = {
        "exported_at": timezone.now(),
        "structure": _fields(structure),
        "structure_history": [
            {
                "date": record.history_date,
                "type": record.get_history_type_display(),
                "by": record.history_user.email if record.history_user else None,
                **_fields(record, exclude=("history_id", "history_date", "history_type", "history_user")),
            }
            for record in structure.history.select_related("history_user").order_by("history_date")
        ],
        "members": [
            {
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "phone": user.phone,
                "language": user.language,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
                "role": membership.role,
                "member_since": membership.created_at,
            }
            for membership, user in zip(memberships, members, strict=True)
        ],
        "training": [
            {
                "relais": record.user.email,
                "module": record.module,
                "completed_on": record.completed_on,
                "source": record.source,
            }
            for record in TrainingRecord.objects.filter(user__in=members)
            .select_related("user")
            .order_by("pk")
        ],
        "invitations": [
            _fields(invitation, exclude=("token", "structure"))
            for invitation in Invitation.objects.filter(structure=structure).order_by("pk")
        ],
        "bookings": [
            {
                **_fields(booking, exclude=("structure",)),
                "offer": booking.session.offer.title,
                "session_start": booking.session.start,
                "session_place": booking.session.place,
                "booked_by": booking.booked_by.email if booking.booked_by else None,
                "attendee": booking.attendee.email if booking.attendee else None,
                "accessibility_needs": [option.code for option in booking.accessibility_needs.all()],
            }
            for booking in bookings
        ],
        "attendance_changes": [_fields(change, exclude=("changed_by",)) for change in changes],
        "requests": [
            _fields(request, exclude=("structure", "created_by", "answered_by"))
            for request in ProjectRequest.objects.filter(structure=structure).order_by("pk")
        ],
        "projects": list(structure.projects.order_by("start_date").values_list("name", flat=True)),
    }
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode("utf-8")


def _anonymise_user(user: User) -> None:
    user.email = f"utilisateur-{user.pk}@{ERASED_EMAIL_DOMAIN}"
    user.first_name = ""
    user.last_name = ""
    user.phone = ""
    user.is_active = False
    user.email_verified = False
    user.calendar_token = get_random_string(48)
    user.set_unusable_password()
    user.save()


def structure_erase(*, structure: Structure, by: User) -> Structure:
    """Anonymise a structure on request: its name, contacts and people go; its counts stay.

    Its coordinators lose their membership; those who belong to no other structure (and are not
    museum staff) are deactivated and anonymised. Its bookings keep their counts (the programme's
    figures do not change) but lose their free text and who booked; its requests lose their text.
    The history of the structure and of its bookings is purged, then one record says who erased it.
    """
    if by is None or not by.is_staff:
        raise BookingError(BookingErrorCode.STAFF_ONLY)

    now = timezone.now()
    with transaction.atomic():
        structure = Structure.objects.select_for_update().get(pk=structure.pk)
        memberships = list(Membership.objects.filter(structure=structure).select_related("user"))
        users = [membership.user for membership in memberships]
        emails = [user.email for user in users] + [structure.email]
        Membership.objects.filter(structure=structure).delete()
        for user in users:
            if not user.is_staff and not Membership.objects.filter(user=user).exists():
                TrainingRecord.objects.filter(user=user).delete()
                _anonymise_user(user)
        emails += list(Invitation.objects.filter(structure=structure).values_list("email", flat=True))
        Invitation.objects.filter(structure=structure).delete()

        booking_ids = list(Booking.objects.filter(structure=structure).values_list("pk", flat=True))
        Booking.objects.filter(pk__in=booking_ids).update(
            booked_by=None, attendee=None, free_text_cleared_at=now, **FREE_TEXT_CLEARED
        )
        Booking.history.filter(id__in=booking_ids).delete()
        content_changed()
        ProjectRequest.objects.filter(structure=structure).update(
            group_description=CLEARED, goals=CLEARED, answer="", created_by=None
        )
        OutboxMessage.objects.filter(to__in=[email for email in emails if email]).delete()
        OutboxMessage.objects.filter(booking_id__in=booking_ids).delete()

        structure.name = ERASED_STRUCTURE_NAME.format(id=structure.pk)
        structure.address = ""
        structure.siret = ""
        structure.phone = ""
        structure.email = ""
        structure.publics = ""
        structure.status = StructureStatus.ARCHIVED
        structure.status_reason = ""
        structure.history.all().delete()
        structure._history_user = by
        structure._change_reason = "erased on request (RGPD)"
        structure.save()
    return structure
