"""Settings of the load benchmark (bench/load/run.py): the portal's own, production-like, plus the
ceiling view's URL. Only what a benchmark must not do differs: no real email goes out, the static
files are collected to a temporary directory, and the log stays quiet.
"""

import os

from louvrelens_social.settings import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.load.urls"
# The booking POST queues emails; they are rendered by the tasks as in production but never sent.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
STATIC_ROOT = os.environ.get("BENCH_STATIC_ROOT", "/tmp/louvrelens_bench_static")  # noqa: S108
# The in-process query counts use Django's test client, whose host is "testserver".
ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
