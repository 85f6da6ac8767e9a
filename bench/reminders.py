"""Benchmark: one Celery worker sends 10,000 due reminders; then a no-op task on the same broker.

    .venv/bin/python bench/reminders.py            (or: make bench-reminders)
    .venv/bin/python bench/reminders.py --count 2000

Needs PostgreSQL and Redis (`make services`). It creates its own database (dropped at the end) and
uses its own Redis database number (flushed). Printed: the time the worker took, the database
queries per reminder (counted inside the worker), the worker's memory before and after, the
throughput of a no-op task through the same broker, and the ratio of the two.

Environment: BENCH_PG_URL (postgres://postgres@127.0.0.1:5432), BENCH_REDIS_URL
(redis://127.0.0.1:6379/6), BENCH_DB_NAME (louvrelens_bench_reminders).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
DB_NAME = os.environ.get("BENCH_DB_NAME", "louvrelens_bench_reminders")

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": f"{PG_URL}/{DB_NAME}",
        "CELERY_BROKER_URL": REDIS_URL,
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "bench-only-secret-key",
        "DJANGO_DEBUG": "0",
    }
)


def admin_sql(statement: str) -> None:
    import psycopg2

    conn = psycopg2.connect(f"{PG_URL}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(statement)
    conn.close()


def flush_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()


def create_bookings(count: int) -> None:
    """`count` confirmed bookings of sessions tomorrow, one coordinator each, booked a month ago."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from bookings.models import Booking
    from partners.models import Membership, Structure, User
    from programmes.models import Offer, Session

    now = timezone.now().replace(microsecond=0)
    offer = Offer.objects.create(
        title="Visite de la Galerie du temps",
        slug="bench-visite",
        kind="guided_visit",
        audience="group",
        summary="Une visite avec un médiateur.",
        description="Une heure et demie dans la Galerie du temps.",
        duration_minutes=90,
        max_group_size=20,
        meeting_point="Hall d'accueil",
        what_to_bring="Une pièce d'identité par accompagnateur",
    )
    per_session = 40
    sessions = Session.objects.bulk_create(
        Session(
            offer=offer,
            start=now + dt.timedelta(hours=20, minutes=n),
            end=now + dt.timedelta(hours=21, minutes=30 + n),
            place="Hall d'accueil",
            capacity=per_session * 10,
            booking_deadline=now,
        )
        for n in range((count + per_session - 1) // per_session)
    )
    password = make_password(None)
    users = User.objects.bulk_create(
        User(email=f"relais{n}@bench.example", password=password, first_name="Camille", last_name=f"R{n}")
        for n in range(count)
    )
    structures = Structure.objects.bulk_create(
        Structure(
            name=f"Structure {n}",
            kind="social_centre",
            address="1 rue de la Paix",
            postcode="62300",
            city="Lens",
            departement="62",
            phone="03 21 00 00 00",
            email=f"structure{n}@bench.example",
            status="active",
        )
        for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(user=user, structure=structure) for user, structure in zip(users, structures, strict=True)
    )
    Booking.objects.bulk_create(
        Booking(
            session=sessions[n // per_session],
            structure=structures[n],
            booked_by=users[n],
            participants=8,
            accompanying_staff=2,
            contact_name="Dominique Leroy",
            contact_phone="06 00 00 00 00",
        )
        for n in range(count)
    )
    Booking.objects.update(created_at=now - dt.timedelta(days=30))


class Worker:
    def __init__(self, log_path: Path):
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            str(REPO / ".venv" / "bin" / "celery"),
            "-A",
            "louvrelens_social",
            "worker",
            "-I",
            "bench.probe",
            "-l",
            "warning",
            "-c",
            "1",
            "--pool",
            "prefork",
            "-n",
            f"bench-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


def report(path: Path, timeout: float = 600) -> dict:
    from bench.probe import report_task

    path.unlink(missing_ok=True)
    report_task.delay(path=str(path))
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if path.exists():
            return json.loads(path.read_text())
        time.sleep(0.05)
    raise SystemExit(f"The worker did not answer; see {path.parent}/worker.log")


def wait_all_sent(count: int, timeout: float) -> None:
    from notifications.enums import MessageState
    from notifications.models import OutboxMessage

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        left = OutboxMessage.objects.exclude(state=MessageState.SENT).count()
        if left == 0:
            return
        time.sleep(0.5)
    raise SystemExit(f"{left} reminders still not sent after {timeout:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000, help="reminders to send (default 10,000)")
    parser.add_argument("--noops", type=int, default=10_000, help="no-op tasks to time (default 10,000)")
    args = parser.parse_args()

    admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
    admin_sql(f'CREATE DATABASE "{DB_NAME}"')
    flush_redis()
    workdir = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    worker = Worker(workdir / "worker.log")
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        from bench.probe import noop_task
        from bookings.reminders import reminders_plan
        from louvrelens_social.celery import app

        call_command("migrate", verbosity=0)
        print(f"Database {DB_NAME}, broker {REDIS_URL}, {args.count:,} bookings due for their reminder.")
        create_bookings(args.count)

        started = time.monotonic()
        planned = reminders_plan()  # queues the outbox rows; batches of 50 go to the broker on commit
        planning = time.monotonic() - started
        print(f"Planning: {planned:,} reminders queued in {planning:.1f} s (in this process).")

        worker.start()
        wait_all_sent(args.count, timeout=3600)
        after = report(workdir / "after.json")
        sending = after["last_send"] - after["first_send"]
        queries = after["queries"].get("notifications.tasks.send_messages_task", 0)
        batches = after["runs"].get("notifications.tasks.send_messages_task", 0)
        reminders_per_s = after["sent"] / sending
        worker.stop()

        # The no-op tasks wait in the broker first, so the worker is timed on tasks alone.
        with app.producer_or_acquire() as producer:
            for _ in range(args.noops):
                noop_task.apply_async(producer=producer)
        worker.start()
        noop = report(workdir / "noop.json")  # queued after the no-ops: answered once they have run
        worker.stop()
        noop_time = noop["last_noop"] - noop["first_noop"]
        noops_per_s = (noop["noops"] - 1) / noop_time if noop_time else float("inf")

        print()
        print(
            f"Reminders sent by one worker (prefork, concurrency 1): {after['sent']:,} in {batches} batches"
        )
        print(f"  time (first to last batch):  {sending:.1f} s  →  {reminders_per_s:,.0f} reminders/s")
        print(
            f"  database queries:            {queries / after['sent']:.2f} per reminder ({queries:,} in all)"
        )
        print(
            f"  worker memory (RSS):         {after['rss_start_kb'] / 1024:.1f} MiB before, "
            f"{after['rss_now_kb'] / 1024:.1f} MiB after (pool process; main process "
            f"{after['parent_rss_kb'] / 1024:.1f} MiB)"
        )
        print(
            f"No-op task, same broker and worker: {noop['noops']:,} in {noop_time:.1f} s"
            f"  →  {noops_per_s:,.0f} tasks/s"
        )
        print(
            f"Ratio: a reminder costs {noops_per_s / reminders_per_s:.1f}× a no-op task "
            f"(reminders/s ÷ no-ops/s = {reminders_per_s / noops_per_s:.3f})."
        )
        connections.close_all()
    finally:
        worker.stop()
        flush_redis()
        admin_sql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


if __name__ == "__main__":
    main()
