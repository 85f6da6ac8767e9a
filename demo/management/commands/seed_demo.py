"""`python manage.py seed_demo`: fill the portal with the demo programme (idempotent), see `demo.seed`."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import data
from demo.seed import demo_seed


@contextmanager
def quiet(*names: str, level: int) -> Iterator[None]:
    """Only what is at least `level` from these loggers, for a while."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, previous in zip(loggers, levels, strict=True):
            logger.setLevel(previous)


class Command(BaseCommand):
    help = "Load the demo programme (offers, sessions, partner structures, bookings) and three demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DEBUG is off (never on a production portal: it creates demo accounts).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_demo creates demo accounts with a published password: it only runs when DEBUG is on. "
                "Pass --force to run it anyway (never on a production portal)."
            )
        # The services hand every email they queue to Celery once the seed commits. Without a broker
        # (`make run`) Celery sends it inline, finds the row gone (the seed deletes the demo's
        # emails) and logs a line for each: a few hundred lines that say nothing.
        with quiet("celery.app.trace", "kombu.connection", level=logging.ERROR):
            summary = demo_seed()
        self.stdout.write(self.style.SUCCESS(f"Demo programme ready ({summary.created_text()})."))
        if summary.refused:
            self.stdout.write(
                self.style.WARNING(
                    f"Left out, as the portal's rules refuse them today (the calendar was laid out on "
                    f"{summary.anchor:%d/%m/%Y}):"
                )
            )
            for refusal in summary.refused:
                self.stdout.write(f"  - {refusal}")
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all three: {data.DEMO_PASSWORD}):")
        self.stdout.write(f"  museum staff (admin: /admin/)  {data.STAFF['email']}")
        self.stdout.write(f"  mediator                       {data.MEDIATOR['email']}")
        self.stdout.write(f"  coordinator (relais)           {data.COORDINATOR['email']}")
