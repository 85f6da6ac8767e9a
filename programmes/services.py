"""Every write and state change about offers, sessions and mediators' assignments.

The rules about a session's schedule (`session_problems`), about assigning a mediator
(`mediator_assign_problem`, `mediator_conflict`) and about an unavailability
(`unavailability_problems`) each live in one function here: the admin's forms show what they
return at the field, and the services raise it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from common.cache import content_changed
from notifications.services import message_queue
from partners.models import User, new_token

from .enums import SessionStatus
from .models import Assignment, MediatorUnavailability, Offer, Project, Session


class ProgrammeError(Exception):
    """A rule about the programme was broken; the message is translated, for the user.

    `field` names the form field the message belongs to, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def _raise_first(problems: list[ProgrammeError]) -> None:
    if problems:
        raise problems[0]


# ---------------------------------------------------------------------------------------------
# Sessions: their schedule's rules, creation, change and cancellation
# ---------------------------------------------------------------------------------------------


def session_problems(
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    booking_deadline: dt.datetime | None = None,
    place: str | None = None,
    capacity: int | None = None,
) -> list[ProgrammeError]:
    """Every rule about a session's schedule these values break, each at its field; empty when none.

    What is None is not checked (a form leaves out a field that already has its own error). The
    database holds the same rules as CHECK constraints; these are their messages.
    """
    problems = []
    if start is not None and end is not None and end <= start:
        problems.append(ProgrammeError(_("The session must end after it starts."), field="end"))
    if start is not None and booking_deadline is not None and booking_deadline > start:
        problems.append(
            ProgrammeError(
                _("The booking deadline must be before the start of the session."), field="booking_deadline"
            )
        )
    if place is not None and not place.strip():
        problems.append(ProgrammeError(_("Give the place of the session."), field="place"))
    if capacity is not None and capacity < 1:
        problems.append(ProgrammeError(_("The capacity must be at least 1 seat."), field="capacity"))
    return problems


def booking_deadline_moved(
    *, old_start: dt.datetime, old_deadline: dt.datetime, start: dt.datetime
) -> dt.datetime:
    """A session moves to `start` and its booking deadline was left as it was: it moves as far."""
    return old_deadline + (start - old_start)


def session_create(
    *,
    offer: Offer,
    start: dt.datetime,
    place: str,
    capacity: int,
    end: dt.datetime | None = None,
    booking_deadline: dt.datetime | None = None,
    project: Project | None = None,
    by: User | None = None,
) -> Session:
    """Create one planned session of `offer`; its end and booking deadline default to the offer's
    (`Offer.session_end`, `Offer.booking_deadline_for`). Raises ProgrammeError at its field."""
    place = place.strip()
    end = offer.session_end(start) if end is None else end
    deadline = offer.booking_deadline_for(start) if booking_deadline is None else booking_deadline
    _raise_first(
        session_problems(start=start, end=end, booking_deadline=deadline, place=place, capacity=capacity)
    )
    session = Session(
        offer=offer,
        start=start,
        end=end,
        place=place,
        capacity=capacity,
        booking_deadline=deadline,
        status=SessionStatus.PLANNED,
        project=project,
    )
    if by is not None:
        session._history_user = by  # noqa: SLF001 - django-simple-history reads who made the change here
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as exc:  # the unique (offer, start, place): created meanwhile by someone else
        raise ProgrammeError(
            _("A session of this offer already exists at this time and place."), field="start"
        ) from exc
    content_changed()
    return session


def sessions_create(
    *,
    offer: Offer,
    place: str,
    capacity: int,
    times: Sequence[tuple[dt.datetime, dt.datetime, dt.datetime]],
    project: Project | None = None,
    by: User | None = None,
    change_reason: str = "",
) -> list[Session]:
    """Create many planned sessions of `offer` at once, each (start, end, booking deadline) in
    `times`, with the checks of `session_create`; all or nothing, one history row each.

    A session that already exists at one of these times and places raises IntegrityError (the
    caller, inside its own transaction, says what to do).
    """
    place = place.strip()
    for start, end, deadline in times:
        _raise_first(
            session_problems(start=start, end=end, booking_deadline=deadline, place=place, capacity=capacity)
        )
    objects = [
        Session(
            offer=offer,
            start=start,
            end=end,
            place=place,
            capacity=capacity,
            booking_deadline=deadline,
            status=SessionStatus.PLANNED,
            project=project,
        )
        for start, end, deadline in times
    ]
    with transaction.atomic():
        created = bulk_create_with_history(
            objects, Session, batch_size=500, default_user=by, default_change_reason=change_reason or None
        )
    content_changed()
    return created


