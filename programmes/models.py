from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .enums import PER_PERSON_KINDS, AccessibilityFeature, Audience, ExhibitionKind, OfferKind, SessionStatus


class AccessibilityOption(models.Model):
    """One accessibility feature (LSF, audio description...), offered by an offer or needed by a group."""

    code = models.CharField(_("code"), max_length=32, choices=AccessibilityFeature.choices, unique=True)

    class Meta:
        verbose_name = _("accessibility feature")
        verbose_name_plural = _("accessibility features")
        ordering = ["code"]

    def __str__(self) -> str:
        return str(AccessibilityFeature(self.code).label)


class Exhibition(models.Model):
    """The permanent Galerie du temps or a temporary exhibition."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ExhibitionKind.choices)
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("exhibition")
        verbose_name_plural = _("exhibitions")
        ordering = ["kind", "-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="exhibition_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ExhibitionKind.values), name="exhibition_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Offer(models.Model):
    """Something the museum proposes: a training module, a visit, a workshop, a co-built cycle."""

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OfferKind.choices, db_index=True)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    formula = models.CharField(_("formula"), max_length=120, blank=True)
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"))
    easy_read_summary = models.TextField(
        _("easy-to-read (FALC) summary"),
        blank=True,
        help_text=_("Short sentences, common words: shown first to visitors who choose 'Easy to read'."),
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"))
    min_group_size = models.PositiveIntegerField(_("minimum group size"), default=1)
    max_group_size = models.PositiveIntegerField(_("maximum group size"))
    participants_per_staff = models.PositiveIntegerField(
        _("participants per accompanying staff"),
        null=True,
        blank=True,
        help_text=_("For example 8: at least one accompanying professional for every 8 participants."),
    )
    cancellation_deadline_hours = models.PositiveIntegerField(
        _("cancellation deadline (hours before)"), default=48
    )
    booking_deadline_hours = models.PositiveIntegerField(
        _("booking deadline (hours before)"),
        default=72,
        help_text=_("Default booking deadline of new sessions of this offer."),
    )
    requires_abc_training = models.BooleanField(
        _("requires the ABC module"),
        default=False,
        help_text=_("Only relais who attended L'ABC du musée may book it (visits they lead themselves)."),
    )
    exhibition = models.ForeignKey(
        Exhibition,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name=_("exhibition"),
    )
    accessibility = models.ManyToManyField(
        AccessibilityOption, blank=True, related_name="offers", verbose_name=_("accessibility features")
    )
    meeting_point = models.CharField(_("meeting point"), max_length=200, blank=True)
    what_to_bring = models.TextField(_("what to bring"), blank=True)
    is_published = models.BooleanField(_("published"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["kind", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=1), name="offer_duration_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(min_group_size__gte=1), name="offer_min_group_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(max_group_size__gte=models.F("min_group_size")),
                name="offer_max_group_at_least_min",
            ),
            models.CheckConstraint(
                condition=models.Q(participants_per_staff__isnull=True)
                | models.Q(participants_per_staff__gte=1),
                name="offer_staff_ratio_positive",
            ),
            models.CheckConstraint(condition=models.Q(kind__in=OfferKind.values), name="offer_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(audience__in=Audience.values), name="offer_audience_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_per_person(self) -> bool:
        return self.kind in PER_PERSON_KINDS

    # The defaults of a new session of this offer: the admin's forms, the services, the season
    # planner and the demo all take them from here.

    def session_end(self, start: dt.datetime) -> dt.datetime:
        """When a session of this offer starting at `start` ends: after the offer's duration."""
        return start + dt.timedelta(minutes=self.duration_minutes)

    def booking_deadline_for(self, start: dt.datetime, *, hours: int | None = None) -> dt.datetime:
        """The booking deadline of a session starting at `start`: the offer's number of hours
        before it (`booking_deadline_hours`), or `hours` when staff chose another one."""
        return start - dt.timedelta(hours=self.booking_deadline_hours if hours is None else hours)


