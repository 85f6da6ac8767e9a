"""Proofs against a real Redis and real Celery worker processes (started and killed here).

(a) the same send task delivered twice sends one email;
(b) with Redis stopped, a coordinator books: the booking succeeds, the confirmation goes out once
    Redis is back (the beat's sweeper), nothing lost;
(c) a worker killed (SIGKILL) in the middle of a batch of reminders: after a restart every due
    reminder is sent exactly once;
(d) an SMTP error is retried with backoff and ends visibly in "failed" after the last attempt.

The workers use the test database (committed rows: `transaction=True`), the SMTP sink of
`smtp_sink.py` (so the emails are counted where they arrive) and `worker_settings.py` (delays of
seconds). Broker: the database CELERY_TEST_BROKER_URL names, flushed (database 5 when it names 0, the
development broker that `make test` passes, so that it is never flushed); for (b) a Redis server of our
own on a free port, which the test stops and starts again.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from bookings.enums import BookingStatus
from bookings.models import Booking, Reminder
from bookings.tasks import plan_reminders_task
from notifications.enums import MessageState
from notifications.models import OutboxMessage
from notifications.services import message_queue
from notifications.tasks import send_message_task
from tests.bookings.factories import booking_with_coordinators
from tests.partners.factories import MembershipFactory, UserFactory
from tests.programmes.factories import SessionFactory

REPO = Path(__file__).resolve().parents[2]
# Next to the interpreter running the tests: the project's venv, wherever the checkout is.
CELERY = Path(sys.executable).parent / "celery"
SPARE_DB = 5  # used instead of database 0, the development broker

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("CELERY_TEST_BROKER_URL") or not shutil.which("redis-server"),
        reason="needs Redis: CELERY_TEST_BROKER_URL (set by `make test`) and redis-server",
    ),
]


# --------------------------------------------------------------------------------------- helpers


def wait_until(predicate, *, timeout: float = 60, interval: float = 0.2) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def shared_broker_url() -> str:
    """The test broker's database: several checkouts may run these tests at once, each on its own."""
    base = os.environ["CELERY_TEST_BROKER_URL"].rstrip("/")
    head, _, last = base.rpartition("/")
    if not last.isdigit():
        return f"{base}/{SPARE_DB}"
    return f"{head}/{SPARE_DB}" if int(last) == 0 else base


