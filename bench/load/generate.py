"""Create the databases of the load benchmark (bench/load/run.py), from scratch each time.

    .venv/bin/python bench/load/generate.py                 both sizes
    .venv/bin/python bench/load/generate.py --size large    5,000 structures, 50,000 sessions, 1M bookings
    .venv/bin/python bench/load/generate.py --size small    the demo programme (seed_demo --force)
    .venv/bin/python bench/load/generate.py --size tiny --database NAME
                                                            the large data set's shape at a tiny size
                                                            (50 structures, 60 sessions, 300 bookings)

Each size has its own PostgreSQL database (dropped and created again, then migrated):
BENCH_DB_LARGE (louvrelens_bench), BENCH_DB_SMALL (louvrelens_bench_small) and BENCH_DB_TINY
(louvrelens_bench_tiny), or the one given with --database, on BENCH_PG_URL
(postgres://postgres@127.0.0.1:5432). Nothing else is touched.

The large data set is written with COPY from generated text streams, never row by row, and keeps
every rule of the portal: one active booking per structure and session, seats taken never over
the capacity, wheelchair users within the group, per-person offers booked one relais at a time.
The same seed gives the same data (random.Random(2026)); dates follow today's date.

Its columns come from the models: each table's are its model's concrete fields, and each row is a
dict by field (attname: `session_id` for a foreign key) in which a field left out takes the model's
default (see `copy_model`). A new column with a default needs nothing here; a new required column
without one stops the generator with a message naming the model and the field. The sessions'
`seats_taken` column is filled from the bookings with the portal's own rule
(`Booking.objects.holding_seats()`).

Both sizes also get POOL_SIZE coordinators (of active structures, email confirmed) who book
nothing else: the booking POST gives each request one of them (a structure books a session once).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import io
import json
import math
import operator
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import django
from django.apps import apps

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASES = {
    "large": os.environ.get("BENCH_DB_LARGE", "louvrelens_bench"),
    "small": os.environ.get("BENCH_DB_SMALL", "louvrelens_bench_small"),
    "tiny": os.environ.get("BENCH_DB_TINY", "louvrelens_bench_tiny"),
}
PASSWORD = "bench-only-password"  # noqa: S105 - throw-away accounts of a local benchmark database
POOL_SIZE = 800  # coordinators reserved for the booking POST
PARIS = ZoneInfo("Europe/Paris")


@dataclasses.dataclass(frozen=True)
class Size:
    """How much the generated data set holds (the offers, exhibitions and projects are fixed)."""

    structures: int
    sessions: int
    bookings: int
    mediators: int
    pool: int  # active structures that book nothing: the booking POST's clients
    past_days: int  # sessions are spread over these days before today and `future_days` after
    future_days: int
    requests: int  # project requests


SIZES = {
    "large": Size(
        structures=5_000,
        sessions=50_000,
        bookings=1_000_000,
        mediators=20,
        pool=POOL_SIZE,
        past_days=4 * 365,
        future_days=365,
        requests=300,
    ),
    "tiny": Size(
        structures=50,
        sessions=60,
        bookings=300,
        mediators=3,
        pool=5,
        past_days=20,
        future_days=10,
        requests=6,
    ),
}
# Every model the large (and tiny) data set writes, in the order it writes them.
MODELS = [
    "partners.Structure",
    "partners.User",
    "partners.User_groups",
    "partners.Membership",
    "partners.TrainingRecord",
    "programmes.Exhibition",
    "programmes.Offer",
    "programmes.Offer_accessibility",
    "programmes.Project",
    "programmes.Project_partners",
    "programmes.Session",
    "programmes.Assignment",
    "bookings.Booking",
    "bookings.Booking_accessibility_needs",
    "bookings.ProjectRequest",
]

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


class GeneratorError(Exception):
    """The models and this generator disagree (a required field it does not fill, a field gone)."""


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


def setup_django() -> None:
    """Load the portal's models in this process (the data is written with COPY, not with the ORM)."""
    if apps.ready:
        return
    os.environ.update(
        {k: v for k, v in django_env("postgres").items() if k.startswith(("DJANGO", "DATABASE"))}
    )
    django.setup()


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


