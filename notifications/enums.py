from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent: no longer needed")


class ReminderKind(models.TextChoices):
    """The two reminders of a booking. The kind, not the delay, makes a reminder unique: when staff
    change the delays, a booking that already had its first reminder does not get another one."""

    FIRST = "first", _("First reminder")
    LAST = "last", _("Last reminder")


# Delays used when staff have not set a policy for an offer kind.
DEFAULT_REMINDER_DAYS = {ReminderKind.FIRST: 7, ReminderKind.LAST: 1}
