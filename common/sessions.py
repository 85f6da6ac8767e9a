"""Sessions kept in the database and read through the cache (Django's `cached_db`), with a cache that
is down as a miss.

Django's `cached_db` guards its first read of the cache and its write after a save, but not the
write back after a read from the database, nor the `in` test of a new session key (login), nor the
delete (logout): with Redis unreachable, every page of a logged-in user would be an error. Here the
cache it talks to answers "not there" instead of raising, and the database alone holds the session.

A delete that fails leaves the cached copy of a session that has ended until the cache forgets it
(a restarted Redis without persistence has): the same as Django's own backend when a Redis restored
from a snapshot brings back sessions deleted since. The failure is logged as an error.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

logger = logging.getLogger(__name__)


class _CacheOrMiss:
    """The few calls `cached_db` makes, each a miss (or nothing done) when the cache fails."""

    def __init__(self, cache) -> None:
        self._cache = cache

    def _warn(self, what: str) -> None:
        logger.warning("cache unreachable: session %s skipped", what, exc_info=True)

    def get(self, key, default=None):
        try:
            return self._cache.get(key, default)
        except Exception:  # noqa: BLE001 - read from the database instead
            self._warn("read")
            return default

    def set(self, key, value, timeout=None) -> None:
        try:
            self._cache.set(key, value, timeout)
        except Exception:  # noqa: BLE001 - the database holds it
            self._warn("write")

    def delete(self, key) -> None:
        try:
            self._cache.delete(key)
        except Exception:  # noqa: BLE001 - deleted from the database, not from the cache
            logger.error("cache unreachable: session deleted from the database only", exc_info=True)

    def __contains__(self, key) -> bool:
        try:
            return key in self._cache
        except Exception:  # noqa: BLE001 - the database is asked next
            self._warn("lookup")
            return False

    def __getattr__(self, name):  # the async methods, unused by the portal
        return getattr(self._cache, name)


class SessionStore(CachedDBStore):
    def __init__(self, session_key=None) -> None:
        super().__init__(session_key)
        self._cache = _CacheOrMiss(self._cache)
