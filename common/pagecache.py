"""Rendered pages kept in the cache, and the one version number that makes them stale.

Every write to what the pages show (offers, sessions, seats, assignments, structures, attendance...)
bumps the *content version*, a counter kept in the shared cache (Redis in production: every worker
sees the same number). A cached page remembers the version it was rendered at and is served only
while the version is unchanged, so the seats left shown to visitors are refreshed by the very next
request after any booking, change or cancellation. The counter is bumped at the write (so a page
rendered later in the same request or test sees it) and once more after the transaction commits
(so a page rendered from the data of before the commit, while the transaction was running, is
dropped too). Time alone also changes pages (a booking deadline passes), so every entry also has a
time limit: settings.PUBLIC_PAGE_CACHE_SECONDS.

Two kinds of pages are kept:
- public pages (`public_page`): the pages anyone can see, for visitors who are not logged in and have
  no message waiting, and only when the page used no CSRF token: one copy per address and language;
- personal pages (`personal_page`): a logged-in user's own pages (their bookings, their week, the
  dashboard), one copy per user, session and address, after the view's access checks. Their forms'
  CSRF token is left out of the kept copy and put back, the visitor's own, each time it is served.

The booking decision never reads this cache: it counts the bookings under the session's row lock
(bookings/services.py).
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language

VERSION_KEY = "portal:content-version"
# A second counter for what is kept of each user's structures (partners.selectors.request_memberships):
# bumped by writes to structures and memberships only, so that a booking does not make every
# user's memberships be read again.
MEMBERSHIPS_VERSION_KEY = "portal:memberships-version"
PAGE_KEY_PREFIX = "portal:page"
PERSONAL_KEY_PREFIX = "portal:personal"
# Stands for the visitor's CSRF token in a kept personal page (see csrf_placeholder below).
CSRF_PLACEHOLDER = "csrf-token-of-this-visitor"
_CSRF_PLACEHOLDER_ATTRIBUTE = "_pagecache_csrf_placeholder"
# A kept value past its time limit is served for this long more while one request computes it again
# (never when the content version changed); the request computing it holds a lock this long at most.
STALE_GRACE_SECONDS = 120
REFRESH_LOCK_SECONDS = 30
# A query string longer than this is rendered but not kept (no one types it; a crawler may).
MAX_CACHED_QUERY = 200

# The models whose rows appear on pages. partners.User is left out on purpose: a login writes
# last_login, and names shown on pages change rarely (the time limit covers them).
WATCHED_APPS = {"programmes", "bookings"}
WATCHED_MODELS = {("partners", "structure"), ("partners", "membership"), ("partners", "trainingrecord")}
MEMBERSHIP_MODELS = {("partners", "structure"), ("partners", "membership")}


def content_version(version_key: str = VERSION_KEY) -> int:
    """The current content version (created on first use, from the clock, so it never goes back);
    `version_key`: another counter (MEMBERSHIPS_VERSION_KEY)."""
    version = cache.get(version_key)
    if version is None:
        cache.add(version_key, time.time_ns(), None)
        version = cache.get(version_key, 0)
    return version


def versioned_get(key: str, version_key: str = VERSION_KEY) -> tuple[int, object | None]:
    """The current content version, and the value kept under `key` if it was kept at that version
    (one round trip to the cache); None: the caller computes it again and keeps it (versioned_set).

    A value past its time limit, but of the current version, is still right except for what time
    alone changes: one request computes it again while the others keep getting the kept one, so
    that the workers do not all render the same heavy page at the same moment.
    """
    found = cache.get_many([version_key, key])
    version = found.get(version_key)
    entry = found.get(key)
    if version is None:
        return content_version(version_key), None
    if entry is None or entry[0] != version:
        return version, None
    _version, fresh_until, value = entry
    if time.time() < fresh_until or not cache.add(f"{key}:refresh", 1, REFRESH_LOCK_SECONDS):
        return version, value
    return version, None


def versioned_set(key: str, version: int, value: object, timeout: int) -> None:
    """Keep `value` under `key` for as long as its version counter stays `version` (and `timeout`)."""
    cache.set(key, (version, time.time() + timeout, value), timeout + STALE_GRACE_SECONDS)
    cache.delete(f"{key}:refresh")


def _increment(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # the key was evicted or the cache restarted: start again from the clock
        cache.set(key, time.time_ns(), None)


def _bump(keys: tuple[str, ...]) -> None:
    """Bump the counters `keys` now, and once more when the current transaction commits."""
    for key in keys:
        _increment(key)
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    # One bump after the commit is enough however many rows the transaction writes. Django drops
    # the callbacks of a transaction (or savepoint) that is rolled back, so none is left pending.
    pending = {func for _sids, func, _robust in connection.run_on_commit}
    for key in keys:
        if _AFTER_COMMIT[key] not in pending:
            transaction.on_commit(_AFTER_COMMIT[key])


# One function per counter, so that a transaction's pending bumps can be recognised (above).
_AFTER_COMMIT = {key: functools.partial(_increment, key) for key in (VERSION_KEY, MEMBERSHIPS_VERSION_KEY)}


def bump_content_version() -> None:
    """Make every cached page (and every user's kept memberships) stale, now and again at the commit."""
    _bump((VERSION_KEY, MEMBERSHIPS_VERSION_KEY))


def _watched(model) -> bool:
    meta = model._meta
    if meta.app_label in WATCHED_APPS:
        # django-simple-history's rows only mirror the rows that already bump the version.
        return not model.__name__.startswith("Historical")
    return (meta.app_label, meta.model_name) in WATCHED_MODELS


def _keys_bumped_by(model) -> tuple[str, ...]:
    if not _watched(model):
        return ()
    if (model._meta.app_label, model._meta.model_name) in MEMBERSHIP_MODELS:
        return (VERSION_KEY, MEMBERSHIPS_VERSION_KEY)
    return (VERSION_KEY,)


def _on_write(sender, **kwargs) -> None:
    if kwargs.get("raw"):  # fixtures being loaded
        return
    keys = _keys_bumped_by(sender)
    if keys:
        _bump(keys)


def _on_m2m(sender, action, instance, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        keys = _keys_bumped_by(type(instance))
        if keys:
            _bump(keys)


def connect_signals() -> None:
    post_save.connect(_on_write, dispatch_uid="pagecache-save")
    post_delete.connect(_on_write, dispatch_uid="pagecache-delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="pagecache-m2m")


# ---------------------------------------------------------------------------------------------
# Whole pages for visitors who are not logged in
# ---------------------------------------------------------------------------------------------


# Each process also keeps the public pages it served last, so that a request asks the shared cache
# for the version only (a few bytes), not for the page: the version is still read on every request.
_LOCAL_PAGES: OrderedDict[str, tuple[int, float, tuple]] = OrderedDict()
_LOCAL_LOCK = threading.Lock()
LOCAL_PAGES_MAX = 200


def _local_get(key: str) -> tuple[int | None, tuple | None]:
    version = cache.get(VERSION_KEY)
    with _LOCAL_LOCK:
        kept = _LOCAL_PAGES.get(key)
        if kept is not None:
            _LOCAL_PAGES.move_to_end(key)
    if version is None or kept is None or kept[0] != version or time.time() >= kept[1]:
        return version, None
    return version, kept[2]


def _local_set(key: str, version: int, entry: tuple, seconds: int) -> None:
    with _LOCAL_LOCK:
        _LOCAL_PAGES[key] = (version, time.time() + seconds, entry)
        _LOCAL_PAGES.move_to_end(key)
        while len(_LOCAL_PAGES) > LOCAL_PAGES_MAX:
            _LOCAL_PAGES.popitem(last=False)


def _may_share(request: HttpRequest) -> bool:
    """A request whose page is the same as every other anonymous visitor's (for its URL and language)."""
    if request.method not in {"GET", "HEAD"} or len(request.META.get("QUERY_STRING", "")) > MAX_CACHED_QUERY:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
        return False
    # A message waiting (e.g. "you are logged out") is shown once, by a page of its own.
    return not len(messages.get_messages(request))


def _page_key(request: HttpRequest, variant: str) -> str:
    path = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
    return f"{PAGE_KEY_PREFIX}:{get_language()}:{variant}:{path}"


def public_page(variant: Callable[[HttpRequest], str] | None = None):
    """Serve a public page from the cache to anonymous visitors, rendered again after every write.

    `variant(request)` names what else the page depends on (the easy-to-read choice kept in the
    visitor's session, for instance); it runs before the cache is read, on every request.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            seconds = settings.PUBLIC_PAGE_CACHE_SECONDS
            if seconds <= 0 or not _may_share(request):
                return view(request, *args, **kwargs)
            key = _page_key(request, variant(request) if variant else "")
            version, entry = _local_get(key)
            if entry is None:
                version, entry = versioned_get(key)
                if entry is not None:
                    _local_set(key, version, entry, seconds)
            if entry is not None:
                content_type, content = entry
                response = HttpResponse(content, content_type=content_type)
                response["X-Page-Cache"] = "hit"
            else:
                # A visitor with a malformed CSRF cookie gets a new one before the view runs: then
                # whether the page itself used a token cannot be told, and it is not kept.
                token_before = request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                if (
                    response.status_code == 200
                    and not response.cookies
                    and not response.has_header("Set-Cookie")
                    and not token_before
                    and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
                ):
                    entry = (response["Content-Type"], response.content)
                    versioned_set(key, version, entry, seconds)
                    _local_set(key, version, entry, seconds)
                    response["X-Page-Cache"] = "miss"
            # Browsers and shared proxies must ask again: the seats left change with every booking.
            patch_cache_control(response, no_cache=True)
            return response

        return wrapper

    return decorator


# ---------------------------------------------------------------------------------------------
# Personal pages of a logged-in user
# ---------------------------------------------------------------------------------------------


def csrf_placeholder(request: HttpRequest) -> dict:
    """Context processor: while a personal page is rendered to be kept, its forms get a placeholder
    instead of a CSRF token (the visitor's own token replaces it each time the page is served)."""
    if getattr(request, _CSRF_PLACEHOLDER_ATTRIBUTE, False):
        return {"csrf_token": CSRF_PLACEHOLDER}
    return {}


def _personal_key(request: HttpRequest) -> str:
    user = request.user
    # Everything of the user and of their session the page may show or depend on: the role, the
    # name in the menu, the email banner, the structure chosen in the session, the address.
    session = sorted((key, repr(value)) for key, value in request.session.items())
    who = repr(
        (
            user.pk,
            user.get_full_name(),
            user.email,
            user.email_verified,
            user.is_staff,
            getattr(user, "is_mediator", False),
            session,
            request.get_full_path(),
        )
    )
    digest = hashlib.blake2b(who.encode(), digest_size=16).hexdigest()
    return f"{PERSONAL_KEY_PREFIX}:{user.pk}:{get_language()}:{digest}"


def personal_page(check: Callable[[HttpRequest], None] | None = None):
    """Keep a logged-in user's page rendered until the next write (or PERSONAL_PAGE_CACHE_SECONDS).

    Goes under the access decorators (login_required, staff_required...); `check(request)` runs the
    view's own access checks before the cache is read, on every request. A page with a message to
    show is rendered, never kept.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            seconds = settings.PERSONAL_PAGE_CACHE_SECONDS
            if check is not None:
                check(request)
            if (
                seconds <= 0
                or request.method not in {"GET", "HEAD"}
                or not request.user.is_authenticated
                or len(request.META.get("QUERY_STRING", "")) > MAX_CACHED_QUERY
                or len(messages.get_messages(request))
            ):
                return view(request, *args, **kwargs)
            key = _personal_key(request)
            version, entry = versioned_get(key)
            if entry is not None:
                content_type, content = entry
                response = HttpResponse(content, content_type=content_type)
                response["X-Page-Cache"] = "hit"
            else:
                setattr(request, _CSRF_PLACEHOLDER_ATTRIBUTE, True)
                try:
                    response = view(request, *args, **kwargs)
                    if hasattr(response, "render") and callable(response.render):
                        response = response.render()
                finally:
                    setattr(request, _CSRF_PLACEHOLDER_ATTRIBUTE, False)
                if response.streaming:
                    return response
                if (
                    response.status_code == 200
                    and not response.cookies
                    and not len(messages.get_messages(request))
                ):
                    versioned_set(key, version, (response["Content-Type"], response.content), seconds)
                    response["X-Page-Cache"] = "miss"
            token = get_token(request).encode()
            response.content = response.content.replace(CSRF_PLACEHOLDER.encode(), token)
            patch_cache_control(response, private=True, no_cache=True)
            return response

        return wrapper

    return decorator
