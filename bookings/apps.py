from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self):
        # The .ics of a booking attached to its confirmation, change and reminder emails, and the
        # reminders' last check before sending (see bookings/reminders.py).
        from . import reminders

        reminders.register()
