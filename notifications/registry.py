"""What other apps add to a message when it is rendered: attachments and extra context.

Notifications never imports the other apps at module level; they register here from their
`AppConfig.ready()`, for example::

    register_attachments("booking_confirmed", booking_ics_attachment)

A provider receives the `OutboxMessage` being rendered, with `message.booking` already loaded
(session, offer and structure selected with it), so that it normally needs no query of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import OutboxMessage

Attachment = tuple[str, bytes, str]
AttachmentProvider = Callable[["OutboxMessage"], list[Attachment]]
ContextProvider = Callable[["OutboxMessage"], dict]
ObsoleteCheck = Callable[["OutboxMessage"], "str | None"]

_attachments: dict[str, list[AttachmentProvider]] = {}
_contexts: dict[str, list[ContextProvider]] = {}
_obsolete_checks: dict[str, list[ObsoleteCheck]] = {}


def _names(template: str | Iterable[str]) -> list[str]:
    return [template] if isinstance(template, str) else list(template)


def register_attachments(template: str | Iterable[str], provider: AttachmentProvider) -> None:
    """Attach `provider(message)` -> [(filename, content, mimetype)] to every email of `template`."""
    for name in _names(template):
        providers = _attachments.setdefault(name, [])
        if provider not in providers:  # ready() may run twice in tests
            providers.append(provider)


def register_context(template: str | Iterable[str], provider: ContextProvider) -> None:
    """Add `provider(message)` -> dict to the render context of every email of `template`."""
    for name in _names(template):
        providers = _contexts.setdefault(name, [])
        if provider not in providers:
            providers.append(provider)


def register_obsolete_check(template: str | Iterable[str], check: ObsoleteCheck) -> None:
    """`check(message)` returns why a message must no longer be sent (e.g. a reminder of a booking
    cancelled since it was queued), or None. Such a message is marked "not sent", not failed."""
    for name in _names(template):
        checks = _obsolete_checks.setdefault(name, [])
        if check not in checks:
            checks.append(check)


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
