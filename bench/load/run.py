"""Load benchmark of the portal: gunicorn on PostgreSQL, measured with wrk, at two sizes.

    .venv/bin/python bench/load/run.py                  generate both databases, then measure (make bench)
    .venv/bin/python bench/load/run.py --reuse          measure the databases generated before
    .venv/bin/python bench/load/run.py --size small --duration 3
    .venv/bin/python bench/load/run.py --reuse --pages booking_post   one page (and the ceiling), no doc

For each size (large: 5,000 structures, 50,000 sessions, 1,000,000 bookings; small: the demo
programme), it first renders each page in-process with Django's test client, every cache replaced
by Django's DummyCache: the page's query count and its server time rendered fresh (the median of
--renders renders, 50 by default). Then it starts gunicorn (DEBUG off, manifest static files, the
production middleware) on 127.0.0.1, and measures with wrk the requests per second and the p50/p99
latency of: the ceiling (the smallest Django view, same server), the home page, the catalogue and
an offer page (each for an anonymous visitor, served from the public page cache, and for a
logged-in coordinator), "my bookings", a mediator's week, the staff dashboard, and the booking POST
(32 clients on one session, each request from another structure). It checks in the database that
no seat was given over the capacity, prints a table of each page against its targets (set for the
large size: TARGET_SIZE), the query counts of the sizes side by side, and writes them to
docs/benchmarks.md.

Only 127.0.0.1 is contacted. Needs PostgreSQL (and Redis for the broker, when it answers: the
booking POST then queues its emails as in production; else tasks run inline with a null mailer).
Installs wrk with apt-get when it is missing and we are root.

Environment: BENCH_PG_URL, BENCH_DB_LARGE, BENCH_DB_SMALL (see generate.py), BENCH_REDIS_URL
(redis://127.0.0.1:6379/7, flushed), BENCH_CACHE_URL (redis://127.0.0.1:6379/8, the portal's cache,
flushed), BENCH_PORT (8765), BENCH_WORKERS, BENCH_THREADS, BENCH_STATIC_ROOT (settings.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

from bench.load.generate import DATABASES, django_env  # noqa: E402

PORT = int(os.environ.get("BENCH_PORT", "8765"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
# The portal's shared cache in production (the public pages and their content version: common/cache.py).
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/8")
CPUS = os.cpu_count() or 2
# Measured on the 2-core machine of docs/benchmarks.md: sync workers, 2 per core + 1, were the fastest.
WORKERS = int(os.environ.get("BENCH_WORKERS", str(2 * CPUS + 1)))
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
GET_CONNECTIONS = 16
POST_CONNECTIONS = 32
POST_SEATS = (8, 2)  # participants, accompanying staff: 10 seats a booking
POST_CAPACITY = 3000  # 300 bookings fit; the requests after them are refused (full or already booked)
DOC = REPO / "docs" / "benchmarks.md"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"

# (key, label, who asks for it). The pages anyone can see are measured twice: for an anonymous
# visitor (served from the public page cache) and for a logged-in coordinator (rendered each time).
PAGES = [
    ("ceiling", "ceiling (minimal view)", ["anonymous"]),
    ("home", "home", ["anonymous", "coordinator"]),
    ("catalogue", "catalogue", ["anonymous", "coordinator"]),
    ("offer", "offer page", ["anonymous", "coordinator"]),
    ("my_bookings", "my bookings", ["coordinator"]),
    ("mediator_week", "mediator's week", ["mediator"]),
    ("dashboard", "staff dashboard", ["staff"]),
    ("booking_post", f"booking POST ({POST_CONNECTIONS} clients)", ["coordinators"]),
]
# Each page's server time is the median of this many in-process renders (Django's test client,
# every cache replaced by Django's DummyCache: the page as rendered fresh).
RENDERS = 50
FRESH_CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
# The targets, at the large size (issue 12): every page as its users get it p99 <= 150 ms under
# 16 connections and >= 1/10 of the ceiling; anonymous public pages >= 1/2 of the ceiling; the
# staff dashboard <= 1 s rendered fresh; the booking POST >= 1/25 of the ceiling, no seat over capacity.
P99_MAX_MS = 150
DASHBOARD_FRESH_MAX_MS = 1000
TARGET_SIZE = "large"


def rows(only: set[str] | None = None):
    """(key, label, visitor) of each line of the table, in its order."""
    for key, label, visitors in PAGES:
        if only is None or key in only:
            for visitor in visitors:
                yield key, label, visitor


def targets(key: str, visitor: str) -> dict:
    """The targets of one line: "ratio" to the ceiling, "p99" and fresh "server" time in ms."""
    if key == "ceiling":
        return {}
    if key == "booking_post":
        return {"ratio": 1 / 25}
    found = {"ratio": 1 / 2 if visitor == "anonymous" else 1 / 10, "p99": P99_MAX_MS}
    if key == "dashboard":
        found["server"] = DASHBOARD_FRESH_MAX_MS
    return found


STATUS_LUA = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
  end
  io.write("STATUSES")
  for k, v in pairs(total) do io.write(string.format(" %d=%d", k, v)) end
  io.write(string.format("\\nP50 %d\\nP99 %d\\n", latency:percentile(50), latency:percentile(99)))
end
"""

