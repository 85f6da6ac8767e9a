from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    """Home, catalogue and projects: views, forms and URLs only; the rules live in the apps below."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "catalogue"
