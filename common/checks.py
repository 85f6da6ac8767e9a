"""System checks of the portal's own settings (`manage.py check --deploy`)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

HINT = "Set CACHE_URL to a Redis database (see the README, 'En production')."


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs) -> list[Warning]:
    """Production runs several processes: the content version (common/cache.py) and the sessions
    must be the same for all of them."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        message = (
            "No shared cache: each server process has its own content version and its own copy of the "
            "sessions. A write bumps the version of the process that made it only, so the public pages "
            "kept by the other processes may show seats left up to PUBLIC_PAGE_CACHE_SECONDS old, and a "
            "session changed or ended (a logout) in one process may still be used by the others."
        )
    elif backend.endswith("DummyCache"):
        message = (
            "No cache: every public page is rendered again on every request, and every session is read "
            "from the database."
        )
    else:
        return []
    return [Warning(message, hint=HINT, id="louvrelens.W001")]
