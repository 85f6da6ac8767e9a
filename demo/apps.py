from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo programme: a management command and its data, no models (development only)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
