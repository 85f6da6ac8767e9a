"""Add the public holidays the museum closes on (1 January, 1 May, 25 December) as closing days.

    python manage.py closing_days_seed               # this year and the next
    python manage.py closing_days_seed --year 2027   # one given year (repeatable)

Idempotent: days already listed are left as they are. Staff can do the same from the admin
(Closing days → "Add the public holidays…").
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from programmes.season import closing_days_seed


class Command(BaseCommand):
    help = "Add the fixed-date public holidays the museum closes on as closing days."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", dest="years", help="A year (repeatable).")

    def handle(self, *args, years=None, **options):
        if not years:
            current = timezone.localdate().year
            years = [current, current + 1]
        if any(year < 2000 or year > 2100 for year in years):
            raise CommandError("Give years between 2000 and 2100.")
        added = closing_days_seed(years=years)
        self.stdout.write(f"{added} closing day(s) added for {', '.join(map(str, years))}.")
