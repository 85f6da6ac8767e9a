"""Settings of the reminders benchmark (bench/reminders.py): the portal's, with a null mail backend.

The backend still builds every MIME message (so rendering and encoding are measured), then drops it.
"""

from louvrelens_social.settings import *  # noqa: F403

DEBUG = False
EMAIL_BACKEND = "bench.mail.SerializingNullBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