def migrate_and_hash(db_name: str) -> str:
    """Migrate the database while this process loads Django for the password hash and the models;
    returns the hash."""
    command = [sys.executable, str(REPO / "manage.py"), "migrate", "--no-input", "-v", "0"]
    migrating = subprocess.Popen(command, env=django_env(db_name), cwd=REPO)
    try:
        hashed = password_hash()
    finally:
        migrating.wait()
    if migrating.returncode:
        raise subprocess.CalledProcessError(migrating.returncode, command)
    return hashed


def escape(text: str) -> str:
    """A text value in COPY's text format: a backslash, a tab or a line break in it is escaped."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_text(value: object) -> str:
    """One value in COPY's text format (None is NULL)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.date):  # and datetimes
        return value.isoformat()
    if isinstance(value, dict | list):
        return escape(json.dumps(value))
    return escape(str(value))


def field_default(model, field, *, now: dt.datetime) -> tuple[object, bool]:
    """What a row that leaves `field` out gets, as Django itself would fill it, and whether that is
    drawn again for each row (a callable default); a GeneratorError for a required field."""
    if field.has_default():
        if callable(field.default):
            return field.get_default, True
        return field.get_default(), False
    if field.null:
        return None, False
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return (now if field.get_internal_type() == "DateTimeField" else now.date()), False
    if field.blank and field.empty_strings_allowed:
        return "", False  # as makemigrations fills a new blank text column
    raise GeneratorError(
        f"{model._meta.label}.{field.name} (column {field.column}) has no default and is not nullable: "
        f"bench/load/generate.py must give it a value in each row of {model._meta.db_table}."
    )


def row_writer(model, keys: tuple[str, ...], *, now: dt.datetime) -> Callable[[dict], str]:
    """The function turning a row with these keys into a COPY line in the model's column order.

    Built once per shape of row: the defaults of the fields the row leaves out are rendered once
    (a callable default is called for each row), so a row costs one pass over its own values.
    """
    fields = model._meta.concrete_fields
    unknown = set(keys) - {field.attname for field in fields}
    if unknown:
        raise GeneratorError(
            f"{model._meta.label} has no field {', '.join(sorted(unknown))}: "
            "bench/load/generate.py still writes it."
        )
    given = [field.attname for field in fields if field.attname in keys]
    drawn = []  # callable defaults
    pieces = []  # a str.format template: "{n}" for the row's values and the drawn defaults
    for field in fields:
        if field.attname in keys:
            pieces.append(f"{{{given.index(field.attname)}}}")
            continue
        value, per_row = field_default(model, field, now=now)
        if per_row:
            pieces.append(f"{{{len(given) + len(drawn)}}}")
            drawn.append(value)
        else:
            pieces.append(copy_text(value).replace("{", "{{").replace("}", "}}"))
    template = "\t".join(pieces)
    if len(given) == 1:
        name = given[0]

        def pick(row: dict) -> tuple:
            return (row[name],)

    else:
        pick = operator.itemgetter(*given) if given else (lambda row: ())

    def write(row: dict) -> str:
        return template.format(
            *[
                "\\N"
                if value is None
                # escape(value), written out: it runs for each value of a million rows
                else value.replace("\\", "\\\\")
                .replace("\t", "\\t")
                .replace("\n", "\\n")
                .replace("\r", "\\r")
                if value.__class__ is str
                # ints, booleans, dates and the rest
                else str(value)
                if value.__class__ is int
                else copy_text(value)
                for value in pick(row)
            ],
            *[copy_text(draw()) for draw in drawn],
        )

    return write


