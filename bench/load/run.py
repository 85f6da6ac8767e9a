"""Load benchmark of the portal: gunicorn on PostgreSQL, measured with wrk, at two sizes.

    .venv/bin/python bench/load/run.py                  generate both databases, then measure (make bench)
    .venv/bin/python bench/load/run.py --reuse          measure the databases generated before
    .venv/bin/python bench/load/run.py --size small --duration 3
    .venv/bin/python bench/load/run.py --reuse --pages booking_post   one page (and the ceiling), no doc

For each size (large: 5,000 structures, 50,000 sessions, 1,000,000 bookings; small: the demo
programme), it starts gunicorn (DEBUG off, manifest static files, the production middleware) on
127.0.0.1, and measures with wrk the requests per second and the p50/p99 latency of: the ceiling
(the smallest Django view, same server), the home page, the catalogue, an offer page, "my bookings",
a mediator's week, the staff dashboard, and the booking POST (32 clients on one session, each
request from another structure). It counts each page's SQL queries in-process (Django's test
client), checks in the database that no seat was given over the capacity, prints a table with the
ratio of each page to the ceiling against its target, and writes it to docs/benchmarks.md.

Only 127.0.0.1 is contacted. Needs PostgreSQL (and Redis for the broker, when it answers: the
booking POST then queues its emails as in production; else tasks run inline with a null mailer).
Installs wrk with apt-get when it is missing and we are root.

Environment: BENCH_PG_URL, BENCH_DB_LARGE, BENCH_DB_SMALL (see generate.py), BENCH_REDIS_URL
(redis://127.0.0.1:6379/7, flushed), BENCH_CACHE_URL (redis://127.0.0.1:6379/8, the portal's cache,
flushed), BENCH_PORT (8765), BENCH_WORKERS, BENCH_THREADS.
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
import string
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

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

# (key, label, kind of page, its target as a fraction of the ceiling)
PAGES = [
    ("ceiling", "ceiling (minimal view)", "ceiling", 1.0),
    ("home", "home", "public", 1 / 2),
    ("catalogue", "catalogue", "public", 1 / 2),
    ("offer", "offer page", "public", 1 / 2),
    ("my_bookings", "my bookings", "personal", 1 / 6),
    ("mediator_week", "mediator's week", "personal", 1 / 6),
    ("dashboard", "staff dashboard", "personal", 1 / 6),
    ("booking_post", "booking POST (32 clients)", "post", 1 / 10),
]

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
    """The URL of each page and who asks for it (None: an anonymous visitor), from the data itself."""
    import datetime as dt

    from django.db.models import Count, Q
    from django.utils import timezone

    from bookings.models import Booking
    from partners.models import MEDIATORS_GROUP, Membership, Structure, User
    from programmes.models import Offer, Session
    from programmes.selectors import bookable_sessions

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
    # The coordinator whose structure has the most bookings: "my bookings" at its heaviest.
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
    urls = {
        "ceiling": ("/bench/ceiling/", None),
        "home": ("/", None),
        "catalogue": ("/offres/", None),
        "offer": (f"/offres/{offer.slug}/", None),
        "my_bookings": ("/reservations/", coordinator),
        "mediator_week": ("/planning/", mediator),
        "dashboard": ("/tableau-de-bord/", staff),
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


def prepare(size: str, out: Path) -> None:
    """Pick the users and objects of each page, make their sessions, count each page's queries."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bookings.enums import SEATED_STATUSES
    from partners.enums import StructureStatus
    from partners.models import Membership, User
    from programmes.models import Assignment, Session

    now = timezone.now()
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
    mediator = urls["mediator_week"][1]
    # The booking POST: a new session of a group offer, and coordinators who have booked nothing.
    participants, staff_count = POST_SEATS
    group_offer = post_offer()
    start = (now + dt.timedelta(days=45)).replace(second=0, microsecond=0) + dt.timedelta(
        minutes=secrets.randbelow(100_000)
    )
    target = Session.objects.create(
        offer=group_offer,
        start=start,
        end=start + dt.timedelta(minutes=90),
        place="Banc d'essai",
        capacity=POST_CAPACITY,
        booking_deadline=start - dt.timedelta(days=3),
    )
    Assignment.objects.create(session=target, mediator=mediator)
    pool = list(
        Membership.objects.filter(
            structure__status=StructureStatus.ACTIVE,
            user__email_verified=True,
            user__is_active=True,
            user__email__startswith="pool",
        )
        .select_related("user")
        .order_by("pk")
    )
    counter, clients = pool[0].user, [m.user for m in pool[1:]]
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
    from urllib.parse import urlencode

    from django.test import override_settings

    pages = {}
    for key, (url, user) in urls.items():
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        client.get(url)  # warm: sessions, templates, caches of the process
        # The queries of the page as rendered (the page cache off), then as served (the page cache on:
        # public pages for anonymous visitors come from the cache until the next write).
        with override_settings(PUBLIC_PAGE_CACHE_SECONDS=0), CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (key, url, response.status_code)
        rendered = len(queries.captured_queries)  # now: each request empties Django's query log
        client.get(url)
        with CaptureQueriesContext(connection) as served:
            response = client.get(url)
        pages[key] = {
            "url": url,
            "cookie": cookie(user),
            "queries": rendered,
            "queries_served": len(served.captured_queries),
            "page_cache": response.get("X-Page-Cache", ""),
        }
    post_url = f"/reservations/seance/{target.pk}/reserver/"
    client = Client()
    client.force_login(counter)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(post_url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    pages["booking_post"] = {
        "url": post_url,
        "queries": len(queries.captured_queries),
        "cookies": [cookie(user) for user in clients],
        "body": urlencode(form),
        "session_id": target.pk,
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
        str(REPO / ".venv" / "bin" / "gunicorn"),
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


def measure(size: str, wrk_bin: str, seconds: float, broker: bool, only: set[str] | None = None) -> dict:
    db_name = DATABASES[size]
    env = server_env(db_name, broker)
    if broker:
        redis_flush(CACHE_URL)  # the pages of the other size have the same addresses
    with tempfile.TemporaryDirectory(prefix="louvrelens-bench-") as tmp:
        directory = Path(tmp)
        prepared = directory / "prepared.json"
        subprocess.run(
            [sys.executable, str(Path(__file__)), "--prepare", size, "--out", str(prepared)],
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
            for key, label, _kind, _target in PAGES:
                if only and key not in only:
                    continue
                page = data["pages"][key]
                if key == "booking_post":
                    script = post_script(directory, page)
                    result = wrk(
                        wrk_bin,
                        page["url"],
                        script=script,
                        cookie=None,
                        connections=POST_CONNECTIONS,
                        seconds=seconds,
                    )
                    result["seats"] = seats_check(
                        db_name, page["session_id"], data["facts"]["seated_statuses"]
                    )
                else:
                    # Warm every worker (templates, connections), then measure.
                    wrk(
                        wrk_bin,
                        page["url"],
                        script=status_script,
                        cookie=page["cookie"],
                        connections=GET_CONNECTIONS,
                        seconds=2,
                    )
                    result = wrk(
                        wrk_bin,
                        page["url"],
                        script=status_script,
                        cookie=page["cookie"],
                        connections=GET_CONNECTIONS,
                        seconds=seconds,
                    )
                served = page.get("queries_served", page["queries"])
                # A page served from the page cache: the queries of its rendering, then of a cached answer.
                result["queries"] = (
                    f"{page['queries']} ({served} cached)" if page.get("page_cache") else str(page["queries"])
                )
                results[key] = result
                print(
                    f"  {size:5} {label:28} {result['rps']:8.1f} req/s  p50 {result['p50']:7.1f} ms  "
                    f"p99 {result['p99']:7.1f} ms  {result['queries']:>12} queries  {result['statuses']}",
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


def verdict(key: str, kind: str, target: float, result: dict, ceiling: float) -> tuple[str, bool]:
    ratio = result["rps"] / ceiling if ceiling else 0
    if kind == "ceiling":
        return "—", True
    met = ratio >= target
    bad = sum(n for status, n in result["statuses"].items() if status >= 400)
    notes = []
    if bad:
        met = False
        notes.append(f"{bad} error responses")
    if kind == "post":
        seats = result["seats"]
        if seats["taken"] > seats["capacity"] or seats["duplicates"]:
            met = False
            notes.append("OVER CAPACITY")
    if ratio >= target:
        text = "met"
    else:
        text = f"missed: {ratio / target:.0%} of the target ({target * ceiling:.0f} req/s needed)"
    if notes:
        text = text + "; " + ", ".join(notes)
    return text, met


def table(runs: dict[str, dict]) -> list[str]:
    lines = [
        "| page | size | req/s | p50 (ms) | p99 (ms) | ratio to ceiling | target | queries | verdict |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for key, label, kind, target in PAGES:
        for size, run in runs.items():
            result = run["results"].get(key)
            if result is None:
                continue
            ceiling = run["results"]["ceiling"]["rps"]
            text, _met = verdict(key, kind, target, result, ceiling)
            target_text = "—" if kind == "ceiling" else f"≥ 1/{round(1 / target)}"
            lines.append(
                f"| {label} | {size} | {result['rps']:.0f} | {result['p50']:.1f} | {result['p99']:.1f} | "
                f"{result['rps'] / ceiling:.2f} | {target_text} | {result['queries']} | {text} |"
            )
    return lines


def post_lines(runs: dict[str, dict]) -> list[str]:
    lines = []
    for size, run in runs.items():
        result = run["results"].get("booking_post")
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
            f"({seats['bookings']} seated bookings, with the query count's "
            "and those still in flight when wrk stopped); "
            f"seats over capacity: {over}; structures with two active bookings: {seats['duplicates']}."
        )
    return lines


def write_doc(runs: dict[str, dict], info: dict[str, str], seconds: dict[str, float]) -> None:
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
            f"{POST_CONNECTIONS} for the booking POST); "
            f"{info['load']}.",
            "",
            *facts,
            "",
            *table(runs),
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
        help="measure only these pages, comma-separated (e.g. booking_post), and the ceiling; no doc written",
    )
    parser.add_argument("--prepare", choices=["large", "small"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.out)
        return
    keys = [key for key, *_ in PAGES]
    only = set(args.pages.split(",")) if args.pages else None
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
            runs[size] = measure(size, wrk_bin, seconds[size], broker, only)
    finally:
        if broker:
            redis_flush()
    print()
    print("\n".join(table(runs)))
    print()
    print("\n".join(post_lines(runs)))
    if not args.no_doc:
        info = machine()
        info["load"] = f"load average {load_before:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
        write_doc(runs, info, seconds)
        print(f"\nWritten to {DOC.relative_to(REPO)}.")
    print(f"Done in {time.monotonic() - started:.0f} s.")


if __name__ == "__main__":
    main()