class Project(models.Model):
    """A co-built project with one or more partners over time (Tour de Babel, Dép'art...)."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    description = models.TextField(_("description"))
    goals = models.TextField(_("goals"), blank=True)
    partners = models.ManyToManyField(
        "partners.Structure", blank=True, related_name="projects", verbose_name=_("partners")
    )
    exhibition = models.ForeignKey(
        Exhibition,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("exhibition"),
    )
    patron = models.CharField(_("patron or funder"), max_length=200, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("co-built project")
        verbose_name_plural = _("co-built projects")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="project_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class SessionQuerySet(models.QuerySet):
    def bookable(self, now: dt.datetime) -> SessionQuerySet:
        """The sessions open for booking at `now` (the rule of `Session.is_open_for_booking`)."""
        return self.filter(status=SessionStatus.PLANNED, start__gt=now, booking_deadline__gt=now)


class Session(models.Model):
    """One dated occurrence of an offer.

    `seats_taken` is written only by the bookings services, in the transaction that holds the
    session's row lock and changes the seats (bookings.services); pages read it as it is.
    """

    offer = models.ForeignKey(
        Offer, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("offer")
    )
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"))
    place = models.CharField(_("place"), max_length=200)
    capacity = models.PositiveIntegerField(_("capacity (seats)"))
    seats_taken = models.PositiveIntegerField(
        _("seats taken"),
        default=0,
        editable=False,
        help_text=_("Seats of the bookings that hold seats, kept by the booking services."),
    )
    booking_deadline = models.DateTimeField(_("booking deadline"))
    status = models.CharField(
        _("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.PLANNED
    )
    cancellation_reason = models.TextField(_("cancellation reason"), blank=True)
    mediators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Assignment",
        related_name="mediated_sessions",
        blank=True,
        verbose_name=_("mediators"),
    )
    project = models.ForeignKey(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("co-built project"),
    )
    sequence = models.PositiveIntegerField(_("revision"), default=0, help_text=_("Raised on every change."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["sequence", "updated_at", "seats_taken"])

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="session_capacity_positive"),
            models.CheckConstraint(
                condition=models.Q(seats_taken__lte=models.F("capacity")),
                name="session_seats_within_capacity",
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="session_end_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(booking_deadline__lte=models.F("start")),
                name="session_deadline_before_start",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
            models.UniqueConstraint(
                fields=["offer", "start", "place"], name="session_unique_offer_start_place"
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.start)
        return f"{self.offer} — {local:%d/%m/%Y %H:%M}"

    def save(self, *args, **kwargs) -> None:
        """A full save of a session read earlier leaves `seats_taken` alone: the bookings services
        write it under the session's lock, and a copy read before their last write would undo it."""
        if not self._state.adding and not kwargs.get("force_insert") and kwargs.get("update_fields") is None:
            deferred = self.get_deferred_fields()  # as Django does: the fields loaded only
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key and field.name != "seats_taken" and field.attname not in deferred
            ]
        super().save(*args, **kwargs)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken

    def is_open_for_booking(self, now: dt.datetime) -> bool:
        """Planned, not begun, and its booking deadline not passed (`Session.objects.bookable(now)`)."""
        return self.status == SessionStatus.PLANNED and self.start > now and self.booking_deadline > now

    def capacity_error(self, capacity: int) -> str | None:
        """Why the session cannot have `capacity` seats (never fewer than the seats taken), or None."""
        if capacity < self.seats_taken:
            return gettext("%(taken)d seats are already booked: the capacity cannot be lower.") % {
                "taken": self.seats_taken
            }
        return None

    @property
    def cancellation_deadline(self) -> dt.datetime:
        """Until when a booking of the session can be changed or cancelled online (the offer's delay)."""
        return self.start - dt.timedelta(hours=self.offer.cancellation_deadline_hours)


class UnstaffedSession(Session):
    """The same sessions, listed apart in the admin: the planned ones to come that nobody leads yet.

    A proxy model (no table of its own) so that the list has its own entry in the admin menu; the
    filtering is the admin's (programmes/admin_mediators.py).
    """

    class Meta:
        proxy = True
        verbose_name = _("session without a mediator")
        verbose_name_plural = _("sessions without a mediator")


class Assignment(models.Model):
    """A mediator assigned to a session."""

    session = models.ForeignKey(
        Session, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("session")
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("mediator"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("mediator assignment")
        verbose_name_plural = _("mediator assignments")
        constraints = [
            models.UniqueConstraint(fields=["session", "mediator"], name="assignment_unique_session_mediator")
        ]

    def __str__(self) -> str:
        return f"{self.mediator} — {self.session}"


class MediatorUnavailability(models.Model):
    """Leave, training or another duty: the mediator cannot be assigned then."""

    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="unavailabilities",
        verbose_name=_("mediator"),
    )
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("mediator unavailability")
        verbose_name_plural = _("mediator unavailabilities")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="unavailability_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mediator}: {self.reason}"


class ClosingDay(models.Model):
    """A day the museum is closed (besides every Tuesday): no session is planned on it."""

    date = models.DateField(_("date"), unique=True)
    label = models.CharField(_("label"), max_length=120)

    class Meta:
        verbose_name = _("closing day")
        verbose_name_plural = _("closing days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} — {self.label}"