def copy_model(cursor, label: str, rows: Iterable[dict], *, now: dt.datetime) -> int:
    """COPY rows into a model's table, 100,000 at a time; returns how many.

    The columns are the model's concrete fields. Each row is a dict by field attname (`session_id`
    for a foreign key); a field it leaves out takes the model's default (a callable default is
    called for each row), NULL when the field is nullable, "" when it is blank text, the time of the
    run when it is auto_now(_add). A required field left out, or a key that is no field of the
    model, is a GeneratorError naming the model and the field.
    """
    model = apps.get_model(label)
    writers: dict[tuple[str, ...], Callable[[dict], str]] = {}

    def lines() -> Iterator[str]:
        for row in rows:
            keys = tuple(row)
            write = writers.get(keys)
            if write is None:
                write = writers[keys] = row_writer(model, keys, now=now)
            yield write(row)

    columns = [field.column for field in model._meta.concrete_fields]
    return copy_lines(cursor, model._meta.db_table, columns, lines())


def copy_lines(cursor, table: str, columns: list[str], lines: Iterable[str]) -> int:
    """COPY text lines (tab-separated, in `columns`' order) into a table, 100,000 at a time."""
    total = 0
    buffer = io.StringIO()
    pending = 0

    def flush() -> None:
        buffer.seek(0)
        names = ", ".join(f'"{column}"' for column in columns)
        cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", buffer)
        buffer.seek(0)
        buffer.truncate()

    for line in lines:
        buffer.write(line)
        buffer.write("\n")
        pending += 1
        total += 1
        if pending == 100_000:
            flush()
            pending = 0
    if pending:
        flush()
    return total


def reset_sequences(cursor, labels: list[str]) -> None:
    for label in labels:
        table = apps.get_model(label)._meta.db_table
        cursor.execute(
            # Our own table names, never input.
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
        )


def fill_seats_taken(cursor) -> None:
    """Each session's `seats_taken`, summed from its seat-holding bookings by the portal's own rule."""
    # The portal's modules can be imported once Django is set up (setup_django), not before.
    from django.db.models import F, Sum

    holding = (
        apps.get_model("bookings.Booking")
        .objects.holding_seats()
        .values("session_id")
        .annotate(seats=Sum(F("participants") + F("accompanying_staff")))
        .order_by()
    )
    sql, params = holding.query.sql_with_params()
    cursor.execute(
        # The aggregate is the ORM's own SQL; its values are passed as parameters.
        f"UPDATE programmes_session AS s SET seats_taken = t.seats FROM ({sql}) AS t "  # noqa: S608
        "WHERE s.id = t.session_id",
        params,
    )


# ---------------------------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------------------------


def password_hash() -> str:
    setup_django()
    from django.contrib.auth.hashers import make_password

    return make_password(PASSWORD)


def iso(value: dt.datetime | dt.date) -> str:
    return value.isoformat()


def user_row(uid, email, first, last, *, hashed, now, staff=False, superuser=False) -> dict:
    # last_login is NULL and calendar_token the model's default (a new random token).
    return {
        "id": uid,
        "password": hashed,
        "is_superuser": superuser,
        "first_name": first,
        "last_name": last,
        "is_staff": staff,
        "is_active": True,
        "date_joined": iso(now),
        "email": email,
        "phone": "06 12 34 56 78",
        "email_verified": True,
        "language": "fr",
    }


def structure_row(sid, *, rng, now, status="active", prefix="Structure") -> dict:
    city, postcode = CITIES[sid % len(CITIES)]
    kind = STRUCTURE_KINDS[sid % len(STRUCTURE_KINDS)]
    created = now - dt.timedelta(days=rng.randint(400, 3000))
    return {
        "id": sid,
        "name": f"{prefix} {sid:05d}",
        "kind": kind,
        "address": f"{sid} rue de la République",
        "postcode": postcode,
        "city": city,
        "departement": postcode[:2],
        "phone": "03 21 00 00 00",
        "email": f"contact{sid}@bench.example",
        "publics": "Groupes d'adultes et de jeunes accompagnés.",
        "status": status,
        "created_at": iso(created),
        "approved_at": iso(created + dt.timedelta(days=3)) if status != "pending" else None,
    }