POST_LUA = """
-- Each request books as another structure (a structure may book a session once): thread t of n
-- takes the cookies t+1, t+1+n, t+1+2n...
local threads = {}
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  statuses = {}
  sent = 0
end
function request()
  local index = (id + sent * nthreads) % #cookies + 1
  sent = sent + 1
  return wrk.format("POST", path, {
    ["Cookie"] = cookies[index],
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, body)
end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
""" + STATUS_LUA.split("function response")[1].split("\n", 1)[1]  # the done() hook


# ---------------------------------------------------------------------------------------------
# Preparation, inside Django (a child process per size: each has its own database)
# ---------------------------------------------------------------------------------------------


def pick_targets(*, with_facts: bool = False):
    """The URL of each page and who asks for it ({visitor: user}, None for an anonymous visitor),
    from the data itself."""
    import datetime as dt

    from django.db.models import Count, Q
    from django.utils import timezone

    from bookings.models import Booking
    from bookings.selectors import bookable_sessions
    from partners.models import MEDIATORS_GROUP, Membership, Structure, User
    from programmes.models import Offer, Session

    staff = User.objects.filter(is_staff=True, is_active=True).order_by("pk").first()
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    week = Q(
        assignments__session__start__date__gte=monday,
        assignments__session__start__date__lt=monday + dt.timedelta(days=7),
    )
    mediator = (
        User.objects.filter(groups__name=MEDIATORS_GROUP)
        .annotate(this_week=Count("assignments", filter=week))
        .order_by("-this_week", "pk")
        .first()
    )
    # The coordinator whose structure has the most bookings: "my bookings" at its heaviest, and the
    # logged-in visitor of the pages anyone can see.
    busiest = (
        Booking.objects.values("structure_id").annotate(n=Count("id")).order_by("-n", "structure_id").first()
    )
    coordinator = (
        Membership.objects.filter(structure_id=busiest["structure_id"])
        .select_related("user")
        .order_by("pk")
        .first()
        .user
    )
    offer = (
        Offer.objects.filter(is_published=True)
        .annotate(open=Count("sessions", filter=Q(sessions__in=bookable_sessions().values("pk"))))
        .order_by("-open", "pk")
        .first()
    )
    shared = {"anonymous": None, "coordinator": coordinator}
    urls = {
        "ceiling": ("/bench/ceiling/", {"anonymous": None}),
        "home": ("/", shared),
        "catalogue": ("/offres/", shared),
        "offer": (f"/offres/{offer.slug}/", shared),
        "my_bookings": ("/reservations/", {"coordinator": coordinator}),
        "mediator_week": ("/planning/", {"mediator": mediator}),
        "dashboard": ("/tableau-de-bord/", {"staff": staff}),
    }
    if not with_facts:
        return urls
    facts = {
        "structures": Structure.objects.count(),
        "sessions": Session.objects.count(),
        "bookings": Booking.objects.count(),
        "coordinator_bookings": busiest["n"],
        "offer_sessions": offer.open,
        "mediator_week_sessions": mediator.this_week,
    }
    return urls, facts


