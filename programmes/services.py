"""Every write and state change about offers, sessions and mediators' assignments."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from notifications.services import message_queue
from partners.models import MEDIATORS_GROUP, User, new_token

from .enums import SessionStatus
from .models import Assignment, MediatorUnavailability, Session


class ProgrammeError(Exception):
    """A rule about the programme was broken; the message is translated, for the user."""


def session_cancel(*, session: Session, reason: str) -> Session:
    """Mark a session cancelled and tell its mediators; returns the session, locked.

    The programme's part of a cancellation. Its bookings are cancelled by the bookings app
    (`bookings.services.session_cancel`), which calls this inside its own transaction.
    """
    reason = reason.strip()
    if not reason:
        raise ProgrammeError(_("Give the reason for the cancellation: it is sent to the partners."))
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        if locked.status == SessionStatus.CANCELLED:
            raise ProgrammeError(_("This session is already cancelled."))
        if locked.start <= timezone.now():
            raise ProgrammeError(_("This session has already started: it can no longer be cancelled."))
        locked.status = SessionStatus.CANCELLED
        locked.cancellation_reason = reason
        locked.sequence = F("sequence") + 1
        locked.save(update_fields=["status", "cancellation_reason", "sequence", "updated_at"])
        locked.refresh_from_db(fields=["sequence"])
        for mediator in locked.mediators.all():
            message_queue(
                template="mediator_session_cancelled",
                to=mediator.email,
                language=mediator.language,
                dedupe_key=f"mediator_session_cancelled:session-{locked.pk}:user-{mediator.pk}",
                context={
                    "session_id": locked.pk,
                    "reason": reason,
                    "first_name": mediator.first_name,
                    **session_facts(locked, language=mediator.language),
                },
            )
    return locked


# ---------------------------------------------------------------------------------------------
# Mediators: assignment, unavailability, session changes and what mediators are told
# ---------------------------------------------------------------------------------------------


def _local(value: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _margin() -> dt.timedelta:
    return dt.timedelta(minutes=settings.MEDIATOR_SETUP_MARGIN_MINUTES)


def mediator_is_eligible(user) -> bool:
    return user.is_active and user.groups.filter(name=MEDIATORS_GROUP).exists()


def mediator_conflict(
    *, mediator, start: dt.datetime, end: dt.datetime, exclude_session_id: int | None = None
) -> str | None:
    """Why the mediator cannot lead a session from `start` to `end`, or None when they can.

    Another planned session of theirs must leave the set-up margin (MEDIATOR_SETUP_MARGIN_MINUTES)
    free before and after; so must an unavailability (the set-up happens at the museum too).
    Two periods touching exactly at the margin are fine: 10:00–11:30 then 11:45 with 15 minutes.
    """
    margin = _margin()
    others = Session.objects.filter(
        assignments__mediator=mediator,
        status=SessionStatus.PLANNED,
        start__lt=end + margin,
        end__gt=start - margin,
    ).select_related("offer")
    if exclude_session_id is not None:
        others = others.exclude(pk=exclude_session_id)
    other = others.order_by("start").first()
    if other is not None:
        return _(
            "%(name)s already leads “%(offer)s” on %(when)s, which leaves less than %(margin)d minutes "
            "of set-up time."
        ) % {
            "name": mediator.get_full_name() or mediator.email,
            "offer": other.offer.title,
            "when": _local(other.start),
            "margin": settings.MEDIATOR_SETUP_MARGIN_MINUTES,
        }
    away = (
        MediatorUnavailability.objects.filter(
            mediator=mediator, start__lt=end + margin, end__gt=start - margin
        )
        .order_by("start")
        .first()
    )
    if away is not None:
        return _("%(name)s is unavailable from %(start)s to %(end)s (%(reason)s).") % {
            "name": mediator.get_full_name() or mediator.email,
            "start": _local(away.start),
            "end": _local(away.end),
            "reason": away.reason,
        }
    return None


def session_facts(session: Session, *, language: str) -> dict[str, str]:
    """What an email says about a session, as plain strings in the reader's language."""
    with translation.override(language):
        return {
            "offer": session.offer.title,
            "start": _local(session.start),
            "end_time": formats.time_format(timezone.localtime(session.end), "TIME_FORMAT"),
            "place": session.place,
            "session_url": settings.SITE_URL + reverse("planning:session", args=[session.pk]),
        }


