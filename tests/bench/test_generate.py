"""The load benchmark's data generator (bench/load/generate.py), run at its tiny size.

It creates a PostgreSQL database of its own on the test server (named after DATABASE_URL's, with
this process's id, and dropped at the end), never pytest-django's test database nor the benchmark's.
The checks read that database with SQL: the counts asked for, the portal's rules kept, and the
migrated tables holding exactly the columns the generator wrote (its models' concrete fields).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
from django.apps import apps

from bench.load import generate
from bookings.enums import ACTIVE_STATUSES, SEATED_STATUSES, BookingStatus

REPO = Path(__file__).resolve().parents[2]
TINY = generate.SIZES["tiny"]
DATABASE_URL = os.environ.get("DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    urlsplit(DATABASE_URL).scheme not in {"postgres", "postgresql"},
    reason="the generator writes with PostgreSQL's COPY: set DATABASE_URL (as `make test` does)",
)

# Bookings that hold seats, as bookings.models.BookingQuerySet.holding_seats says: seated ones, and
# waiting groups offered seats (until they confirm, leave, or the offer is taken back).
SEATS_HOLDING = (
    "(b.status = ANY(%(seated)s) OR (b.status = %(waitlisted)s AND b.waitlist_offer_expires_at IS NOT NULL))"
)
RULE = {"seated": [str(s) for s in SEATED_STATUSES], "waitlisted": str(BookingStatus.WAITLISTED)}


def server_and_name() -> tuple[str, str]:
    url = urlsplit(DATABASE_URL)
    base = url.path.lstrip("/") or "louvrelens"
    return url._replace(path="").geturl(), f"{base[:40]}_gen_{os.getpid()}"


def drop(server: str, name: str) -> None:
    conn = psycopg2.connect(f"{server}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


@pytest.fixture(scope="module")
def tiny():
    """A cursor on a database the generator has just filled at its tiny size."""
    server, name = server_and_name()
    try:
        done = subprocess.run(
            [
                sys.executable,
                str(REPO / "bench" / "load" / "generate.py"),
                "--size",
                "tiny",
                "--database",
                name,
            ],
            cwd=REPO,
            env={**os.environ, "BENCH_PG_URL": server},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        conn = psycopg2.connect(f"{server}/{name}")
        with conn.cursor() as cursor:
            yield cursor
        conn.close()
    finally:
        drop(server, name)


def count(cursor, sql: str, params=None) -> int:
    cursor.execute(sql, params)
    return cursor.fetchone()[0]


def test_generate_tiny_counts_as_asked(tiny):
    assert count(tiny, "SELECT COUNT(*) FROM partners_structure") == TINY.structures
    assert count(tiny, "SELECT COUNT(*) FROM partners_membership") == TINY.structures
    assert count(tiny, "SELECT COUNT(*) FROM partners_user") == 1 + TINY.mediators + TINY.structures
    assert count(tiny, "SELECT COUNT(*) FROM partners_user_groups") == TINY.mediators
    assert count(tiny, "SELECT COUNT(*) FROM programmes_session") == TINY.sessions
    assert count(tiny, "SELECT COUNT(*) FROM programmes_assignment") == TINY.sessions
    assert count(tiny, "SELECT COUNT(*) FROM bookings_booking") == TINY.bookings
    assert count(tiny, "SELECT COUNT(*) FROM bookings_projectrequest") == TINY.requests
    # The booking POST's clients: coordinators of active structures that have booked nothing.
    pool = """
        SELECT COUNT(*) FROM partners_user u
        JOIN partners_membership m ON m.user_id = u.id
        JOIN partners_structure s ON s.id = m.structure_id
        WHERE u.email LIKE 'pool%%' AND s.status = 'active'
          AND NOT EXISTS (SELECT 1 FROM bookings_booking b WHERE b.structure_id = s.id)
    """
    assert count(tiny, pool) == TINY.pool


def test_generate_tiny_no_session_over_capacity(tiny):
    over = f"""
        SELECT s.id FROM programmes_session s JOIN bookings_booking b ON b.session_id = s.id
        WHERE {SEATS_HOLDING}
        GROUP BY s.id, s.capacity HAVING SUM(b.participants + b.accompanying_staff) > s.capacity
    """  # noqa: S608 - constant SQL, the values passed as parameters
    tiny.execute(over, RULE)
    assert tiny.fetchall() == []
    seated = f"SELECT COUNT(*) FROM bookings_booking b WHERE {SEATS_HOLDING}"  # noqa: S608 - as above
    assert count(tiny, seated, RULE) > TINY.bookings // 2


def test_generate_tiny_one_active_booking_per_structure_and_session(tiny):
    tiny.execute(
        """
        SELECT session_id, structure_id FROM bookings_booking WHERE status = ANY(%s)
        GROUP BY session_id, structure_id HAVING COUNT(*) > 1
        """,
        [[str(s) for s in ACTIVE_STATUSES]],
    )
    assert tiny.fetchall() == []
    assert count(tiny, "SELECT COUNT(*) FROM bookings_booking WHERE status = ANY(%s)", [RULE["seated"]]) > 0


def test_generate_tiny_tables_hold_the_columns_written(tiny):
    """Each table the generator writes has exactly its model's columns, and rows."""
    mismatched = {}
    for label in generate.MODELS:
        model = apps.get_model(label)
        table = model._meta.db_table
        tiny.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s",
            [table],
        )
        in_database = {row[0] for row in tiny.fetchall()}
        written = {field.column for field in model._meta.concrete_fields}
        if in_database != written:
            mismatched[table] = {
                "only in the database": in_database - written,
                "only written": written - in_database,
            }
        assert count(tiny, f'SELECT COUNT(*) FROM "{table}"') > 0, table  # noqa: S608 - a model's table
    assert mismatched == {}


def test_generate_tiny_seats_taken_recounted(tiny):
    session = apps.get_model("programmes.Session")
    if not any(field.name == "seats_taken" for field in session._meta.concrete_fields):
        pytest.skip("programmes.Session has no seats_taken column")
    recount = f"""
        SELECT s.id, s.seats_taken,
               COALESCE(SUM(b.participants + b.accompanying_staff) FILTER (WHERE {SEATS_HOLDING}), 0)
        FROM programmes_session s LEFT JOIN bookings_booking b ON b.session_id = s.id
        GROUP BY s.id
    """  # noqa: S608 - constant SQL, the values passed as parameters
    tiny.execute(recount, RULE)
    rows = tiny.fetchall()
    assert [row for row in rows if row[1] != row[2]] == []
    assert sum(row[1] for row in rows) > 0
