"""System checks of the portal's own settings (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs) -> list[Warning]:
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache") or backend.endswith("DummyCache"):
        return [
            Warning(
                "No shared cache: each server process keeps its own pages and content version, so a page "
                "may show seats left that are up to PUBLIC_PAGE_CACHE_SECONDS old.",
                hint="Set CACHE_URL to a Redis database (see the README, 'En production').",
                id="louvrelens.W001",
            )
        ]
    return []
