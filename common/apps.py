from django.apps import AppConfig


class CommonConfig(AppConfig):
    """Shared infrastructure: the cache, permission helpers, admin helpers, error pages, checks."""

    name = "common"
    verbose_name = "Common"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the checks)
