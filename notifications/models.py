from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from programmes.enums import OfferKind

from .enums import DEFAULT_REMINDER_DAYS, MessageState, ReminderKind


class OutboxMessage(models.Model):
    """One email the portal must send: a row with a state, so that nothing is lost or sent twice.

    `dedupe_key` makes a message unique per purpose (for example "reminder-last:booking-42:user-7").
    The message is rendered when it is sent, from `template` and `context`, so that it reflects the
    data as it is at that moment. `claim` identifies the sending run that holds a "sending" row: a
    run only marks sent the rows it still holds.
    """

    dedupe_key = models.CharField(_("key"), max_length=200, unique=True)
    template = models.CharField(_("template"), max_length=100)
    context = models.JSONField(_("context"), default=dict, blank=True)
    to = models.EmailField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=8, default="fr")
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="messages",
        verbose_name=_("booking"),
    )
    state = models.CharField(
        _("state"), max_length=16, choices=MessageState.choices, default=MessageState.QUEUED, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    subject = models.CharField(_("subject"), max_length=250, blank=True)
    not_before = models.DateTimeField(_("not before"), db_index=True)
    sending_since = models.DateTimeField(_("sending since"), null=True, blank=True)
    claim = models.UUIDField(_("sending run"), null=True, blank=True, editable=False, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("email")
        verbose_name_plural = _("emails (outbox)")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=MessageState.values), name="outbox_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["state", "not_before"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.template} → {self.to} ({self.get_state_display()})"


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
        "bookings.Booking", on_delete=models.CASCADE, related_name="reminders", verbose_name=_("booking")
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
