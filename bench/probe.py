"""Loaded into the benchmark's worker (`celery worker -I bench.probe`): counts the database queries
of each task, the reminders sent, the worker's memory, and provides a no-op task.

`report_task(path=...)` writes what it measured to a JSON file the benchmark reads.
"""

from __future__ import annotations

import json
import os
import time

from celery import shared_task
from celery.signals import task_postrun, task_prerun, worker_process_init

STATS: dict = {
    "queries": {},  # task name -> queries
    "runs": {},  # task name -> executions
    "sent": 0,
    "first_send": None,
    "last_send": None,
    "first_noop": None,
    "last_noop": None,
    "noops": 0,
    "rss_start_kb": None,
}
_current = {"queries": 0}


def rss_kb(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _count(execute, sql, params, many, context):
    _current["queries"] += 1
    return execute(sql, params, many, context)


@worker_process_init.connect
def _install(**kwargs):
    from django.db import connection

    connection.execute_wrappers.append(_count)
    STATS["rss_start_kb"] = rss_kb()


@task_prerun.connect
def _before(task=None, **kwargs):
    _current["queries"] = 0
    if task.name == "notifications.tasks.send_messages_task" and STATS["first_send"] is None:
        STATS["first_send"] = time.time()


@task_postrun.connect
def _after(task=None, retval=None, **kwargs):
    name = task.name
    STATS["queries"][name] = STATS["queries"].get(name, 0) + _current["queries"]
    STATS["runs"][name] = STATS["runs"].get(name, 0) + 1
    if name in ("notifications.tasks.send_messages_task", "notifications.tasks.send_message_task"):
        STATS["sent"] += int(retval or 0)
        STATS["last_send"] = time.time()


@shared_task(name="bench.probe.noop_task")
def noop_task() -> None:
    now = time.time()
    if STATS["first_noop"] is None:
        STATS["first_noop"] = now
    STATS["last_noop"] = now
    STATS["noops"] += 1


@shared_task(name="bench.probe.report_task")
def report_task(*, path: str) -> None:
    report = {**STATS, "rss_now_kb": rss_kb(), "parent_rss_kb": rss_kb(os.getppid()), "pid": os.getpid()}
    tmp = path + ".tmp"
    with open(tmp, "w") as out:
        json.dump(report, out)
    os.replace(tmp, path)