def add_pool(cursor, *, hashed: str, rng: random.Random, first_id: int, count: int) -> None:
    """Active structures with one coordinator each, who book nothing (the booking POST's clients)."""
    now = dt.datetime.now(PARIS)
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM partners_user")
    first_user = cursor.fetchone()[0] + 1
    ids = range(first_id, first_id + count)
    copy_model(
        cursor,
        "partners.Structure",
        (structure_row(sid, rng=rng, now=now, prefix="Structure du banc") for sid in ids),
        now=now,
    )
    copy_model(
        cursor,
        "partners.User",
        (
            user_row(
                first_user + n, f"pool{n:04d}@bench.example", "Relais", f"Banc {n}", hashed=hashed, now=now
            )
            for n in range(count)
        ),
        now=now,
    )
    cursor.execute("SELECT COALESCE(MAX(id), 0) FROM partners_membership")
    first_membership = cursor.fetchone()[0] + 1
    copy_model(
        cursor,
        "partners.Membership",
        (
            {
                "id": first_membership + n,
                "user_id": first_user + n,
                "structure_id": first_id + n,
                "role": "coordinator",
                "created_at": iso(now),
            }
            for n in range(count)
        ),
        now=now,
    )
    reset_sequences(cursor, ["partners.Structure", "partners.User", "partners.Membership"])


# ---------------------------------------------------------------------------------------------
# Small: the demo programme
# ---------------------------------------------------------------------------------------------


def generate_small(name: str) -> None:
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
# Large: 5,000 structures, 50,000 sessions, 1,000,000 bookings (or the same shape, tiny)
# ---------------------------------------------------------------------------------------------


