from django.db import models
from django.utils.translation import gettext_lazy as _


class BookingStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("Waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    ATTENDED = "attended", _("Attended")
    ABSENT = "absent", _("Absent")


# Statuses that hold a place (a seat or a place in the waiting list).
ACTIVE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED)
# Statuses that take seats in the session.
SEATED_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.ATTENDED, BookingStatus.ABSENT)


class RequestKind(models.TextChoices):
    CYCLE = "cycle", _("A co-built cycle of visits")
    CUSTOM_DATE = "custom_date", _("A date outside the calendar")


class RequestStatus(models.TextChoices):
    NEW = "new", _("New")
    IN_DISCUSSION = "in_discussion", _("In discussion")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class ReminderKind(models.TextChoices):
    """The two reminders of a booking. The kind, not the delay, makes a reminder unique: when staff
    change the delays, a booking that already had its first reminder does not get another one."""

    FIRST = "first", _("First reminder")
    LAST = "last", _("Last reminder")


# Delays used when staff have not set a policy for an offer kind.
DEFAULT_REMINDER_DAYS = {ReminderKind.FIRST: 7, ReminderKind.LAST: 1}
