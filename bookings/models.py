from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from programmes.enums import OfferKind

from .enums import (
    ACTIVE_STATUSES,
    DEFAULT_REMINDER_DAYS,
    SEATED_STATUSES,
    BookingStatus,
    ReminderKind,
    RequestKind,
    RequestStatus,
)


class BookingQuerySet(models.QuerySet):
    def holding_seats(self) -> BookingQuerySet:
        """The bookings whose seats `Session.seats_taken` counts (see `Booking.holds_seats`)."""
        return self.filter(
            models.Q(status__in=SEATED_STATUSES)
            | models.Q(status=BookingStatus.WAITLISTED, waitlist_offer_expires_at__isnull=False)
        )

    def with_live_offer(self, now: dt.datetime) -> BookingQuerySet:
        """Waiting groups that may still confirm the seats offered to them (`Booking.offer_is_live`)."""
        return self.filter(status=BookingStatus.WAITLISTED, waitlist_offer_expires_at__gt=now)

    def with_offer_run_out(self, now: dt.datetime) -> BookingQuerySet:
        """Waiting groups whose offer of seats ran out: theirs to withdraw, the seats to pass on."""
        return self.filter(status=BookingStatus.WAITLISTED, waitlist_offer_expires_at__lte=now)


class Booking(models.Model):
    """A structure's booking of a session for a group (or, for relais offers, for one relais).

    The portal stores counts and needs of the people accompanied, never their names.
    """

    session = models.ForeignKey(
        "programmes.Session", on_delete=models.PROTECT, related_name="bookings", verbose_name=_("session")
    )
    structure = models.ForeignKey(
        "partners.Structure", on_delete=models.PROTECT, related_name="bookings", verbose_name=_("structure")
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings_made",
        verbose_name=_("booked by"),
    )
    attendee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_bookings",
        verbose_name=_("relais attending"),
        help_text=_("For relais offers (ABC, deepening course), booked one person at a time."),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=BookingStatus.choices,
        default=BookingStatus.CONFIRMED,
        db_index=True,
    )
    participants = models.PositiveIntegerField(_("participants"))
    accompanying_staff = models.PositiveIntegerField(_("accompanying staff"), default=0)
    wheelchair_users = models.PositiveIntegerField(_("wheelchair users"), default=0)
    accessibility_needs = models.ManyToManyField(
        "programmes.AccessibilityOption", blank=True, related_name="+", verbose_name=_("accessibility needs")
    )
    accessibility_notes = models.TextField(_("other accessibility needs"), blank=True)
    contact_name = models.CharField(_("contact person on the day"), max_length=150)
    contact_phone = models.CharField(_("contact phone on the day"), max_length=30)
    comment = models.TextField(_("comment"), blank=True)
    present_participants = models.PositiveIntegerField(_("participants present"), null=True, blank=True)
    present_staff = models.PositiveIntegerField(_("accompanying staff present"), null=True, blank=True)
    attendance_recorded_at = models.DateTimeField(_("attendance recorded at"), null=True, blank=True)
    waitlist_offer_expires_at = models.DateTimeField(
        _("waiting-list offer expires at"),
        null=True,
        blank=True,
        help_text=_("Set when freed seats are offered to this waiting group."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    free_text_cleared_at = models.DateTimeField(_("free text cleared at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = BookingQuerySet.as_manager()

    class Meta:
        verbose_name = _("booking")
        verbose_name_plural = _("bookings")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(participants__gte=1), name="booking_participants_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    wheelchair_users__lte=models.F("participants") + models.F("accompanying_staff")
                ),
                name="booking_wheelchairs_within_group",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=BookingStatus.values), name="booking_status_valid"
            ),
            models.UniqueConstraint(
                fields=["session", "structure"],
                condition=models.Q(status__in=ACTIVE_STATUSES, attendee__isnull=True),
                name="booking_one_active_group_per_structure_session",
            ),
            models.UniqueConstraint(
                fields=["session", "attendee"],
                condition=models.Q(status__in=ACTIVE_STATUSES, attendee__isnull=False),
                name="booking_one_active_seat_per_relais_session",
            ),
        ]
        indexes = [
            # Covering the impact figures (people present per session and structure), so that the
            # dashboard sums them without reading the whole table.
            models.Index(
                fields=["session", "status"],
                include=["structure", "present_participants"],
                name="booking_session_status",
            )
        ]

    def __str__(self) -> str:
        return f"{self.structure.name} — {self.session}"

    @property
    def seats(self) -> int:
        return self.participants + self.accompanying_staff

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def holds_seats(self) -> bool:
        """Its seats are counted in the session's `seats_taken`: a seated booking, or a waiting group
        offered freed seats, until it confirms them, leaves, or a write takes back an offer run out."""
        return self.status in SEATED_STATUSES or (
            self.status == BookingStatus.WAITLISTED and self.waitlist_offer_expires_at is not None
        )

    def offer_is_live(self, now: dt.datetime) -> bool:
        """A waiting group offered freed seats that may still confirm them (`with_live_offer`)."""
        return (
            self.status == BookingStatus.WAITLISTED
            and self.waitlist_offer_expires_at is not None
            and self.waitlist_offer_expires_at > now
        )