def session_cancel(*, session: Session, reason: str) -> Session:
    """Mark a session cancelled and tell its mediators; returns the session, locked.

    The programme's part of a cancellation. Its bookings are cancelled by the bookings app
    (`bookings.sessions.session_cancel`), which calls this inside its own transaction.
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
            mediator_message_queue(
                template="mediator_session_cancelled",
                mediator=mediator,
                session=locked,
                key="",
                reason=reason,
            )
        content_changed()
    return locked


# ---------------------------------------------------------------------------------------------
# Mediators: assignment, unavailability, session changes and what mediators are told
# ---------------------------------------------------------------------------------------------


def _local(value: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _name(user) -> str:
    return user.get_full_name() or user.email


def mediator_busy_period(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The time a mediator is taken by a session from `start` to `end`: the session and the set-up
    margin (MEDIATOR_SETUP_MARGIN_MINUTES) before and after it. Another session or an
    unavailability of theirs may touch this period but not overlap it: 10:00–11:30 then 11:45 is
    fine with 15 minutes."""
    margin = dt.timedelta(minutes=settings.MEDIATOR_SETUP_MARGIN_MINUTES)
    return start - margin, end + margin


def _sessions_led_during(mediator, start: dt.datetime, end: dt.datetime):
    """The planned sessions of the mediator too close to the period from `start` to `end`."""
    busy_from, busy_until = mediator_busy_period(start, end)
    return (
        Session.objects.filter(
            assignments__mediator=mediator,
            status=SessionStatus.PLANNED,
            start__lt=busy_until,
            end__gt=busy_from,
        )
        .select_related("offer")
        .order_by("start")
    )


def mediator_is_eligible(user) -> bool:
    return user.is_active and user.is_mediator


def mediator_conflict(
    *, mediator, start: dt.datetime, end: dt.datetime, exclude_session_id: int | None = None
) -> str | None:
    """Why the mediator cannot lead a session from `start` to `end`, or None when they can.

    Another planned session of theirs, or an unavailability (the set-up happens at the museum
    too), must leave the set-up margin free before and after (`mediator_busy_period`).
    """
    others = _sessions_led_during(mediator, start, end)
    if exclude_session_id is not None:
        others = others.exclude(pk=exclude_session_id)
    other = others.first()
    if other is not None:
        return _(
            "%(name)s already leads “%(offer)s” on %(when)s, which leaves less than %(margin)d minutes "
            "of set-up time."
        ) % {
            "name": _name(mediator),
            "offer": other.offer.title,
            "when": _local(other.start),
            "margin": settings.MEDIATOR_SETUP_MARGIN_MINUTES,
        }
    busy_from, busy_until = mediator_busy_period(start, end)
    away = (
        MediatorUnavailability.objects.filter(mediator=mediator, start__lt=busy_until, end__gt=busy_from)
        .order_by("start")
        .first()
    )
    if away is not None:
        return _("%(name)s is unavailable from %(start)s to %(end)s (%(reason)s).") % {
            "name": _name(mediator),
            "start": _local(away.start),
            "end": _local(away.end),
            "reason": away.reason,
        }
    return None


