"""Create the databases of the load benchmark (bench/load/run.py), from scratch each time.

    .venv/bin/python bench/load/generate.py                 both sizes
    .venv/bin/python bench/load/generate.py --size large    5,000 structures, 50,000 sessions, 1M bookings
    .venv/bin/python bench/load/generate.py --size small    the demo programme (seed_demo --force)

Each size has its own PostgreSQL database (dropped and created again, then migrated):
BENCH_DB_LARGE (louvrelens_bench) and BENCH_DB_SMALL (louvrelens_bench_small), on BENCH_PG_URL
(postgres://postgres@127.0.0.1:5432). Nothing else is touched.

The large data set is written with COPY from generated text streams, never row by row, and keeps
every rule of the portal: one active booking per structure and session, seats taken never over
the capacity, wheelchair users within the group, per-person offers booked one relais at a time.
The same seed gives the same data (random.Random(2026)); dates follow today's date.

Both sizes also get POOL_SIZE coordinators (of active structures, email confirmed) who book
nothing else: the booking POST gives each request one of them (a structure books a session once).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import math
import os
import random
import secrets
import subprocess
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASES = {
    "large": os.environ.get("BENCH_DB_LARGE", "louvrelens_bench"),
    "small": os.environ.get("BENCH_DB_SMALL", "louvrelens_bench_small"),
}
PASSWORD = "bench-only-password"  # noqa: S105 - throw-away accounts of a local benchmark database
POOL_SIZE = 800  # coordinators reserved for the booking POST
PARIS = ZoneInfo("Europe/Paris")

STRUCTURES = 5_000
SESSIONS = 50_000
BOOKINGS = 1_000_000
MEDIATORS = 20
PAST_DAYS = 4 * 365
FUTURE_DAYS = 365

CITIES = [
    ("Lens", "62300"),
    ("Liévin", "62800"),
    ("Arras", "62000"),
    ("Béthune", "62400"),
    ("Douai", "59500"),
    ("Lille", "59000"),
    ("Roubaix", "59100"),
    ("Valenciennes", "59300"),
    ("Amiens", "80000"),
    ("Calais", "62100"),
    ("Boulogne-sur-Mer", "62200"),
    ("Dunkerque", "59140"),
    ("Hénin-Beaumont", "62110"),
    ("Paris", "75011"),
    ("Lyon", "69003"),
    ("Marseille", "13001"),
    ("Toulouse", "31000"),
    ("Nantes", "44000"),
    ("Strasbourg", "67000"),
    ("Rennes", "35000"),
    ("Bordeaux", "33000"),
    ("Montpellier", "34000"),
    ("Reims", "51100"),
    ("Le Havre", "76600"),
    ("Saint-Étienne", "42000"),
    ("Grenoble", "38000"),
    ("Dijon", "21000"),
    ("Angers", "49000"),
    ("Nîmes", "30000"),
    ("Clermont-Ferrand", "63000"),
]
STRUCTURE_KINDS = [
    "shelter",
    "cada",
    "social_centre",
    "other_social",
    "employment_agency",
    "insertion_worksite",
    "mission_locale",
    "other_insertion",
    "ime",
    "esat",
    "day_hospital",
    "samsah",
    "other_health",
]
# (kind, audience, how many, per person, capacity range)
OFFER_PLAN = [
    ("abc", "relais", 3, True, (12, 20)),
    ("deepening", "relais", 3, True, (10, 16)),
    ("autonomy_support", "relais", 3, True, (6, 12)),
    ("guided_visit", "group", 24, False, (250, 350)),
    ("workshop", "group", 15, False, (250, 350)),
    ("co_built_cycle", "group", 4, False, (250, 350)),
    ("autonomous_visit", "group", 8, False, (250, 350)),
]
SLOTS = [(9, 30), (10, 0), (10, 30), (11, 0), (14, 0), (14, 30), (15, 0), (16, 0)]
PLACES = [
    "Galerie du temps",
    "Pavillon de verre",
    "Exposition temporaire",
    "Atelier 1",
    "Atelier 2",
    "Auditorium",
    "Centre de ressources",
    "Parc du musée",
]
ACCESSIBILITY = ["lsf", "audio_description", "falc", "wheelchair", "hearing_loop", "tactile"]


# ---------------------------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------------------------


def django_env(db_name: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load.settings",
        "DATABASE_URL": f"{PG_URL}/{db_name}",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "bench-only-secret-key",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_MANIFEST_STATIC": "0",
        "PYTHONPATH": str(REPO),
    }


def connect(db_name: str):
    import psycopg2

    return psycopg2.connect(f"{PG_URL}/{db_name}")


def recreate(db_name: str) -> None:
    conn = connect("postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{db_name}"')
        # Short web queries gain nothing from JIT compilation, which costs them tens of milliseconds.
        cursor.execute(f'ALTER DATABASE "{db_name}" SET jit = off')
    conn.close()


def manage(db_name: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *args], env=django_env(db_name), cwd=REPO, check=True
    )


def copy(cursor, table: str, columns: list[str], rows) -> int:
    """COPY rows (tuples; None is NULL) into a table, 100,000 at a time; returns how many."""
    total = 0
    buffer = io.StringIO()
    pending = 0

    def flush() -> None:
        buffer.seek(0)
        names = ", ".join(f'"{column}"' for column in columns)
        cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)
        buffer.seek(0)
        buffer.truncate()

    for row in rows:
        buffer.write("\t".join("\\N" if value is None else str(value) for value in row))
        buffer.write("\n")
        pending += 1
        total += 1
        if pending == 100_000:
            flush()
            pending = 0
    if pending:
        flush()
    return total


def reset_sequences(cursor, tables: list[str]) -> None:
    for table in tables:
        cursor.execute(
            # Our own table names, never input.
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
        )


# ---------------------------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------------------------


def password_hash() -> str:
    os.environ.update(
        {k: v for k, v in django_env("postgres").items() if k.startswith(("DJANGO", "DATABASE"))}
    )
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


def iso(value: dt.datetime | dt.date) -> str:
    return value.isoformat()


def user_row(uid, email, first, last, *, hashed, now, staff=False, superuser=False):
    return (
        uid,
        hashed,
        None,
        superuser,
        first,
        last,
        staff,
        True,
        iso(now),
        email,
        "06 12 34 56 78",
        True,
        "fr",
        secrets.token_urlsafe(24),
    )


USER_COLUMNS = [
    "id",
    "password",
    "last_login",
    "is_superuser",
    "first_name",
    "last_name",
    "is_staff",
    "is_active",
    "date_joined",
    "email",
    "phone",
    "email_verified",
    "language",
    "calendar_token",
]
STRUCTURE_COLUMNS = [
    "id",
    "name",
    "kind",
    "address",
    "postcode",
    "city",
    "departement",
    "siret",
    "phone",
    "email",
    "publics",
    "status",
    "status_reason",
    "created_at",
    "approved_at",
]


def structure_row(sid, *, rng, now, status="active", prefix="Structure"):
    city, postcode = CITIES[sid % len(CITIES)]
    kind = STRUCTURE_KINDS[sid % len(STRUCTURE_KINDS)]
    created = now - dt.timedelta(days=rng.randint(400, 3000))
    return (
        sid,
        f"{prefix} {sid:05d}",
        kind,
        f"{sid} rue de la République",
        postcode,
        city,
        postcode[:2],
        "",
        "03 21 00 00 00",
        f"contact{sid}@bench.example",
        "Groupes d'adultes et de jeunes accompagnés.",
        status,
        "",
        iso(created),
        iso(created + dt.timedelta(days=3)) if status != "pending" else None,
    )


def add_pool(cursor, *, hashed: str, rng: random.Random, first_id: int, count: int) -> None:
    """Active structures with one coordinator each, who book nothing (the booking POST's clients)."""
    now = dt.datetime.now(PARIS)
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM partners_user")
    first_user = cursor.fetchone()[0] + 1
    ids = range(first_id, first_id + count)
    copy(
        cursor,
        "partners_structure",
        STRUCTURE_COLUMNS,
        (structure_row(sid, rng=rng, now=now, prefix="Structure du banc") for sid in ids),
    )
    copy(
        cursor,
        "partners_user",
        USER_COLUMNS,
        (
            user_row(
                first_user + n, f"pool{n:04d}@bench.example", "Relais", f"Banc {n}", hashed=hashed, now=now
            )
            for n in range(count)
        ),
    )
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM partners_membership")
    first_membership = cursor.fetchone()[0] + 1
    copy(
        cursor,
        "partners_membership",
        ["id", "user_id", "structure_id", "role", "created_at"],
        ((first_membership + n, first_user + n, first_id + n, "coordinator", iso(now)) for n in range(count)),
    )
    reset_sequences(cursor, ["partners_structure", "partners_user", "partners_membership"])


# ---------------------------------------------------------------------------------------------
# Small: the demo programme
# ---------------------------------------------------------------------------------------------


def generate_small() -> None:
    name = DATABASES["small"]
    started = time.monotonic()
    recreate(name)
    manage(name, "migrate", "--no-input", "-v", "0")
    manage(name, "seed_demo", "--force")
    hashed = password_hash()
    conn = connect(name)
    with conn, conn.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM partners_structure")
        add_pool(
            cursor, hashed=hashed, rng=random.Random(7), first_id=cursor.fetchone()[0] + 1, count=POOL_SIZE
        )
    vacuum(name)
    print(f"small: the demo programme (+{POOL_SIZE} booking clients) in {time.monotonic() - started:.0f} s")


def vacuum(name: str) -> None:
    conn = connect(name)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    conn.close()


# ---------------------------------------------------------------------------------------------
# Large: 5,000 structures, 50,000 sessions, 1,000,000 bookings
# ---------------------------------------------------------------------------------------------


def generate_large() -> None:
    name = DATABASES["large"]
    started = time.monotonic()
    rng = random.Random(2026)
    recreate(name)
    manage(name, "migrate", "--no-input", "-v", "0")
    hashed = password_hash()
    now = dt.datetime.now(PARIS).replace(microsecond=0)
    today = now.date()
    conn = connect(name)
    cursor = conn.cursor()
    cursor.execute("SELECT id, code FROM programmes_accessibilityoption")
    options = {code: pk for pk, code in cursor.fetchall()}
    cursor.execute("SELECT id FROM auth_group WHERE name = 'Mediators'")
    mediators_group = cursor.fetchone()[0]

    # People and structures -------------------------------------------------------------------
    active = STRUCTURES - 200
    statuses = ["active"] * active + ["pending"] * 100 + ["suspended"] * 50 + ["archived"] * 50
    copy(
        cursor,
        "partners_structure",
        STRUCTURE_COLUMNS,
        (structure_row(sid, rng=rng, now=now, status=statuses[sid - 1]) for sid in range(1, STRUCTURES + 1)),
    )
    staff_id = 1
    mediator_ids = list(range(2, 2 + MEDIATORS))
    first_coordinator = 2 + MEDIATORS
    coordinator_of = {sid: first_coordinator + sid - 1 for sid in range(1, STRUCTURES + 1)}
    users = [
        user_row(
            staff_id,
            "staff@bench.example",
            "Équipe",
            "Musée",
            hashed=hashed,
            now=now,
            staff=True,
            superuser=True,
        )
    ]
    users += [
        user_row(uid, f"mediator{n:02d}@bench.example", "Médiateur", f"N{n:02d}", hashed=hashed, now=now)
        for n, uid in enumerate(mediator_ids)
    ]
    pool = set(range(active - POOL_SIZE + 1, active + 1))  # these structures book nothing
    users += [
        user_row(
            uid,
            f"{'pool' if sid in pool else 'coord'}{sid:05d}@bench.example",
            "Relais",
            f"S{sid:05d}",
            hashed=hashed,
            now=now,
        )
        for sid, uid in coordinator_of.items()
    ]
    copy(cursor, "partners_user", USER_COLUMNS, users)
    copy(
        cursor,
        "partners_user_groups",
        ["user_id", "group_id"],
        ((uid, mediators_group) for uid in mediator_ids),
    )
    copy(
        cursor,
        "partners_membership",
        ["id", "user_id", "structure_id", "role", "created_at"],
        ((sid, uid, sid, "coordinator", iso(now)) for sid, uid in coordinator_of.items()),
    )
    copy(
        cursor,
        "partners_trainingrecord",
        ["id", "user_id", "module", "completed_on", "source", "session_id", "recorded_by_id", "created_at"],
        (
            (sid, uid, "abc", iso(today - dt.timedelta(days=500)), "staff", None, staff_id, iso(now))
            for sid, uid in coordinator_of.items()
        ),
    )

    # Exhibitions, offers, projects --------------------------------------------------------------
    exhibitions = [
        (
            1,
            "Galerie du temps",
            "galerie-du-temps",
            "permanent",
            "La collection.",
            iso(dt.date(2012, 12, 4)),
            None,
        )
    ]
    for n in range(2, 13):
        start = today - dt.timedelta(days=1500) + dt.timedelta(days=150 * n)
        exhibitions.append(
            (
                n,
                f"Exposition {n}",
                f"exposition-{n}",
                "temporary",
                "Une exposition temporaire.",
                iso(start),
                iso(start + dt.timedelta(days=120)),
            )
        )
    copy(
        cursor,
        "programmes_exhibition",
        ["id", "title", "slug", "kind", "description", "start_date", "end_date"],
        exhibitions,
    )
    offers = []  # (id, per_person, capacity range, published)
    offer_rows = []
    offer_access = []
    oid = 0
    for kind, audience, count, per_person, capacity in OFFER_PLAN:
        for n in range(count):
            oid += 1
            published = oid % 12 != 0
            offers.append((oid, per_person, capacity, published))
            offer_rows.append(
                (
                    oid,
                    f"{kind.replace('_', ' ').capitalize()} {n + 1}",
                    f"{kind.replace('_', '-')}-{n + 1}",
                    kind,
                    audience,
                    "",
                    "Une offre du programme, décrite en une phrase.",
                    "Une description de l'offre, de son déroulé et de ce que le groupe y découvre.",
                    "",
                    90,
                    1 if per_person else 4,
                    1 if per_person else 20,
                    None if per_person else 8,
                    48,
                    72,
                    kind == "autonomous_visit",
                    (oid % 12) + 1 if oid % 3 else None,
                    "Hall d'accueil",
                    "",
                    published,
                    iso(now - dt.timedelta(days=1600)),
                )
            )
            for code in rng.sample(ACCESSIBILITY, 2):
                offer_access.append((len(offer_access) + 1, oid, options[code]))
    copy(
        cursor,
        "programmes_offer",
        [
            "id",
            "title",
            "slug",
            "kind",
            "audience",
            "formula",
            "summary",
            "description",
            "easy_read_summary",
            "duration_minutes",
            "min_group_size",
            "max_group_size",
            "participants_per_staff",
            "cancellation_deadline_hours",
            "booking_deadline_hours",
            "requires_abc_training",
            "exhibition_id",
            "meeting_point",
            "what_to_bring",
            "is_published",
            "created_at",
        ],
        offer_rows,
    )
    copy(cursor, "programmes_offer_accessibility", ["id", "offer_id", "accessibilityoption_id"], offer_access)
    copy(
        cursor,
        "programmes_project",
        [
            "id",
            "name",
            "slug",
            "description",
            "goals",
            "exhibition_id",
            "patron",
            "start_date",
            "end_date",
            "created_at",
        ],
        (
            (
                n,
                f"Projet {n}",
                f"projet-{n}",
                "Un projet co-construit.",
                "",
                (n % 12) + 1,
                "",
                iso(today - dt.timedelta(days=60 * n)),
                None,
                iso(now),
            )
            for n in range(1, 31)
        ),
    )
    copy(
        cursor,
        "programmes_project_partners",
        ["id", "project_id", "structure_id"],
        ((n, (n - 1) // 3 + 1, n * 37 % active + 1) for n in range(1, 91)),
    )

    # Sessions -----------------------------------------------------------------------------------
    days = [today + dt.timedelta(days=d) for d in range(-PAST_DAYS, FUTURE_DAYS + 1)]
    days = [day for day in days if day.weekday() != 1]  # the museum is closed on Tuesdays
    per_day, extra = divmod(SESSIONS, len(days))
    sessions = []  # (id, offer index, start, capacity, cancelled)
    session_rows = []
    sid = 0
    for index, day in enumerate(days):
        for j in range(per_day + (1 if index < extra else 0)):
            sid += 1
            offer = offers[rng.randrange(len(offers))]
            hour, minute = SLOTS[j % len(SLOTS)]
            start = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)
            capacity = rng.randint(*offer[2])
            cancelled = rng.random() < 0.02
            sessions.append((sid, offer, start, capacity, cancelled))
            session_rows.append(
                (
                    sid,
                    offer[0],
                    iso(start),
                    iso(start + dt.timedelta(minutes=90)),
                    PLACES[j // len(SLOTS)],
                    capacity,
                    iso(start - dt.timedelta(hours=72)),
                    "cancelled" if cancelled else "planned",
                    "Le médiateur est souffrant." if cancelled else "",
                    None,
                    0,
                    iso(min(now, start) - dt.timedelta(days=90)),
                    iso(min(now, start) - dt.timedelta(days=90)),
                )
            )
    copy(
        cursor,
        "programmes_session",
        [
            "id",
            "offer_id",
            "start",
            "end",
            "place",
            "capacity",
            "booking_deadline",
            "status",
            "cancellation_reason",
            "project_id",
            "sequence",
            "created_at",
            "updated_at",
        ],
        session_rows,
    )
    copy(
        cursor,
        "programmes_assignment",
        ["id", "session_id", "mediator_id", "created_at"],
        ((s[0], s[0], mediator_ids[s[0] % MEDIATORS], iso(now)) for s in sessions),
    )

    # Bookings: how many per session (more in the past, fewer far ahead), summing to BOOKINGS ----
    bookers = [s for s in range(1, active + 1) if s not in pool]

    def weight(session) -> float:
        _sid, offer, start, capacity, _cancelled = session
        ahead = (start - now).days
        fill = 1.0 if ahead < 0 else max(0.15, 1 - ahead / 300)
        return fill * (capacity * 0.9 if offer[1] else capacity / 13)

    weights = [weight(s) for s in sessions]
    scale = BOOKINGS / sum(weights)
    counts = [int(w * scale) for w in weights]
    for _ in range(BOOKINGS - sum(counts)):
        counts[rng.randrange(len(counts))] += 1

    def bookings():
        bid = 0
        for (session_id, offer, start, capacity, cancelled), count in zip(sessions, counts, strict=True):
            past = start < now
            per_person = offer[1]
            taken = 0
            for structure in rng.sample(bookers, count):
                bid += 1
                user = coordinator_of[structure]
                if per_person:
                    participants, staff, wheelchairs = 1, 0, 0
                else:
                    participants = rng.randint(5, 15)
                    staff = max(math.ceil(participants / 8), rng.randint(1, 3))
                    wheelchairs = rng.choice((0, 0, 0, 0, 0, 0, 0, 0, 1, 2))
                draw = rng.random()
                if cancelled:
                    status = "cancelled"
                elif past:
                    status = "attended" if draw < 0.85 else "absent" if draw < 0.92 else "cancelled"
                else:
                    status = "confirmed" if draw < 0.92 else "cancelled" if draw < 0.97 else "waitlisted"
                if status in ("attended", "absent", "confirmed"):
                    if taken + participants + staff > capacity:
                        status = "cancelled"  # no seat left: the group would have been refused
                    else:
                        taken += participants + staff
                created = min(start - dt.timedelta(days=rng.randint(4, 90)), now - dt.timedelta(hours=1))
                attended = status == "attended"
                recorded = status in ("attended", "absent")
                yield (
                    bid,
                    session_id,
                    structure,
                    user,
                    user if per_person else None,
                    status,
                    participants,
                    staff,
                    wheelchairs,
                    "",
                    f"Contact {structure}",
                    "06 12 34 56 78",
                    "",
                    max(participants - rng.randint(0, 2), 1) if attended else None,
                    staff if attended else None,
                    iso(start + dt.timedelta(hours=3)) if recorded else None,
                    None,
                    iso(created),
                    iso(created),
                    iso(created + dt.timedelta(days=1)) if status == "cancelled" else None,
                    None,
                )

    total = copy(
        cursor,
        "bookings_booking",
        [
            "id",
            "session_id",
            "structure_id",
            "booked_by_id",
            "attendee_id",
            "status",
            "participants",
            "accompanying_staff",
            "wheelchair_users",
            "accessibility_notes",
            "contact_name",
            "contact_phone",
            "comment",
            "present_participants",
            "present_staff",
            "attendance_recorded_at",
            "waitlist_offer_expires_at",
            "created_at",
            "updated_at",
            "cancelled_at",
            "free_text_cleared_at",
        ],
        bookings(),
    )
    # One booking in twenty states an accessibility need.
    needs = list(options.values())
    copy(
        cursor,
        "bookings_booking_accessibility_needs",
        ["id", "booking_id", "accessibilityoption_id"],
        ((n, b, needs[b % len(needs)]) for n, b in enumerate(range(7, total + 1, 20), start=1)),
    )
    copy(
        cursor,
        "bookings_projectrequest",
        [
            "id",
            "structure_id",
            "created_by_id",
            "kind",
            "wished_start",
            "wished_end",
            "participants",
            "group_description",
            "goals",
            "exhibition_id",
            "status",
            "answer",
            "answered_by_id",
            "answered_at",
            "project_id",
            "created_at",
        ],
        (
            (
                n,
                bookers[n * 13 % len(bookers)],
                coordinator_of[bookers[n * 13 % len(bookers)]],
                "cycle" if n % 2 else "custom_date",
                iso(today + dt.timedelta(days=30)),
                iso(today + dt.timedelta(days=90)),
                12,
                "Un groupe d'adultes.",
                "Découvrir le musée.",
                None,
                ("new", "in_discussion", "accepted", "declined")[n % 4],
                "",
                None,
                None,
                None,
                iso(now - dt.timedelta(days=n % 200)),
            )
            for n in range(1, 301)
        ),
    )
    reset_sequences(
        cursor,
        [
            "partners_structure",
            "partners_user",
            "partners_membership",
            "partners_trainingrecord",
            "programmes_exhibition",
            "programmes_offer",
            "programmes_offer_accessibility",
            "programmes_project",
            "programmes_project_partners",
            "programmes_session",
            "programmes_assignment",
            "bookings_booking",
            "bookings_booking_accessibility_needs",
            "bookings_projectrequest",
        ],
    )
    conn.commit()
    conn.close()
    loaded = time.monotonic() - started
    vacuum(name)
    print(
        f"large: {STRUCTURES} structures, {len(sessions)} sessions, {total} bookings "
        f"loaded in {loaded:.0f} s "
        f"(+ VACUUM ANALYZE: {time.monotonic() - started:.0f} s in all)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=["large", "small", "both"], default="both")
    size = parser.parse_args().size
    if size in ("small", "both"):
        generate_small()
    if size in ("large", "both"):
        generate_large()


if __name__ == "__main__":
    main()
