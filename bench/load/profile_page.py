"""Profile one page of the benchmark in-process (Django's test client), against a benchmark database.

    .venv/bin/python bench/load/profile_page.py catalogue --size large
    .venv/bin/python bench/load/profile_page.py catalogue --size large --visitor anonymous
    .venv/bin/python bench/load/profile_page.py my_bookings --size large --repeat 20 --sql

Pages: the keys of run.py (home, catalogue, offer, my_bookings, mediator_week, dashboard), and
booking_post: a refused booking POST (`--refusal full`: the session is full; `booked`: the
structure has booked it already), as most of run.py's booking POSTs are. The page is rendered
fresh, every cache replaced by Django's DummyCache, as run.py's server time; for the pages anyone
can see, as run.py's logged-in coordinator unless `--visitor anonymous`.
Prints the time per request, the queries with their time (--sql), and a pyinstrument profile when
pyinstrument is installed (`.venv/bin/pip install pyinstrument==5.1.3`), else cProfile's top 30.
Run `generate.py` first.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from bench.load.generate import DATABASES, django_env  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("page")
    parser.add_argument("--size", choices=["large", "small"], default="large")
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--sql", action="store_true", help="print each query with its duration")
    parser.add_argument("--cprofile", action="store_true", help="cProfile, by time spent in each function")
    parser.add_argument("--all", action="store_true", help="show every frame of the profile")
    parser.add_argument("--refusal", choices=["full", "booked"], default="full", help="booking_post only")
    parser.add_argument("--visitor", help="anonymous or coordinator, for the pages anyone can see")
    args = parser.parse_args()
    os.environ.update(django_env(DATABASES[args.size]))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from bench.load.run import FRESH_CACHES, pick_targets

    override_settings(CACHES=FRESH_CACHES).enable()

    if args.page == "booking_post":
        url, user, form = booking_post(args.refusal)
        client = Client()
        client.force_login(user)

        def ask():
            return client.post(url, form)

    else:
        url, users = pick_targets()[args.page]
        visitor = args.visitor or list(users)[-1]
        if visitor not in users:
            parser.error(f"--visitor: {args.page} is measured for {', '.join(users)}")
        user = users[visitor]
        client = Client()
        if user is not None:
            client.force_login(user)

        def ask():
            return client.get(url)

    ask()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = ask()
        elapsed = time.perf_counter() - started
    print(f"{url}: {response.status_code}, {elapsed * 1000:.1f} ms, {len(queries.captured_queries)} queries")
    if args.sql:
        for query in queries.captured_queries:
            print(f"  {float(query['time']) * 1000:8.1f} ms  {query['sql'][:400]}")
    try:
        if args.cprofile:
            raise ImportError
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.repeat):
            ask()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime" if args.cprofile else "cumulative").print_stats(30)
        return
    profiler = Profiler(interval=0.0005)
    profiler.start()
    started = time.perf_counter()
    for _ in range(args.repeat):
        ask()
    elapsed = time.perf_counter() - started
    profiler.stop()
    print(f"{args.repeat} requests: {elapsed / args.repeat * 1000:.1f} ms each")
    print(profiler.output_text(unicode=True, color=False, show_all=args.all))


def booking_post(refusal: str):
    """A bookable session of a group offer, made full (or booked by the user's structure), for run.py's
    booking POST refused; its URL, a pool coordinator (generate.py) and run.py's form."""
    import datetime as dt
    import secrets

    from django.utils import timezone

    from bench.load.run import POST_SEATS, post_offer
    from bookings.enums import BookingStatus
    from bookings.models import Booking
    from partners.models import Membership
    from programmes.models import Session

    participants, staff_count = POST_SEATS
    offer = post_offer()
    start = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(
        days=60, minutes=secrets.randbelow(100_000)
    )
    session = Session.objects.create(
        offer=offer,
        start=start,
        end=start + dt.timedelta(minutes=90),
        place="Banc d'essai",
        capacity=participants + staff_count,
        booking_deadline=start - dt.timedelta(days=3),
    )
    pool = Membership.objects.filter(user__email__startswith="pool").select_related("user").order_by("-pk")
    first, second = pool[0], pool[1]
    booker = second if refusal == "full" else first
    Booking.objects.create(
        session=session,
        structure=booker.structure,
        booked_by=booker.user,
        status=BookingStatus.CONFIRMED,
        participants=participants,
        accompanying_staff=staff_count,
        contact_name="Banc d'essai",
        contact_phone="06 12 34 56 78",
    )
    form = {
        "participants": participants,
        "accompanying_staff": staff_count,
        "wheelchair_users": 0,
        "contact_name": "Contact du jour",
        "contact_phone": "06 12 34 56 78",
        "action": "book",
    }
    return f"/reservations/seance/{session.pk}/reserver/", first.user, form


if __name__ == "__main__":
    main()
