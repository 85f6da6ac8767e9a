"""Run the periodic tasks in this process, in a loop: the embedded default without Redis.

`make run` starts it in the background next to runserver, so that on a laptop without a broker
the outbox is swept, reminders are planned and sent (to the console) and waiting-list offers
expire. It reads the one schedule of `louvrelens_social/celery.py`; in production, run
`celery -A louvrelens_social beat` and a worker instead.
"""

from __future__ import annotations

import logging
import signal
import time

from celery import current_app
from celery.schedules import maybe_schedule
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic tasks (outbox sweep, reminders, waiting-list offers...) in a loop, no Redis."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="Seconds between two looks at the schedule (default 5).",
        )
        parser.add_argument("--once", action="store_true", help="Run every interval task once, then stop.")

    def handle(self, *args, interval: float, once: bool, **options):
        app = current_app
        app.loader.import_default_modules()  # registers every app's tasks
        if settings.CELERY_BROKER_URL:
            self.stderr.write(
                "A broker is configured: tasks still run here, in this process. In production, run "
                "`celery -A louvrelens_social beat` and a worker instead."
            )
        entries = []
        for name, entry in app.conf.beat_schedule.items():
            schedule = maybe_schedule(entry["schedule"], app=app)
            # Interval tasks run at once; daily ones wait for their time.
            last_run = None if isinstance(entry["schedule"], int | float) else schedule.now()
            entries.append({"name": name, "task": entry["task"], "schedule": schedule, "last_run": last_run})

        self._stop = False

        def stop(signum, frame):
            self._stop = True

        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(f"Scheduler started: {len(entries)} periodic tasks, looking every {interval:g} s.")
        try:
            while not self._stop:
                for entry in entries:
                    self._run_if_due(app, entry, once=once)
                if once:
                    break
                self._sleep(interval)
        except KeyboardInterrupt:
            pass
        self.stdout.write("Scheduler stopped.")

    def _run_if_due(self, app, entry: dict, *, once: bool) -> None:
        schedule = entry["schedule"]
        if entry["last_run"] is None:
            due = True
        elif once:
            return
        else:
            due = schedule.is_due(entry["last_run"]).is_due
        if not due:
            return
        entry["last_run"] = schedule.now()
        task = app.tasks.get(entry["task"])
        if task is None:
            logger.warning("Periodic task %s is not defined yet: skipped.", entry["task"])
            return
        close_old_connections()
        try:
            result = task()
        except Exception:  # noqa: BLE001 - one failing task must not stop the others; tried again next time
            logger.exception("Periodic task %s failed.", entry["name"])
            return
        if result:
            logger.info("%s: %s", entry["name"], result)

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self._stop and time.monotonic() < end:
            time.sleep(min(0.5, end - time.monotonic()))
