"""The portal's one cache mechanism, on Django's cache framework: a content version, and the public
pages kept rendered for visitors who are not logged in, keyed by that version.

Services call `content_changed()` after a write that pages show (an offer, a session, a booking, a
structure...). The version is bumped once the transaction commits, never inside it: a booking's
locked transaction makes no network call, and a rolled-back write bumps nothing. A kept value is
keyed by the version it was computed at, so the next request after any change computes it again.

`public_page` keeps the pages anyone can see (home, catalogue, offer pages, the legal pages) for
anonymous visitors, as pretalx's `conditional_cache_page` does: a condition decides whether the
request may share a page, and the key holds the version: a write deletes nothing, the entries of
older versions are no longer asked for and expire. Logged-in pages are never kept.

A cache that is down is a miss, never an error page: every call here is guarded.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language

logger = logging.getLogger(__name__)

T = TypeVar("T")

VERSION_KEY = "portal:content-version"
PAGE_KEY_PREFIX = "portal:page"
# A query string longer than this is rendered but not kept (no one types it; a crawler may).
MAX_CACHED_QUERY = 200
# Tells which answers came from the cache (tests, and the figures of bench/load/run.py).
HIT_HEADER = "X-Page-Cache"


# ---------------------------------------------------------------------------------------------
# The content version
# ---------------------------------------------------------------------------------------------


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


class _PendingBump:
    """The bump waiting for the commit of one transaction; `done` once run (a test running the
    callbacks of its still open transaction, with django_capture_on_commit_callbacks, may then
    make more writes, each needing its own bump)."""

    done = False

    def __call__(self) -> None:
        self.done = True
        _bump()


def content_changed() -> None:
    """What pages show has changed: bump the content version once the current transaction commits
    (at once outside a transaction). Several calls in one transaction bump it once; a rolled-back
    transaction (or savepoint) takes its bump with it."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        isinstance(func, _PendingBump) and not func.done for _sids, func, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(_PendingBump())


# ---------------------------------------------------------------------------------------------
# Guarded reads and writes
# ---------------------------------------------------------------------------------------------


def _get(key: str) -> object | None:
    try:
        return cache.get(key)
    except Exception:  # noqa: BLE001 - a miss
        logger.warning("cache unreachable: %s not read", key, exc_info=True)
        return None


def _set(key: str, value: object, seconds: int) -> None:
    try:
        cache.set(key, value, seconds)
    except Exception:  # noqa: BLE001 - not kept, served anyway
        logger.warning("cache unreachable: %s not kept", key, exc_info=True)


def cache_get_or_set(key: str, compute: Callable[[], T], *, seconds: int) -> T:
    """Django's `cache.get_or_set`, with a cache that is down as a miss: `compute()` is then called
    and its value returned, not kept. Put `content_version()` in `key` for a value that a write
    makes stale; `seconds` bounds what time alone changes."""
    value = _get(key)
    if value is None:
        value = compute()
        _set(key, value, seconds)
    return value


# ---------------------------------------------------------------------------------------------
# Public pages for visitors who are not logged in
# ---------------------------------------------------------------------------------------------


def _may_share(request: HttpRequest) -> bool:
    """A request whose page is the same as every other anonymous visitor's (for its URL and language)."""
    if request.method not in {"GET", "HEAD"} or len(request.META.get("QUERY_STRING", "")) > MAX_CACHED_QUERY:
        return False
    # Without a session cookie the visitor is anonymous: asking would read an empty session for nothing.
    if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
        return False
    # A message waiting (e.g. "you are logged out") is shown once, by a page of its own.
    return not len(messages.get_messages(request))


def _page_key(request: HttpRequest, version: int, variant: str) -> str:
    url = hashlib.blake2b(request.build_absolute_uri().encode(), digest_size=16).hexdigest()
    return f"{PAGE_KEY_PREFIX}:{version}:{get_language()}:{variant}:{url}"


def _may_keep(
    request: HttpRequest, response: HttpResponse, *, csrf_before: bool, session_before: bool
) -> bool:
    """Whether the page the view rendered is the same for every anonymous visitor: a page that used
    a CSRF token (a form), set a cookie, wrote to the session or said it is private is theirs only."""
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not response.has_header("Set-Cookie")
        and "private" not in response.get("Cache-Control", "")
        # get_token() flags the token for the CSRF middleware. A visitor whose CSRF cookie was
        # malformed has the flag before the view runs: then whether the page used a token cannot be
        # told, and it is not kept.
        and not csrf_before
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and session_before == _session_modified(request)
    )


def _session_modified(request: HttpRequest) -> bool:
    session = getattr(request, "session", None)
    return bool(session is not None and session.modified)


def public_page(variant: Callable[[HttpRequest], str] | None = None):
    """Serve a page anyone can see from the cache to anonymous visitors, until the next write that
    pages show (`content_changed()`) or PUBLIC_PAGE_CACHE_SECONDS (what time alone changes: a
    booking deadline passing; 0 turns the cache off).

    One copy per address, language, content version and `variant(request)`: what else the page
    depends on (the easy-to-read choice kept in the visitor's session, for instance); it runs before
    the cache is read, on every request, so its side effects (remembering the choice) happen on
    every visit. Logged-in visitors, and visitors with a message waiting, always get a fresh page.
    Browsers and proxies are told to ask again each time: the seats left change with every booking.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
            if seconds <= 0 or not _may_share(request):
                return view(request, *args, **kwargs)
            name = variant(request) if variant else ""
            version = content_version()
            key = None if version is None else _page_key(request, version, name)
            kept = _get(key) if key else None
            if kept is not None:
                content_type, content = kept
                response = HttpResponse(content, content_type=content_type)
                response[HIT_HEADER] = "hit"
            else:
                csrf_before = bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))
                session_before = _session_modified(request)
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                keep = key and _may_keep(
                    request, response, csrf_before=csrf_before, session_before=session_before
                )
                if keep:
                    _set(key, (response["Content-Type"], response.content), seconds)
                    response[HIT_HEADER] = "miss"
            patch_cache_control(response, no_cache=True)
            return response

        return wrapper

    return decorator