def mediator_assign_problem(*, session: Session, mediator) -> str | None:
    """Why `mediator` cannot be assigned to `session` (as it is, saved or not), or None when they can:
    they must be a mediator, the session planned, they not assigned to it yet, and free then."""
    if not mediator_is_eligible(mediator):
        return _("%(name)s is not in the Mediators group: add them to it first.") % {"name": _name(mediator)}
    if session.status == SessionStatus.CANCELLED:
        return _("This session is cancelled: no mediator can be assigned to it.")
    if session.pk and Assignment.objects.filter(session=session, mediator=mediator).exists():
        return _("%(name)s is already assigned to this session.") % {"name": _name(mediator)}
    return mediator_conflict(
        mediator=mediator, start=session.start, end=session.end, exclude_session_id=session.pk
    )


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
    """Queue an email about `session` to `mediator`, once per (template, session, mediator, key)."""
    suffix = f":{key}" if key else ""
    message_queue(
        template=template,
        to=mediator.email,
        language=mediator.language,
        dedupe_key=f"{template}:session-{session.pk}:user-{mediator.pk}{suffix}",
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
        problem = mediator_assign_problem(session=locked, mediator=person)
        if problem:
            raise ProgrammeError(problem)
        assignment = Assignment.objects.create(session=locked, mediator=person)
        if locked.end > timezone.now():
            mediator_message_queue(
                template="mediator_assigned",
                mediator=person,
                session=locked,
                key=f"assignment-{assignment.pk}",
            )
        content_changed()
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
        content_changed()


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

    A change of time or place raises the revision (calendars replace the event). Without a
    `booking_deadline`, the deadline moves with the start. The new time must suit every assigned
    mediator; the capacity may not go below the seats taken (`Session.capacity_error`, read under the
    session's lock, which every change of seats takes). The bookings app calls this and tells the
    booked structures (`bookings.sessions.session_update`).
    """
    place = place.strip()
    _raise_first(session_problems(start=start, end=end, place=place, capacity=capacity))
    with transaction.atomic():
        locked = Session.objects.select_for_update().select_related("offer").get(pk=session.pk)
        if locked.status == SessionStatus.CANCELLED:
            raise ProgrammeError(_("This session is cancelled: it can no longer be changed."))
        deadline = booking_deadline or locked.booking_deadline
        if start != locked.start and booking_deadline is None:
            deadline = booking_deadline_moved(
                old_start=locked.start, old_deadline=locked.booking_deadline, start=start
            )
        _raise_first(session_problems(start=start, booking_deadline=deadline))
        capacity_error = locked.capacity_error(capacity)
        if capacity_error:
            raise ProgrammeError(capacity_error, field="capacity")
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
        content_changed()
    return change


def unavailability_create(
    *, mediator, start: dt.datetime, end: dt.datetime, reason: str
) -> MediatorUnavailability:
    """Record a leave, a training or another duty; refused if the mediator leads a session then."""
    reason = reason.strip()
    _raise_first(unavailability_problems(mediator=mediator, start=start, end=end, reason=reason))
    return MediatorUnavailability.objects.create(mediator=mediator, start=start, end=end, reason=reason)


def unavailability_update(
    *, unavailability: MediatorUnavailability, start: dt.datetime, end: dt.datetime, reason: str
) -> MediatorUnavailability:
    reason = reason.strip()
    _raise_first(
        unavailability_problems(mediator=unavailability.mediator, start=start, end=end, reason=reason)
    )
    unavailability.start, unavailability.end, unavailability.reason = start, end, reason
    unavailability.save(update_fields=["start", "end", "reason"])
    return unavailability


def unavailability_conflict(*, mediator, start: dt.datetime, end: dt.datetime) -> str | None:
    """A session the mediator is assigned to during the period (with the set-up margin)."""
    other = _sessions_led_during(mediator, start, end).first()
    if other is None:
        return None
    return _("%(name)s leads “%(offer)s” on %(when)s: unassign them from that session first.") % {
        "name": _name(mediator),
        "offer": other.offer.title,
        "when": _local(other.start),
    }


def unavailability_problems(
    *, mediator, start: dt.datetime | None, end: dt.datetime | None, reason: str | None = None
) -> list[ProgrammeError]:
    """Every rule an unavailability breaks, each at its field (None: a conflict with a session)."""
    problems = []
    if start is not None and end is not None and end <= start:
        problems.append(ProgrammeError(_("The end must be after the start."), field="end"))
    if reason is not None and not reason.strip():
        problems.append(ProgrammeError(_("Give the reason (leave, training, another duty)."), field="reason"))
    if not problems and mediator is not None and start is not None and end is not None:
        conflict = unavailability_conflict(mediator=mediator, start=start, end=end)
        if conflict:
            problems.append(ProgrammeError(conflict))
    return problems


def calendar_token_regenerate(*, user) -> str:
    """A new secret for the user's calendar links; the old links stop working at once."""
    user.calendar_token = new_token()
    user.save(update_fields=["calendar_token"])
    return user.calendar_token