def mediator_message_queue(*, template: str, mediator, session: Session, key: str, **extra) -> None:
    message_queue(
        template=template,
        to=mediator.email,
        language=mediator.language,
        dedupe_key=f"{template}:session-{session.pk}:user-{mediator.pk}:{key}",
        context={
            "session_id": session.pk,
            "first_name": mediator.first_name,
            **session_facts(session, language=mediator.language),
            **extra,
        },
    )


def mediator_assign(*, session: Session, mediator, by=None) -> Assignment:
    """Assign a mediator to a session, if they are a mediator, free, and not away."""
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        # Locking the mediator serialises two assignments of the same person made at the same time.
        person = User.objects.select_for_update().get(pk=mediator.pk)
        if not mediator_is_eligible(person):
            raise ProgrammeError(
                _("%(name)s is not in the Mediators group: add them to it first.")
                % {"name": person.get_full_name() or person.email}
            )
        if locked.status == SessionStatus.CANCELLED:
            raise ProgrammeError(_("This session is cancelled: no mediator can be assigned to it."))
        if Assignment.objects.filter(session=locked, mediator=person).exists():
            raise ProgrammeError(
                _("%(name)s is already assigned to this session.")
                % {"name": person.get_full_name() or person.email}
            )
        conflict = mediator_conflict(
            mediator=person, start=locked.start, end=locked.end, exclude_session_id=locked.pk
        )
        if conflict:
            raise ProgrammeError(conflict)
        assignment = Assignment.objects.create(session=locked, mediator=person)
        if locked.end > timezone.now():
            mediator_message_queue(
                template="mediator_assigned",
                mediator=person,
                session=locked,
                key=f"assignment-{assignment.pk}",
            )
    return assignment


def mediator_unassign(*, session: Session, mediator, by=None) -> None:
    """Take a mediator off a session; they are told if the session is still to come."""
    with transaction.atomic():
        locked = Session.objects.select_for_update().get(pk=session.pk)
        assignment = Assignment.objects.filter(session=locked, mediator=mediator).first()
        if assignment is None:
            raise ProgrammeError(_("This mediator is not assigned to this session."))
        assignment_id = assignment.pk
        assignment.delete()
        if locked.end > timezone.now() and locked.status == SessionStatus.PLANNED:
            mediator_message_queue(
                template="mediator_unassigned",
                mediator=mediator,
                session=locked,
                key=f"assignment-{assignment_id}",
            )


@dataclass(frozen=True)
class SessionChange:
    """What `session_update` changed, for whoever must tell the people concerned."""

    session: Session
    old_start: dt.datetime
    old_place: str
    moved: bool
    relocated: bool
    capacity_raised: bool

    @property
    def revision_key(self) -> str:
        """Names this revision of the session in the emails' dedupe keys (one email per change)."""
        return f"rev-{self.session.sequence}"

    def before(self, language: str) -> dict[str, str]:
        """The time and place before the change, written for a reader of `language`."""
        with translation.override(language):
            return {"old_start": _local(self.old_start), "old_place": self.old_place}


