from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import MessageState


class OutboxMessage(models.Model):
    """One email the portal must send: a row with a state, so that nothing is lost or sent twice.

    `dedupe_key` makes a message unique per purpose (for example "reminder-last:booking-42:user-7").
    The message is rendered when it is sent, from `template` and `context`, so that it reflects the
    data as it is at that moment. `claim` identifies the sending run that holds a "sending" row: a
    run only marks sent the rows it still holds.

    `booking`: the booking an email is about, if any. The outbox itself never reads it: it is a
    nullable key (declared by name, no import) that lets the admin and the privacy erasure find a
    booking's emails, removes them with the booking, and lets the bookings app load the batch's
    bookings in the same query as the messages (see `registry.register_preload`).
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