def generate_large(name: str, size: Size, label: str = "large") -> None:
    started = time.monotonic()
    rng = random.Random(2026)
    recreate(name)
    hashed = migrate_and_hash(name)
    now = dt.datetime.now(PARIS).replace(microsecond=0)
    today = now.date()
    conn = connect(name)
    cursor = conn.cursor()
    cursor.execute("SELECT id, code FROM programmes_accessibilityoption")
    options = {code: pk for pk, code in cursor.fetchall()}
    cursor.execute("SELECT id FROM auth_group WHERE name = 'Mediators'")
    mediators_group = cursor.fetchone()[0]

    def copy(model_label: str, rows: Iterable[dict]) -> int:
        return copy_model(cursor, model_label, rows, now=now)

    # People and structures -------------------------------------------------------------------
    # One structure in 25 is not active: half of them pending, a quarter suspended, a quarter archived.
    inactive = size.structures // 25
    pending, suspended = inactive // 2, inactive // 4
    archived = inactive - pending - suspended
    active = size.structures - inactive
    statuses = (
        ["active"] * active + ["pending"] * pending + ["suspended"] * suspended + ["archived"] * archived
    )
    copy(
        "partners.Structure",
        (
            structure_row(sid, rng=rng, now=now, status=statuses[sid - 1])
            for sid in range(1, size.structures + 1)
        ),
    )
    staff_id = 1
    mediator_ids = list(range(2, 2 + size.mediators))
    first_coordinator = 2 + size.mediators
    coordinator_of = {sid: first_coordinator + sid - 1 for sid in range(1, size.structures + 1)}
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
    pool = set(range(active - size.pool + 1, active + 1))  # these structures book nothing
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
    copy("partners.User", users)
    copy(
        "partners.User_groups",
        (
            {"id": n, "user_id": uid, "group_id": mediators_group}
            for n, uid in enumerate(mediator_ids, start=1)
        ),
    )
    copy(
        "partners.Membership",
        (
            {"id": sid, "user_id": uid, "structure_id": sid, "role": "coordinator", "created_at": iso(now)}
            for sid, uid in coordinator_of.items()
        ),
    )
    copy(
        "partners.TrainingRecord",
        (
            {
                "id": sid,
                "user_id": uid,
                "module": "abc",
                "completed_on": iso(today - dt.timedelta(days=500)),
                "source": "staff",
                "recorded_by_id": staff_id,
                "created_at": iso(now),
            }
            for sid, uid in coordinator_of.items()
        ),
    )

    # Exhibitions, offers, projects --------------------------------------------------------------
    exhibitions = [
        {
            "id": 1,
            "title": "Galerie du temps",
            "slug": "galerie-du-temps",
            "kind": "permanent",
            "description": "La collection.",
            "start_date": iso(dt.date(2012, 12, 4)),
            "end_date": None,
        }
    ]
    for n in range(2, 13):
        start = today - dt.timedelta(days=1500) + dt.timedelta(days=150 * n)
        exhibitions.append(
            {
                "id": n,
                "title": f"Exposition {n}",
                "slug": f"exposition-{n}",
                "kind": "temporary",
                "description": "Une exposition temporaire.",
                "start_date": iso(start),
                "end_date": iso(start + dt.timedelta(days=120)),
            }
        )
    copy("programmes.Exhibition", exhibitions)
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
                {
                    "id": oid,
                    "title": f"{kind.replace('_', ' ').capitalize()} {n + 1}",
                    "slug": f"{kind.replace('_', '-')}-{n + 1}",
                    "kind": kind,
                    "audience": audience,
                    "summary": "Une offre du programme, décrite en une phrase.",
                    "description": (
                        "Une description de l'offre, de son déroulé et de ce que le groupe y découvre."
                    ),
                    "duration_minutes": 90,
                    "min_group_size": 1 if per_person else 4,
                    "max_group_size": 1 if per_person else 20,
                    "participants_per_staff": None if per_person else 8,
                    "cancellation_deadline_hours": 48,
                    "booking_deadline_hours": 72,
                    "requires_abc_training": kind == "autonomous_visit",
                    "exhibition_id": (oid % 12) + 1 if oid % 3 else None,
                    "meeting_point": "Hall d'accueil",
                    "is_published": published,
                    "created_at": iso(now - dt.timedelta(days=1600)),
                }
            )
            for code in rng.sample(ACCESSIBILITY, 2):
                offer_access.append(
                    {"id": len(offer_access) + 1, "offer_id": oid, "accessibilityoption_id": options[code]}
                )
    copy("programmes.Offer", offer_rows)
    copy("programmes.Offer_accessibility", offer_access)
    copy(
        "programmes.Project",
        (
            {
                "id": n,
                "name": f"Projet {n}",
                "slug": f"projet-{n}",
                "description": "Un projet co-construit.",
                "exhibition_id": (n % 12) + 1,
                "start_date": iso(today - dt.timedelta(days=60 * n)),
                "created_at": iso(now),
            }
            for n in range(1, 31)
        ),
    )
    copy(
        "programmes.Project_partners",
        (
            {"id": n, "project_id": (n - 1) // 3 + 1, "structure_id": n * 37 % active + 1}
            for n in range(1, 91)
        ),
    )

    # Sessions -----------------------------------------------------------------------------------
    days = [today + dt.timedelta(days=d) for d in range(-size.past_days, size.future_days + 1)]
    days = [day for day in days if day.weekday() != 1]  # the museum is closed on Tuesdays
    per_day, extra = divmod(size.sessions, len(days))
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
                {
                    "id": sid,
                    "offer_id": offer[0],
                    "start": iso(start),
                    "end": iso(start + dt.timedelta(minutes=90)),
                    "place": PLACES[j // len(SLOTS)],
                    "capacity": capacity,
                    "booking_deadline": iso(start - dt.timedelta(hours=72)),
                    "status": "cancelled" if cancelled else "planned",
                    "cancellation_reason": "Le médiateur est souffrant." if cancelled else "",
                    "created_at": iso(min(now, start) - dt.timedelta(days=90)),
                    "updated_at": iso(min(now, start) - dt.timedelta(days=90)),
                }
            )
    copy("programmes.Session", session_rows)
    copy(
        "programmes.Assignment",
        (
            {
                "id": s[0],
                "session_id": s[0],
                "mediator_id": mediator_ids[s[0] % size.mediators],
                "created_at": iso(now),
            }
            for s in sessions
        ),
    )

    # Bookings: how many per session (more in the past, fewer far ahead), summing to size.bookings
    bookers = [s for s in range(1, active + 1) if s not in pool]

    def weight(session) -> float:
        _sid, offer, start, capacity, _cancelled = session
        ahead = (start - now).days
        fill = 1.0 if ahead < 0 else max(0.15, 1 - ahead / 300)
        return fill * (capacity * 0.9 if offer[1] else capacity / 13)

    weights = [weight(s) for s in sessions]
    scale = size.bookings / sum(weights)
    counts = [int(w * scale) for w in weights]
    for _ in range(size.bookings - sum(counts)):
        counts[rng.randrange(len(counts))] += 1
    if max(counts) > len(bookers):
        raise GeneratorError(
            f"{size.bookings} bookings need a session booked by {max(counts)} structures, "
            f"more than the {len(bookers)} that book: ask for more structures or fewer bookings."
        )

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
                yield {
                    "id": bid,
                    "session_id": session_id,
                    "structure_id": structure,
                    "booked_by_id": user,
                    "attendee_id": user if per_person else None,
                    "status": status,
                    "participants": participants,
                    "accompanying_staff": staff,
                    "wheelchair_users": wheelchairs,
                    "contact_name": f"Contact {structure}",
                    "contact_phone": "06 12 34 56 78",
                    "present_participants": max(participants - rng.randint(0, 2), 1) if attended else None,
                    "present_staff": staff if attended else None,
                    "attendance_recorded_at": iso(start + dt.timedelta(hours=3)) if recorded else None,
                    "created_at": iso(created),
                    "updated_at": iso(created),
                    "cancelled_at": iso(created + dt.timedelta(days=1)) if status == "cancelled" else None,
                }

    total = copy("bookings.Booking", bookings())
    # One booking in twenty states an accessibility need.
    needs = list(options.values())
    copy(
        "bookings.Booking_accessibility_needs",
        (
            {"id": n, "booking_id": b, "accessibilityoption_id": needs[b % len(needs)]}
            for n, b in enumerate(range(7, total + 1, 20), start=1)
        ),
    )
    copy(
        "bookings.ProjectRequest",
        (
            {
                "id": n,
                "structure_id": bookers[n * 13 % len(bookers)],
                "created_by_id": coordinator_of[bookers[n * 13 % len(bookers)]],
                "kind": "cycle" if n % 2 else "custom_date",
                "wished_start": iso(today + dt.timedelta(days=30)),
                "wished_end": iso(today + dt.timedelta(days=90)),
                "participants": 12,
                "group_description": "Un groupe d'adultes.",
                "goals": "Découvrir le musée.",
                "status": ("new", "in_discussion", "accepted", "declined")[n % 4],
                "created_at": iso(now - dt.timedelta(days=n % 200)),
            }
            for n in range(1, size.requests + 1)
        ),
    )
    session_model = apps.get_model("programmes.Session")
    if any(field.name == "seats_taken" for field in session_model._meta.concrete_fields):
        fill_seats_taken(cursor)
    reset_sequences(cursor, MODELS)
    conn.commit()
    conn.close()
    loaded = time.monotonic() - started
    vacuum(name)
    print(
        f"{label}: {size.structures} structures, {len(sessions)} sessions, {total} bookings "
        f"loaded in {loaded:.0f} s "
        f"(+ VACUUM ANALYZE: {time.monotonic() - started:.0f} s in all)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", choices=["large", "small", "tiny", "both"], default="both")
    parser.add_argument("--database", help="the database to create (one size only; default: its BENCH_DB_*)")
    args = parser.parse_args()
    if args.database and args.size == "both":
        parser.error("--database names one database: give one --size")
    try:
        if args.size in ("small", "both"):
            generate_small(args.database or DATABASES["small"])
        if args.size in ("large", "both"):
            generate_large(args.database or DATABASES["large"], SIZES["large"])
        if args.size == "tiny":
            generate_large(args.database or DATABASES["tiny"], SIZES["tiny"], label="tiny")
    except GeneratorError as error:
        sys.exit(f"generate.py: {error}")


if __name__ == "__main__":
    main()
