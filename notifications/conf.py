"""The outbox's settings, each read with its default so that a project sets only what it changes.

OUTBOX_MAX_ATTEMPTS (6), OUTBOX_RETRY_BASE_SECONDS (60: then 2, 4, 8... minutes),
OUTBOX_RETRY_MAX_SECONDS (3600), OUTBOX_SENDING_TIMEOUT_SECONDS (600), OUTBOX_BATCH_SIZE (50),
OUTBOX_SWEEP_SECONDS (60), MUSEUM_NAME.
"""

from __future__ import annotations

from django.conf import settings

DEFAULTS = {
    "OUTBOX_MAX_ATTEMPTS": 6,
    "OUTBOX_RETRY_BASE_SECONDS": 60,
    "OUTBOX_RETRY_MAX_SECONDS": 3600,
    "OUTBOX_SENDING_TIMEOUT_SECONDS": 600,
    "OUTBOX_BATCH_SIZE": 50,
    "OUTBOX_SWEEP_SECONDS": 60,
    "MUSEUM_NAME": "Louvre-Lens",
}


def outbox_setting(name: str):
    return getattr(settings, name, DEFAULTS[name])
