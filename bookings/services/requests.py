"""Project requests ("Pensez-y !"): a structure asks for a co-built cycle or a date outside the
calendar; staff answer it. Each side is emailed through the outbox."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from notifications.services import message_queue
from partners.models import Structure, User
from programmes.models import Exhibition

from ..enums import RequestKind, RequestStatus
from ..models import ProjectRequest
from .emails import stamp
from .errors import BookingError
from .errors import BookingErrorCode as Code
from .rules import check_coordinator


def request_create(
    *,
    structure: Structure,
    user: User,
    kind: str,
    wished_start: dt.date,
    wished_end: dt.date,
    participants: int,
    group_description: str,
    goals: str,
    exhibition: Exhibition | None = None,
) -> ProjectRequest:
    """A structure asks for a co-built cycle or a date outside the calendar; staff are emailed."""
    check_coordinator(structure=structure, user=user)
    if kind not in RequestKind.values:
        raise BookingError(Code.KIND_INVALID, field="kind")
    if wished_start <= timezone.localdate():
        raise BookingError(Code.PERIOD_PAST, field="wished_start")
    if wished_end < wished_start:
        raise BookingError(Code.PERIOD_ORDER, field="wished_end")
    if participants < 1:
        raise BookingError(Code.PARTICIPANTS, field="participants")
    with transaction.atomic():
        request = ProjectRequest.objects.create(
            structure=structure,
            created_by=user,
            kind=kind,
            wished_start=wished_start,
            wished_end=wished_end,
            participants=participants,
            group_description=group_description.strip(),
            goals=goals.strip(),
            exhibition=exhibition,
        )
        context = {
            "request_id": request.pk,
            "structure_name": structure.name,
            "kind": str(RequestKind(kind).label),
            "participants": participants,
            "admin_url": settings.SITE_URL + _admin_url(request),
        }
        for address in settings.STAFF_NOTIFICATION_EMAILS:
            message_queue(
                template="request_received",
                to=address,
                dedupe_key=f"request_received:request-{request.pk}:{address}",
                context=context,
            )
    return request


def _admin_url(request: ProjectRequest) -> str:
    try:
        return reverse("admin:bookings_projectrequest_change", args=[request.pk])
    except NoReverseMatch:  # the admin page is not registered (yet): the admin index still helps
        return reverse("admin:index")


def request_answer(*, request: ProjectRequest, status: str, answer: str, answered_by: User) -> ProjectRequest:
    """Staff answer a request (in discussion, accepted, declined); the coordinators are emailed."""
    answered = (RequestStatus.IN_DISCUSSION, RequestStatus.ACCEPTED, RequestStatus.DECLINED)
    if status not in answered:
        raise BookingError(Code.STATUS_INVALID, field="status")
    answer = answer.strip()
    if not answer:
        raise BookingError(Code.ANSWER_MISSING, field="answer")
    with transaction.atomic():
        locked = (
            ProjectRequest.objects.select_for_update(of=("self",))
            .select_related("structure")
            .get(pk=request.pk)
        )
        locked.status = status
        locked.answer = answer
        locked.answered_by = answered_by
        locked.answered_at = timezone.now()
        locked.save(update_fields=["status", "answer", "answered_by", "answered_at"])
        key = stamp()
        for membership in locked.structure.memberships.select_related("user"):
            user = membership.user
            with translation.override(user.language):
                status_label = str(RequestStatus(status).label)
                kind_label = str(RequestKind(locked.kind).label)
            message_queue(
                template="request_answered",
                to=user.email,
                language=user.language,
                dedupe_key=f"request_answered:request-{locked.pk}:user-{user.pk}{key}",
                context={
                    "request_id": locked.pk,
                    "first_name": user.first_name,
                    "structure_name": locked.structure.name,
                    "kind": kind_label,
                    "status": status,
                    "status_label": status_label,
                    "answer": answer,
                    "request_url": settings.SITE_URL + reverse("bookings:request_detail", args=[locked.pk]),
                },
            )
    return locked
