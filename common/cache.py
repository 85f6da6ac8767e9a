"""The content version: one number in the cache that every kept page and figure is keyed by.

Services call `content_changed()` after a write that pages show (an offer, a session, a booking, a
structure...). The version is bumped once the transaction commits, never inside it: a booking's
locked transaction makes no network call, and a rolled-back write bumps nothing. A kept value is
keyed by the version it was computed at, so the next request after any change computes it again.

A cache that is down is a miss, never an error page: every call here is guarded.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "portal:content-version"


def content_version() -> int | None:
    """The current content version (created on first use, from the clock, so it never goes back);
    None when the cache cannot be reached (then nothing is kept nor served from the cache)."""
    try:
        version = cache.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, time.time_ns(), None)
            version = cache.get(VERSION_KEY)
        return version
    except Exception:  # noqa: BLE001 - a cache that is down must not take pages down
        logger.warning("cache unreachable: content version unknown", exc_info=True)
        return None


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # the key was evicted or the cache restarted: start again from the clock
        _set_from_clock()
    except Exception:  # noqa: BLE001
        logger.warning("cache unreachable: content version not bumped", exc_info=True)


def _set_from_clock() -> None:
    try:
        cache.set(VERSION_KEY, time.time_ns(), None)
    except Exception:  # noqa: BLE001
        logger.warning("cache unreachable: content version not reset", exc_info=True)


def content_changed() -> None:
    """What pages show has changed: bump the content version once the current transaction commits
    (at once outside a transaction). Several calls in one transaction bump it once."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(func is _bump for _sids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_bump)