def flush(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def _reset_pools(app) -> None:
    from kombu import pools

    # Producer and connection pools are cached per broker by kombu and by the app: start afresh.
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@contextlib.contextmanager
def publishing_to(url: str):
    """This test process hands tasks to the broker at `url` instead of running them inline."""
    from louvrelens_social.celery import app

    saved = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    _reset_pools(app)
    try:
        yield app
    finally:
        app.conf.broker_url, app.conf.task_always_eager = saved
        _reset_pools(app)


class RedisServer:
    """A Redis server owned by one test, which may stop it for real without harming anyone else."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _ping(self) -> bool:
        result = subprocess.run(
            ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True, check=False
        )
        return result.stdout.strip() == "PONG"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        assert wait_until(self._ping, timeout=10), "redis-server did not start"
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        assert not self._ping()


class Worker:
    """`celery -A louvrelens_social worker` in its own process group (so SIGKILL takes the pool too)."""

    def __init__(self, *, broker: str, sink, directory: Path, beat: bool = True, concurrency: int = 1, **env):
        self.broker, self.sink, self.directory = broker, sink, directory
        self.beat, self.concurrency, self.extra_env = beat, concurrency, env
        self.process: subprocess.Popen | None = None
        self.log_path = directory / f"worker-{uuid.uuid4().hex[:8]}.log"

    def start(self) -> Worker:
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
            "DATABASE_CONN_MAX_AGE": "0",
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "CELERY_BROKER_URL": self.broker,
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": self.sink.host,
            "EMAIL_PORT": str(self.sink.port),
            "EMAIL_TIMEOUT": "20",
            **{key: str(value) for key, value in self.extra_env.items()},
        }
        command = [
            str(CELERY),
            "-A",
            "louvrelens_social",
            "worker",
            "-l",
            "info",
            "-c",
            str(self.concurrency),
            "--pool",
            "prefork",
            "-n",
            f"h5-{uuid.uuid4().hex[:8]}@%h",
            "--without-gossip",
            "--without-mingle",
        ]
        if self.beat:
            command += ["-B", "-s", str(self.directory / f"beat-{uuid.uuid4().hex[:8]}")]
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        assert wait_until(lambda: " ready." in self.log(), timeout=90), self.log()[-3000:]
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(20)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        # Whatever is left of the group (a pool child) goes too.
        if self.process:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)


@pytest.fixture
def workers(transactional_db, tmp_path):
    """Start workers with `workers(...)`; they are all stopped before the database is flushed."""
    started: list[Worker] = []

    def start(**kwargs) -> Worker:
        worker = Worker(directory=tmp_path, **kwargs).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def broker():
    url = shared_broker_url()
    flush(url)
    yield url
    flush(url)


def _reminder_row(user, booking, key: str) -> OutboxMessage:
    return OutboxMessage.objects.create(
        template="reminder",
        to=user.email,
        dedupe_key=key,
        booking=booking,
        context={"booking_id": booking.pk, "kind": "last"},
        not_before=timezone.now() - dt.timedelta(seconds=1),
    )


# --------------------------------------------------------------------------------------- proofs


def test_a_same_send_task_delivered_twice_sends_one_email(workers, broker, sink):
    booking, (user,) = booking_with_coordinators(start_in=dt.timedelta(hours=20))
    message = _reminder_row(user, booking, "proof-a")
    worker = workers(broker=broker, sink=sink, beat=False, concurrency=2)

    with publishing_to(broker):
        task_id = str(uuid.uuid4())
        for _ in range(2):  # the same task, delivered twice (as a broker redelivery would)
            send_message_task.apply_async(kwargs={"message_id": message.pk}, task_id=task_id)

    assert wait_until(lambda: worker.log().count("send_message_task[") >= 4, timeout=60), worker.log()[-3000:]
    assert wait_until(lambda: worker.log().count(" succeeded in ") >= 2, timeout=30), worker.log()[-3000:]
    time.sleep(1)
    message.refresh_from_db()
    assert sink.recipients() == [user.email]
    assert (message.state, message.attempts) == (MessageState.SENT, 1)
    results = sorted(
        line.rsplit(": ", 1)[-1] for line in worker.log().splitlines() if " succeeded in " in line
    )
    assert results == ["False", "True"]


def test_b_booking_while_redis_is_down_confirmation_sent_when_it_is_back(workers, sink, tmp_path):
    from bookings.services import Group, booking_create

    redis_server = RedisServer(tmp_path).start()
    try:
        user = UserFactory()
        structure = MembershipFactory(user=user).structure
        session = SessionFactory()
        workers(broker=redis_server.url, sink=sink, beat=True)

        redis_server.stop()  # the broker is down, for real
        with publishing_to(redis_server.url):
            started = time.monotonic()
            booking = booking_create(
                session=session,
                structure=structure,
                user=user,
                group=Group(
                    participants=8,
                    accompanying_staff=2,
                    contact_name="Dominique Leroy",
                    contact_phone="06 00 00 00 00",
                ),
            )
            took = time.monotonic() - started

        assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
        assert took < 10  # the coordinator is not kept waiting by the broker
        confirmation = OutboxMessage.objects.get(booking=booking, to=user.email)
        time.sleep(3)
        confirmation.refresh_from_db()
        assert confirmation.state == MessageState.QUEUED
        assert sink.messages == []

        redis_server.start()  # back, empty: the task handed over while it was down is lost

        assert sink.wait_for(1, timeout=90), "the confirmation was not sent after Redis came back"
        time.sleep(3)
        confirmation.refresh_from_db()
        assert sink.recipients() == [user.email]
        assert (confirmation.state, confirmation.attempts) == (MessageState.SENT, 1)
    finally:
        redis_server.stop()


def test_c_worker_killed_in_a_batch_of_reminders_every_one_sent_once(workers, broker, sink):
    bookings = [booking_with_coordinators(start_in=dt.timedelta(hours=20)) for _ in range(30)]
    expected = sorted(users[0].email for _, users in bookings)
    sink.hold_at = 15  # the 15th email is held by the server: the worker is killed while it waits
    first = workers(broker=broker, sink=sink, beat=True)

    with publishing_to(broker):
        plan_reminders_task.delay()
    assert sink.held.wait(90), first.log()[-3000:]
    first.kill()
    sink.release.set()

    assert wait_until(lambda: len(sink.dropped) == 1, timeout=10)
    assert len(sink.messages) == 14
    states = collections.Counter(OutboxMessage.objects.values_list("state", flat=True))
    assert states[MessageState.SENT] == 14
    assert states[MessageState.SENDING] >= 1  # the one being sent when the worker died

    workers(broker=broker, sink=sink, beat=True)

    assert sink.wait_for(30, timeout=120), f"{len(sink.messages)} of 30 sent"
    time.sleep(6)  # longer than the stuck-row delay: a second copy would have been sent by now
    assert sorted(sink.recipients()) == expected
    assert max(collections.Counter(sink.recipients()).values()) == 1
    assert Reminder.objects.count() == 30
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {MessageState.SENT}


def test_d_smtp_errors_retried_with_backoff_then_failed_visibly(workers, broker, sink):
    busy = UserFactory(email="busy@exemple.fr")
    bounce = UserFactory(email="bounce@exemple.fr")
    fine = UserFactory(email="fine@exemple.fr")
    seen: collections.Counter = collections.Counter()

    def rcpt_reply(address: str) -> str:
        seen[address] += 1
        if address == busy.email or (address == bounce.email and seen[address] == 1):
            return "451 4.3.0 Mailbox busy, try again later"
        if address == bounce.email:
            return "550 5.1.1 No such user here"
        return "250 OK"

    sink.rcpt_reply = rcpt_reply
    worker = workers(broker=broker, sink=sink, beat=True, TEST_OUTBOX_MAX_ATTEMPTS=3)
    booking, _ = booking_with_coordinators(start_in=dt.timedelta(hours=20))
    with publishing_to(broker):
        for user in (busy, bounce, fine):
            message_queue(
                template="reminder",
                to=user.email,
                dedupe_key=f"proof-d:{user.pk}",
                booking_id=booking.pk,
                context={"booking_id": booking.pk},
            )

    def row(user) -> OutboxMessage:
        return OutboxMessage.objects.get(to=user.email)

    assert wait_until(lambda: row(busy).state == MessageState.FAILED, timeout=90), worker.log()[-3000:]
    assert wait_until(lambda: row(bounce).state == MessageState.FAILED, timeout=30)
    busy_row, bounce_row, fine_row = row(busy), row(bounce), row(fine)
    assert (busy_row.attempts, bounce_row.attempts, fine_row.attempts) == (3, 2, 1)
    assert "451" in busy_row.last_error and busy_row.failed_at is not None
    assert "550" in bounce_row.last_error
    assert fine_row.state == MessageState.SENT
    assert sink.recipients() == [fine.email]
    tries = [attempt.at for attempt in sink.attempts if attempt.rcpt == busy.email]
    gaps = [later - earlier for earlier, later in zip(tries, tries[1:], strict=False)]
    assert len(tries) == 3
    assert gaps[0] >= 1.0  # OUTBOX_RETRY_BASE_SECONDS of the worker
    assert gaps[1] >= 2.0  # doubled