class AttendanceChange(models.Model):
    """Every recording or correction of a booking's attendance: who, when, from what to what."""

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="attendance_changes", verbose_name=_("booking")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    old_status = models.CharField(_("previous status"), max_length=16, choices=BookingStatus.choices)
    new_status = models.CharField(_("new status"), max_length=16, choices=BookingStatus.choices)
    old_participants = models.PositiveIntegerField(_("previous participants present"), null=True, blank=True)
    new_participants = models.PositiveIntegerField(_("participants present"), null=True, blank=True)
    old_staff = models.PositiveIntegerField(_("previous staff present"), null=True, blank=True)
    new_staff = models.PositiveIntegerField(_("staff present"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendance change")
        verbose_name_plural = _("attendance changes")
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.booking_id} @ {self.changed_at:%d/%m/%Y %H:%M}"


class ProjectRequest(models.Model):
    """ "Pensez-y !": a partner asks for a co-built cycle or a date that is not in the calendar."""

    structure = models.ForeignKey(
        "partners.Structure", on_delete=models.CASCADE, related_name="requests", verbose_name=_("structure")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("asked by"),
    )
    kind = models.CharField(_("kind of request"), max_length=16, choices=RequestKind.choices)
    wished_start = models.DateField(_("wished period: from"))
    wished_end = models.DateField(_("wished period: to"))
    participants = models.PositiveIntegerField(_("expected participants"))
    group_description = models.TextField(_("the group"), help_text=_("Who they are, never their names."))
    goals = models.TextField(_("goals"))
    exhibition = models.ForeignKey(
        "programmes.Exhibition",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("exhibition of interest"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.NEW
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    project = models.ForeignKey(
        "programmes.Project",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="requests",
        verbose_name=_("project made from it"),
    )
    sessions = models.ManyToManyField(
        "programmes.Session", blank=True, related_name="requests", verbose_name=_("sessions made from it")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project request")
        verbose_name_plural = _("project requests")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wished_end__gte=models.F("wished_start")), name="request_period_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(participants__gte=1), name="request_participants_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=RequestStatus.values), name="request_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.structure.name}"


# --- Reminders (moved from notifications, which knows no booking; their tables were renamed) ---


class ReminderPolicy(models.Model):
    """How many days before a session its bookings' coordinators are reminded, per offer kind.

    Without a policy for an offer kind, the defaults apply: 7 days, then 1 day before.
    """

    offer_kind = models.CharField(_("offer kind"), max_length=32, choices=OfferKind.choices, unique=True)
    first_days_before = models.PositiveSmallIntegerField(
        _("first reminder (days before)"),
        null=True,
        blank=True,
        default=DEFAULT_REMINDER_DAYS[ReminderKind.FIRST],
        help_text=_("Leave empty to send no first reminder."),
    )
    last_days_before = models.PositiveSmallIntegerField(
        _("last reminder (days before)"),
        null=True,
        blank=True,
        default=DEFAULT_REMINDER_DAYS[ReminderKind.LAST],
        help_text=_("Leave empty to send no last reminder."),
    )

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")
        ordering = ["offer_kind"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(offer_kind__in=OfferKind.values), name="reminder_policy_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(first_days_before__isnull=True)
                | models.Q(last_days_before__isnull=True)
                | models.Q(first_days_before__gt=models.F("last_days_before")),
                name="reminder_policy_first_before_last",
                violation_error_message=_(
                    "The first reminder must come before the last one: more days before."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(first_days_before__isnull=True) | models.Q(first_days_before__gte=1),
                name="reminder_policy_first_positive",
                violation_error_message=_("A reminder is sent at least 1 day before the session."),
            ),
            models.CheckConstraint(
                condition=models.Q(last_days_before__isnull=True) | models.Q(last_days_before__gte=1),
                name="reminder_policy_last_positive",
                violation_error_message=_("A reminder is sent at least 1 day before the session."),
            ),
        ]

    def __str__(self) -> str:
        return str(OfferKind(self.offer_kind).label)

    def days_before(self, kind: str) -> int | None:
        return self.first_days_before if kind == ReminderKind.FIRST else self.last_days_before


class Reminder(models.Model):
    """A reminder planned for a booking: at most one per (booking, kind), enforced by the database.

    The row is written when the reminder is queued; its emails are outbox messages (one per
    coordinator), rendered when sent from the booking as it is then.
    """

    booking = models.ForeignKey(
        Booking, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("booking")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    due_at = models.DateTimeField(_("due at"))
    queued_at = models.DateTimeField(_("queued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-queued_at"]
        constraints = [
            models.UniqueConstraint(fields=["booking", "kind"], name="reminder_unique_booking_kind"),
            models.CheckConstraint(
                condition=models.Q(kind__in=ReminderKind.values), name="reminder_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.booking_id}"
