from django.apps import AppConfig


class DashboardConfig(AppConfig):
    """Staff dashboard: views, forms and URLs only; the rules live in the apps below."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "dashboard"
