from django.apps import AppConfig


class PlanningConfig(AppConfig):
    """Mediators' planning: views, forms and URLs only; the rules live in the apps below."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "planning"