def session_update(
    *,
    session: Session,
    start: dt.datetime,
    end: dt.datetime,
    place: str,
    capacity: int,
    booking_deadline: dt.datetime | None = None,
    by=None,
) -> SessionChange:
    """Change a session's time, place or capacity; its mediators are told of a new time or place.

    A change of time or place raises the revision (calendars replace the event). The new time must
    suit every assigned mediator; the capacity may not go below the seats taken
    (`Session.capacity_error`, read under the session's lock, which every change of seats takes).
    The bookings app calls this and tells the booked structures (`bookings.sessions.session_update`).
    """
    place = place.strip()
    if end <= start:
        raise ProgrammeError(_("The session must end after it starts."))
    if not place:
        raise ProgrammeError(_("Give the place of the session."))
    if capacity < 1:
        raise ProgrammeError(_("A session has at least one seat."))
    with transaction.atomic():
        locked = Session.objects.select_for_update().select_related("offer").get(pk=session.pk)
        if locked.status == SessionStatus.CANCELLED:
            raise ProgrammeError(_("This session is cancelled: it can no longer be changed."))
        deadline = booking_deadline or locked.booking_deadline
        if start != locked.start and booking_deadline is None:
            deadline = locked.booking_deadline + (start - locked.start)
        if deadline > start:
            raise ProgrammeError(_("The booking deadline must be before the start of the session."))
        capacity_error = locked.capacity_error(capacity)
        if capacity_error:
            raise ProgrammeError(capacity_error)
        moved = start != locked.start or end != locked.end
        relocated = place != locked.place
        if moved:
            for mediator in locked.mediators.all():
                conflict = mediator_conflict(
                    mediator=mediator, start=start, end=end, exclude_session_id=locked.pk
                )
                if conflict:
                    raise ProgrammeError(conflict)
        change = SessionChange(
            session=locked,
            old_start=locked.start,
            old_place=locked.place,
            moved=moved,
            relocated=relocated,
            capacity_raised=capacity > locked.capacity,
        )
        locked.start, locked.end, locked.place = start, end, place
        locked.capacity, locked.booking_deadline = capacity, deadline
        fields = ["start", "end", "place", "capacity", "booking_deadline", "updated_at"]
        if moved or relocated:
            locked.sequence = F("sequence") + 1
            fields.append("sequence")
        locked.save(update_fields=fields)
        locked.refresh_from_db(fields=["sequence"])
        if moved or relocated:
            for mediator in locked.mediators.all():
                mediator_message_queue(
                    template="mediator_session_changed",
                    mediator=mediator,
                    session=locked,
                    key=change.revision_key,
                    **change.before(mediator.language),
                )
    return change


def unavailability_create(
    *, mediator, start: dt.datetime, end: dt.datetime, reason: str
) -> MediatorUnavailability:
    """Record a leave, a training or another duty; refused if the mediator leads a session then."""
    reason = reason.strip()
    if end <= start:
        raise ProgrammeError(_("The end must be after the start."))
    if not reason:
        raise ProgrammeError(_("Give the reason (leave, training, another duty)."))
    conflict = unavailability_conflict(mediator=mediator, start=start, end=end)
    if conflict:
        raise ProgrammeError(conflict)
    return MediatorUnavailability.objects.create(mediator=mediator, start=start, end=end, reason=reason)


def unavailability_update(
    *, unavailability: MediatorUnavailability, start: dt.datetime, end: dt.datetime, reason: str
) -> MediatorUnavailability:
    reason = reason.strip()
    if end <= start:
        raise ProgrammeError(_("The end must be after the start."))
    if not reason:
        raise ProgrammeError(_("Give the reason (leave, training, another duty)."))
    conflict = unavailability_conflict(mediator=unavailability.mediator, start=start, end=end)
    if conflict:
        raise ProgrammeError(conflict)
    unavailability.start, unavailability.end, unavailability.reason = start, end, reason
    unavailability.save(update_fields=["start", "end", "reason"])
    return unavailability


def unavailability_conflict(*, mediator, start: dt.datetime, end: dt.datetime) -> str | None:
    """A session the mediator is assigned to during the period (with the set-up margin)."""
    margin = _margin()
    other = (
        Session.objects.filter(
            assignments__mediator=mediator,
            status=SessionStatus.PLANNED,
            start__lt=end + margin,
            end__gt=start - margin,
        )
        .select_related("offer")
        .order_by("start")
        .first()
    )
    if other is None:
        return None
    return _("%(name)s leads “%(offer)s” on %(when)s: unassign them from that session first.") % {
        "name": mediator.get_full_name() or mediator.email,
        "offer": other.offer.title,
        "when": _local(other.start),
    }


def calendar_token_regenerate(*, user) -> str:
    """A new secret for the user's calendar links; the old links stop working at once."""
    user.calendar_token = new_token()
    user.save(update_fields=["calendar_token"])
    return user.calendar_token
