"""Profile one page of the benchmark in-process (Django's test client), against a benchmark database.

    .venv/bin/python bench/load/profile_page.py catalogue --size large
    .venv/bin/python bench/load/profile_page.py my_bookings --size large --repeat 20 --sql

Pages: the keys of run.py (home, catalogue, offer, my_bookings, mediator_week, dashboard).
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
    args = parser.parse_args()
    os.environ.update(django_env(DATABASES[args.size]))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.load.run import pick_targets

    url, user = pick_targets()[args.page]
    client = Client()
    if user is not None:
        client.force_login(user)
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        response = client.get(url)
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
            client.get(url)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime" if args.cprofile else "cumulative").print_stats(30)
        return
    profiler = Profiler(interval=0.0005)
    profiler.start()
    started = time.perf_counter()
    for _ in range(args.repeat):
        client.get(url)
    elapsed = time.perf_counter() - started
    profiler.stop()
    print(f"{args.repeat} requests: {elapsed / args.repeat * 1000:.1f} ms each")
    print(profiler.output_text(unicode=True, color=False, show_all=args.all))


if __name__ == "__main__":
    main()
