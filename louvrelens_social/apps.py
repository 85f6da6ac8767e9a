from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project itself as an app: it ties the page cache to the writes of the other apps."""

    name = "louvrelens_social"
    verbose_name = "Louvre-Lens portal"

    def ready(self) -> None:
        from . import checks  # noqa: F401 (registers the checks)
        from .pagecache import connect_signals

        connect_signals()