def post_offer():
    """The group offer the booking POST books: POST_SEATS fit its group size and staff ratio."""
    from programmes.enums import Audience
    from programmes.models import Offer

    participants, staff_count = POST_SEATS
    return next(
        o
        for o in Offer.objects.filter(
            is_published=True,
            audience=Audience.GROUP,
            requires_abc_training=False,
            min_group_size__lte=participants,
            max_group_size__gte=participants,
        ).order_by("pk")
        if o.participants_per_staff is None or -(-participants // o.participants_per_staff) <= staff_count
    )


def bench_session(*, capacity: int, mediator):
    """A new session of the booking POST's offer, 45 days ahead, with `capacity` seats."""
    from django.utils import timezone

    from programmes.models import Assignment, Session

    start = (timezone.now() + dt.timedelta(days=45)).replace(second=0, microsecond=0) + dt.timedelta(
        minutes=secrets.randbelow(100_000)
    )
    session = Session.objects.create(
        offer=post_offer(),
        start=start,
        end=start + dt.timedelta(minutes=90),
        place="Banc d'essai",
        capacity=capacity,
        booking_deadline=start - dt.timedelta(days=3),
    )
    Assignment.objects.create(session=session, mediator=mediator)
    return session


def fresh_renders(url: str, user, *, renders: int, form: dict | None = None, users=()) -> dict:
    """The page rendered fresh in-process: its query count, then the median of `renders` renders
    (GET as `user`; or POST `form` once as each of `users`, the first one counted)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    def client_of(someone) -> Client:
        client = Client()
        if someone is not None:
            client.force_login(someone)
        return client

    if form is None:
        client = client_of(user)
        ask = [lambda: client.get(url)] * (renders + 1)
        expected = 200
        client.get(url)  # the first request of a process loads templates and translations
    else:
        clients = [client_of(someone) for someone in users]
        ask = [lambda client=client: client.post(url, form) for client in clients]
        expected = 302
    with CaptureQueriesContext(connection) as queries:
        response = ask[0]()
    assert response.status_code == expected, (url, response.status_code, response.content.decode()[:2000])
    count = len(queries.captured_queries)  # now: the next request empties Django's query log
    times = []
    for one in ask[1 : renders + 1]:
        started = time.perf_counter()
        response = one()
        times.append(time.perf_counter() - started)
        assert response.status_code == expected, (url, response.status_code)
    return {"queries": count, "server_ms": statistics.median(times) * 1000}


def post_page(*, csrf: str, cookie, mediator, renders: int) -> dict:
    """The booking POST: one new session for wrk, another for the in-process renders, each booked by
    coordinators of their own who have booked nothing (generate.py's pool)."""
    from django.test import override_settings

    from partners.enums import StructureStatus
    from partners.models import Membership

    participants, staff_count = POST_SEATS
    target = bench_session(capacity=POST_CAPACITY, mediator=mediator)
    pool = [
        m.user
        for m in Membership.objects.filter(
            structure__status=StructureStatus.ACTIVE,
            user__email_verified=True,
            user__is_active=True,
            user__email__startswith="pool",
        )
        .select_related("user")
        .order_by("pk")
    ]
    in_process, clients = pool[: renders + 1], pool[renders + 1 :]
    form = {
        "csrfmiddlewaretoken": csrf,
        "participants": participants,
        "accompanying_staff": staff_count,
        "wheelchair_users": 0,
        "contact_name": "Contact du jour",
        "contact_phone": "06 12 34 56 78",
        "accessibility_notes": "",
        "comment": "",
        "action": "book",
    }
    fresh = bench_session(capacity=len(in_process) * (participants + staff_count), mediator=mediator)
    with override_settings(CACHES=FRESH_CACHES):
        post = fresh_renders(
            f"/reservations/seance/{fresh.pk}/reserver/", None, renders=renders, form=form, users=in_process
        )
    return {
        "url": f"/reservations/seance/{target.pk}/reserver/",
        "cookies": [cookie(user) for user in clients],
        "body": urlencode(form),
        "session_id": target.pk,
        **post,
    }


def prepare(size: str, out: Path, renders: int, only: set[str] | None) -> None:
    """Pick the users and objects of each page, make their sessions, render each page fresh
    in-process (query count, server time), and make the booking POST's session and clients."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from bookings.enums import SEATED_STATUSES
    from partners.models import User

    csrf = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))

    def session_key(user: User) -> str:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "partners.backends.PortalBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    def cookie(user: User | None) -> str:
        parts = [f"{settings.CSRF_COOKIE_NAME}={csrf}"]
        if user is not None:
            parts.append(f"{settings.SESSION_COOKIE_NAME}={session_key(user)}")
        return "; ".join(parts)

    urls, facts = pick_targets(with_facts=True)
    pages = {}
    for key, (url, users) in urls.items():
        if only is not None and key not in only:
            continue
        pages[key] = {}
        for visitor, user in users.items():
            page = {"url": url, "cookie": cookie(user)}
            with override_settings(CACHES=FRESH_CACHES):
                page.update(fresh_renders(url, user, renders=renders))
            if visitor == "anonymous" and key != "ceiling":
                # As an anonymous visitor gets it: from the public page cache (the second request).
                client = Client()
                client.get(url)
                with CaptureQueriesContext(connection) as served:
                    response = client.get(url)
                page["cached_queries"] = len(served.captured_queries)
                page["cache_hit"] = response.get("X-Page-Cache") == "hit"
            pages[key][visitor] = page

    if only is None or "booking_post" in only:
        mediator = urls["mediator_week"][1]["mediator"]
        pages["booking_post"] = {
            "coordinators": post_page(csrf=csrf, cookie=cookie, mediator=mediator, renders=renders)
        }
    facts["seated_statuses"] = list(SEATED_STATUSES)
    out.write_text(json.dumps({"pages": pages, "facts": facts}))


# ---------------------------------------------------------------------------------------------
# The server and the load
# ---------------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is missing: install it (Debian: apt-get install wrk) and run again.")
    print("Installing wrk (apt-get install wrk)...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, check=True, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or sys.exit("wrk could not be installed.")


def redis_answers() -> bool:
    from urllib.parse import urlparse

    url = urlparse(REDIS_URL)
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def redis_flush(location: str = REDIS_URL) -> None:
    from urllib.parse import urlparse

    url = urlparse(location)
    database = (url.path or "/0").lstrip("/") or "0"
    with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), timeout=2) as sock:
        sock.sendall(f"SELECT {database}\r\nFLUSHDB\r\n".encode())
        time.sleep(0.1)
        sock.recv(64)


def server_env(db_name: str, broker: bool) -> dict[str, str]:
    env = django_env(db_name)
    env.update(
        {
            "DJANGO_MANIFEST_STATIC": "1",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_CONN_MAX_AGE": "600",
            "AXES_ENABLED": "1",
            "CELERY_BROKER_URL": REDIS_URL if broker else "",
            "CACHE_URL": CACHE_URL if broker else "",
        }
    )
    return env


def start_server(env: dict[str, str]) -> subprocess.Popen:
    command = [
        str(Path(sys.executable).parent / "gunicorn"),  # the venv's, next to this Python
        "bench.load.wsgi:application",
        "--bind",
        f"127.0.0.1:{PORT}",
        "--workers",
        str(WORKERS),
        "--log-level",
        "warning",
        "--backlog",
        "2048",
    ]
    if THREADS > 1:
        command += ["--worker-class", "gthread", "--threads", str(THREADS)]
    server = subprocess.Popen(command, env=env, cwd=REPO, start_new_session=True)
    for _ in range(100):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bench/ceiling/", timeout=1) as response:  # noqa: S310
                if response.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    sys.exit(f"gunicorn did not answer on 127.0.0.1:{PORT}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def drain(limit: float = 120) -> None:
    """Wait until the server has answered every request left in its queue by the last load.

    wrk stops at its deadline, but the sync workers still serve the requests already queued: one
    ceiling request answered quickly means the queue is empty and the next page starts clean.
    """
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/bench/ceiling/", timeout=limit) as response:  # noqa: S310
                response.read()
        except OSError:
            pass
        if time.monotonic() - started < 0.1:
            return
        time.sleep(0.2)


def parse_wrk(output: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    statuses = {}
    match = re.search(r"STATUSES(.*)", output)
    for pair in match.group(1).split() if match else []:
        status, count = pair.split("=")
        statuses[int(status)] = int(count)
    p50 = int(re.search(r"P50 (\d+)", output).group(1)) / 1000
    p99 = int(re.search(r"P99 (\d+)", output).group(1)) / 1000
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "statuses": statuses,
        "socket_errors": errors.group(1) if errors else "",
    }


def wrk(
    wrk_bin: str, url_path: str, *, script: Path, cookie: str | None, connections: int, seconds: float
) -> dict:
    command = [
        wrk_bin,
        "-t",
        "2",
        "-c",
        str(connections),
        "-d",
        f"{seconds:g}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://127.0.0.1:{PORT}{url_path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    drain()
    return parse_wrk(output)


def post_script(directory: Path, page: dict) -> Path:
    """The wrk script of the booking POST, with the cookies of the clients written in."""
    cookies = ",\n".join(json.dumps(c) for c in page["cookies"])
    lua = (
        f"path = {json.dumps(page['url'])}\nbody = {json.dumps(page['body'])}\n"
        f"cookies = {{\n{cookies}\n}}\nnthreads = 2\n" + POST_LUA
    )
    path = directory / "post.lua"
    path.write_text(lua)
    return path


def seats_check(db_name: str, session_id: int, seated: list[str]) -> dict:
    from bench.load.generate import connect

    conn = connect(db_name)
    with conn, conn.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.capacity,
                   COALESCE(SUM(b.participants + b.accompanying_staff) FILTER (WHERE b.status = ANY(%s)), 0),
                   COUNT(b.id) FILTER (WHERE b.status = ANY(%s)),
                   (SELECT COUNT(*) FROM (SELECT structure_id FROM bookings_booking
                     WHERE session_id = s.id AND status IN ('confirmed', 'waitlisted')
                     GROUP BY structure_id HAVING COUNT(*) > 1) d)
            FROM programmes_session s LEFT JOIN bookings_booking b ON b.session_id = s.id
            WHERE s.id = %s GROUP BY s.id
            """,
            [seated, seated, session_id],
        )
        capacity, taken, bookings, duplicates = cursor.fetchone()
    conn.close()
    return {"capacity": capacity, "taken": taken, "bookings": bookings, "duplicates": duplicates}


def measure(
    size: str, wrk_bin: str, seconds: float, broker: bool, renders: int, only: set[str] | None = None
) -> dict:
    db_name = DATABASES[size]
    env = server_env(db_name, broker)
    if broker:
        redis_flush(CACHE_URL)  # the pages of the other size have the same addresses
    with tempfile.TemporaryDirectory(prefix="louvrelens-bench-") as tmp:
        directory = Path(tmp)
        prepared = directory / "prepared.json"
        print(f"  {size}: {renders} fresh renders of each page in-process...", flush=True)
        subprocess.run(
            [
                sys.executable,
                str(Path(__file__)),
                "--prepare",
                size,
                "--out",
                str(prepared),
                "--renders",
                str(renders),
                *(["--pages", ",".join(sorted(only))] if only else []),
            ],
            env=env,
            cwd=REPO,
            check=True,
        )
        data = json.loads(prepared.read_text())
        status_script = directory / "status.lua"
        status_script.write_text(STATUS_LUA)
        server = start_server(env)
        results = {}
        try:
            for key, label, visitor in rows(only):
                page = data["pages"][key][visitor]
                if key == "booking_post":
                    result = wrk(
                        wrk_bin,
                        page["url"],
                        script=post_script(directory, page),
                        cookie=None,
                        connections=POST_CONNECTIONS,
                        seconds=seconds,
                    )
                    result["seats"] = seats_check(
                        db_name, page["session_id"], data["facts"]["seated_statuses"]
                    )
                else:
                    # Warm every worker (templates, connections; for anonymous visitors the public
                    # page cache), then measure.
                    for duration in (2, seconds):
                        result = wrk(
                            wrk_bin,
                            page["url"],
                            script=status_script,
                            cookie=page["cookie"],
                            connections=GET_CONNECTIONS,
                            seconds=duration,
                        )
                for name in ("server_ms", "queries", "cached_queries", "cache_hit"):
                    if name in page:
                        result[name] = page[name]
                results.setdefault(key, {})[visitor] = result
                print(
                    f"  {size:5} {label:28} {visitor:12} {result['rps']:8.1f} req/s  "
                    f"p50 {result['p50']:7.1f} ms  p99 {result['p99']:7.1f} ms  "
                    f"fresh {result['server_ms']:7.1f} ms  {queries_text(result):>14} queries  "
                    f"{result['statuses']}",
                    flush=True,
                )
        finally:
            stop_server(server)
    return {"results": results, "facts": data["facts"]}


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        kb = int(next(line for line in info if line.startswith("MemTotal")).split()[1])
    from bench.load.generate import connect

    conn = connect("postgres")
    with conn.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    conn.close()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("[")[0].strip()
    return {
        "date": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "cpus": f"{CPUS} × {cpu}",
        "ram": f"{kb / 1024 / 1024:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": pg,
        "wrk": wrk_version,
        "server": f"gunicorn, {WORKERS} sync workers"
        if THREADS == 1
        else f"gunicorn, {WORKERS} gthread workers × {THREADS} threads",
    }


def queries_text(result: dict) -> str:
    """The queries of the page rendered fresh, and for an anonymous visitor those of the page as
    served from the public page cache."""
    text = str(result["queries"])
    if "cache_hit" in result:
        text += f" ({result['cached_queries']} cached)" if result["cache_hit"] else " (not cached)"
    return text


def target_text(key: str, visitor: str) -> str:
    found = targets(key, visitor)
    parts = [f"≥ 1/{round(1 / found['ratio'])}"] if "ratio" in found else []
    if "p99" in found:
        parts.append(f"p99 ≤ {found['p99']} ms")
    if "server" in found:
        parts.append(f"fresh ≤ {found['server'] / 1000:g} s")
    if key == "booking_post":
        parts.append("0 seats over")
    return ", ".join(parts) or "—"


def verdict(key: str, visitor: str, result: dict, ceiling: float) -> tuple[str, bool]:
    """The verdict of one line ("met", or what was missed), and whether all its targets were met."""
    found = targets(key, visitor)
    if not found:
        return "—", True
    misses = []
    ratio = result["rps"] / ceiling if ceiling else 0
    if ratio < found["ratio"]:
        misses.append(
            f"{ratio / found['ratio']:.0%} of the req/s target ({found['ratio'] * ceiling:.0f} req/s needed)"
        )
    if "p99" in found and result["p99"] > found["p99"]:
        misses.append(f"p99 over {found['p99']} ms")
    if "server" in found and result["server_ms"] > found["server"]:
        misses.append(f"fresh over {found['server'] / 1000:g} s")
    if result.get("cache_hit") is False:
        misses.append("not served from the public page cache")
    bad = sum(n for status, n in result["statuses"].items() if status >= 400)
    if bad:
        misses.append(f"{bad} error responses")
    if key == "booking_post":
        seats = result["seats"]
        if seats["taken"] > seats["capacity"] or seats["duplicates"]:
            misses.append("OVER CAPACITY")
    return ("missed: " + "; ".join(misses), False) if misses else ("met", True)


def table(runs: dict[str, dict]) -> list[str]:
    lines = [
        "| page | visitor | size | req/s | p50 (ms) | p99 (ms) | ratio to ceiling | "
        "fresh, server (ms) | target | verdict |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for key, label, visitor in rows():
        for size, run in runs.items():
            result = run["results"].get(key, {}).get(visitor)
            if result is None:
                continue
            ceiling = run["results"]["ceiling"]["anonymous"]["rps"]
            text, _met = verdict(key, visitor, result, ceiling)
            lines.append(
                f"| {label} | {visitor} | {size} | {result['rps']:.0f} | {result['p50']:.1f} | "
                f"{result['p99']:.1f} | {result['rps'] / ceiling:.2f} | {result['server_ms']:.1f} | "
                f"{target_text(key, visitor)} | {text} |"
            )
    return lines


def query_cells(runs: dict[str, dict]):
    """(label, visitor, each size's queries, same at every size or None) of each measured line."""
    for key, label, visitor in rows():
        found = [run["results"].get(key, {}).get(visitor) for run in runs.values()]
        if any(found):
            cells = [queries_text(result) if result else "—" for result in found]
            same = None if len(found) < 2 or None in found else len(set(cells)) == 1
            yield label, visitor, cells, same


def query_table(runs: dict[str, dict]) -> list[str]:
    """Each page's queries at each size, side by side: they must not grow with the data."""
    lines = [
        f"| page | visitor | {' | '.join(f'queries, {size}' for size in runs)} | same at every size |",
        f"| --- | --- | {' | '.join('---:' for _ in runs)} | --- |",
    ]
    for label, visitor, cells, same in query_cells(runs):
        flag = {None: "—", True: "yes", False: "**DIFFERENT**"}[same]
        lines.append(f"| {label} | {visitor} | {' | '.join(cells)} | {flag} |")
    return lines


def verdict_lines(runs: dict[str, dict]) -> list[str]:
    """The verdict at the size the targets are set for, and whether the query counts differ."""
    run = runs.get(TARGET_SIZE)
    if run is None:
        lines = [f"- Verdict: the targets are set for the {TARGET_SIZE} size, not measured in this run."]
    else:
        ceiling = run["results"]["ceiling"]["anonymous"]["rps"]
        missed = [
            f"{label} ({visitor})"
            for key, label, visitor in rows()
            if visitor in run["results"].get(key, {})
            and not verdict(key, visitor, run["results"][key][visitor], ceiling)[1]
        ]
        lines = [
            f"- Verdict at the {TARGET_SIZE} size: "
            + (f"missed by {', '.join(missed)}." if missed else "every target measured is met.")
        ]
    if len(runs) > 1:
        different = [f"{label} ({visitor})" for label, visitor, _, same in query_cells(runs) if same is False]
        if different:
            lines.append(f"- Query counts DIFFERENT between the sizes: {', '.join(different)}.")
        else:
            lines.append("- Query counts: the same at both sizes.")
    return lines


def post_lines(runs: dict[str, dict]) -> list[str]:
    lines = []
    for size, run in runs.items():
        result = run["results"].get("booking_post", {}).get("coordinators")
        if result is None:
            continue
        seats = result["seats"]
        booked = result["statuses"].get(302, 0)
        refused = result["statuses"].get(200, 0)
        over = "none" if seats["taken"] <= seats["capacity"] and not seats["duplicates"] else "OVER CAPACITY"
        lines.append(
            f"- {size}: {booked} bookings made and {refused} refused "
            "(session full or structure already booked) "
            f"by {POST_CONNECTIONS} concurrent clients; seats taken {seats['taken']} of {seats['capacity']} "
            f"({seats['bookings']} seated bookings, those still in flight when wrk stopped included); "
            f"seats over capacity: {over}; structures with two active bookings: {seats['duplicates']}."
        )
    return lines


def write_doc(runs: dict[str, dict], info: dict[str, str], seconds: dict[str, float], renders: int) -> None:
    facts = []
    for size, run in runs.items():
        f = run["facts"]
        facts.append(
            f"- {size}: {f['structures']} structures, {f['sessions']} sessions, {f['bookings']} bookings; "
            f'"my bookings" of a structure with {f["coordinator_bookings"]} bookings, an offer page with '
            f"{f['offer_sessions']} open sessions, "
            f"a mediator's week of {f['mediator_week_sessions']} sessions; "
            f"{seconds[size]:g} s of load per page."
        )
    block = "\n".join(
        [
            START,
            f"Measured on {info['date']} — {info['cpus']}, {info['ram']} RAM, "
            f"PostgreSQL {info['postgresql']}, "
            f"Python {info['python']}, {info['os']}; {info['server']}; {info['wrk']} on the same machine "
            f"(2 threads, {GET_CONNECTIONS} connections for the pages, "
            f"{POST_CONNECTIONS} for the booking POST); fresh server time: the median of {renders} "
            f"in-process renders with every cache off; "
            f"{info['load']}.",
            "",
            *facts,
            "",
            *table(runs),
            "",
            *query_table(runs),
            "",
            *verdict_lines(runs),
            "",
            *post_lines(runs),
            END,
        ]
    )
    text = DOC.read_text() if DOC.exists() else f"# Benchmarks\n\n{START}\n{END}\n"
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)


def collectstatic() -> None:
    env = server_env(DATABASES["small"], broker=False)
    subprocess.run(
        [sys.executable, str(REPO / "manage.py"), "collectstatic", "--no-input", "--clear", "-v", "0"],
        env=env,
        cwd=REPO,
        check=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reuse", action="store_true", help="measure the databases already generated")
    parser.add_argument("--size", choices=["large", "small", "both"], default="both")
    parser.add_argument(
        "--duration", type=float, help="seconds of load per page (default: 10 large, 5 small)"
    )
    parser.add_argument("--no-doc", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument(
        "--pages",
        help="measure only these pages, comma-separated (e.g. booking_post,catalogue), and the ceiling; "
        "no doc written",
    )
    parser.add_argument(
        "--renders", type=int, default=RENDERS, help=f"fresh in-process renders per page (default {RENDERS})"
    )
    parser.add_argument("--prepare", choices=["large", "small"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    keys = [key for key, *_ in PAGES]
    only = set(args.pages.split(",")) if args.pages else None
    if args.prepare:
        prepare(args.prepare, args.out, args.renders, only)
        return
    if only and not only <= set(keys):
        parser.error(f"--pages: choose among {', '.join(keys)}")
    if only:
        only.add("ceiling")  # every ratio is to the ceiling of the same run
        args.no_doc = True
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    wrk_bin = ensure_wrk()
    sizes = ["large", "small"] if args.size == "both" else [args.size]
    if not args.reuse:
        for size in sizes:
            subprocess.run([sys.executable, str(HERE / "generate.py"), "--size", size], cwd=REPO, check=True)
    collectstatic()
    broker = redis_answers()
    if broker:
        redis_flush()
    print(
        "Emails of the booking POST: "
        + (f"queued on {REDIS_URL}." if broker else "sent inline to a null mailer.")
    )
    runs, seconds = {}, {}
    try:
        for size in sizes:
            seconds[size] = args.duration or (10 if size == "large" else 5)
            runs[size] = measure(size, wrk_bin, seconds[size], broker, args.renders, only)
    finally:
        if broker:
            redis_flush()
    print()
    print("\n".join([*table(runs), "", *query_table(runs), "", *verdict_lines(runs), "", *post_lines(runs)]))
    if not args.no_doc:
        info = machine()
        info["load"] = f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
        write_doc(runs, info, seconds, args.renders)
        print(f"\nWritten to {DOC.relative_to(REPO)}.")
    print(f"Done in {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
