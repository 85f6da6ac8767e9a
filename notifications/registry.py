"""What the apps that send emails add to them when they are rendered: context, attachments, a last
check before sending, and what a batch of messages loads with it.

The outbox knows no other app of the portal: an app registers here, from its `AppConfig.ready()`,
what its templates need, for example::

    register_context(BOOKING_TEMPLATES, booking_context)
    register_attachments("booking_confirmed", booking_ics_attachment)
    register_preload(with_bookings)

Providers receive the `OutboxMessage` being rendered. A batch of messages is loaded in one query
passed through every registered preload (`select_related` / `prefetch_related` of what the
providers read), so that a batch costs a fixed number of queries whatever its size, and a provider
normally needs no query of its own. A message rendered alone (the admin's preview) is not
preloaded: its providers then load what they read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.db.models import QuerySet

from .models import OutboxMessage

Attachment = tuple[str, bytes, str]
AttachmentProvider = Callable[[OutboxMessage], list[Attachment]]
ContextProvider = Callable[[OutboxMessage], dict]
ObsoleteCheck = Callable[[OutboxMessage], str | None]
Preload = Callable[[QuerySet[OutboxMessage]], QuerySet[OutboxMessage]]

_attachments: dict[str, list[AttachmentProvider]] = {}
_contexts: dict[str, list[ContextProvider]] = {}
_obsolete_checks: dict[str, list[ObsoleteCheck]] = {}
_preloads: list[Preload] = []


def _names(template: str | Iterable[str]) -> list[str]:
    return [template] if isinstance(template, str) else list(template)


def _add(registry: dict[str, list], template: str | Iterable[str], provider: Callable) -> None:
    for name in _names(template):
        providers = registry.setdefault(name, [])
        if provider not in providers:  # ready() may run twice in tests
            providers.append(provider)


def register_attachments(template: str | Iterable[str], provider: AttachmentProvider) -> None:
    """Attach `provider(message)` -> [(filename, content, mimetype)] to every email of `template`."""
    _add(_attachments, template, provider)


def register_context(template: str | Iterable[str], provider: ContextProvider) -> None:
    """Add `provider(message)` -> dict to the render context of every email of `template`.

    The provider runs in the reader's language, after the message's own `context`: its keys win.
    """
    _add(_contexts, template, provider)


def register_obsolete_check(template: str | Iterable[str], check: ObsoleteCheck) -> None:
    """`check(message)` returns why a message must no longer be sent (e.g. a reminder of a booking
    cancelled since it was queued), or None. Such a message is marked "not sent", not failed."""
    _add(_obsolete_checks, template, check)


def register_preload(preload: Preload) -> None:
    """`preload(queryset)` returns the queryset that loads a batch of messages with what the app's
    providers read (e.g. `.select_related(...)`), so that rendering the batch needs no query per message."""
    if preload not in _preloads:
        _preloads.append(preload)


def preloaded(queryset: QuerySet[OutboxMessage]) -> QuerySet[OutboxMessage]:
    for preload in _preloads:
        queryset = preload(queryset)
    return queryset


def attachments_for(message: OutboxMessage) -> list[Attachment]:
    found: list[Attachment] = []
    for provider in _attachments.get(message.template, []):
        found.extend(provider(message))
    return found


def context_for(message: OutboxMessage) -> dict:
    extra: dict = {}
    for provider in _contexts.get(message.template, []):
        extra.update(provider(message))
    return extra


def obsolete_reason(message: OutboxMessage) -> str | None:
    for check in _obsolete_checks.get(message.template, []):
        reason = check(message)
        if reason:
            return str(reason)
    return None


def templates_with_context() -> set[str]:
    """The templates some app adds context to (tests check that no template reads what none gives)."""
    return {name for name, providers in _contexts.items() if providers}
