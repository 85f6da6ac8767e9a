from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bookings"
    verbose_name = _("Bookings")

    def ready(self):
        # What the outbox adds to the bookings app's emails when it renders them: the booking, its
        # session and link, the .ics, the reminders' facts and last check (see bookings/emails.py).
        # Imported here, not at the top: models can be imported only once the apps are loaded.
        from . import emails

        emails.register()
