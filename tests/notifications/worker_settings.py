"""Settings of the Celery worker processes the proofs start: the portal's, with short delays.

Used as DJANGO_SETTINGS_MODULE of the worker only (the delays are seconds so that a test sees a
retry, a stuck row or a sweep within a few seconds).
"""

import os

from louvrelens_social.settings import *  # noqa: F403

OUTBOX_SWEEP_SECONDS = float(os.environ.get("TEST_OUTBOX_SWEEP_SECONDS", "1"))
OUTBOX_SENDING_TIMEOUT_SECONDS = float(os.environ.get("TEST_OUTBOX_SENDING_TIMEOUT_SECONDS", "4"))
OUTBOX_RETRY_BASE_SECONDS = float(os.environ.get("TEST_OUTBOX_RETRY_BASE_SECONDS", "1"))
OUTBOX_RETRY_MAX_SECONDS = 30
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("TEST_OUTBOX_MAX_ATTEMPTS", "3"))
OUTBOX_BATCH_SIZE = int(os.environ.get("TEST_OUTBOX_BATCH_SIZE", "10"))
REMINDER_PLAN_SECONDS = 3600  # the tests plan reminders themselves
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 10}
