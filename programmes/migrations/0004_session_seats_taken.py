"""Seats taken, kept on the session: the column, its backfill from the bookings, then its CHECK.

The backfill counts the seats with the rule of the day it was written (bookings.selectors.seats_holding_q
then): seated bookings (confirmed, attended, absent) and waiting groups whose offer of freed seats has
not run out. From now on the bookings services keep the column in the transaction that holds the
session's lock; an offer that ran out before this migration and that the periodic task has not yet
passed on is not counted here, as it was not then, and the count is made again from the bookings when
that task expires it (bookings.services._expire_offers_of).

The statuses are written out: a migration keeps the values of its day, not the enums of the code.
"""

from django.db import migrations, models
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

SEATED = ("confirmed", "attended", "absent")


def backfill(apps, schema_editor):
    Session = apps.get_model("programmes", "Session")
    Booking = apps.get_model("bookings", "Booking")
    holding = Q(status__in=SEATED) | Q(status="waitlisted", waitlist_offer_expires_at__gt=timezone.now())
    seats = (
        Booking.objects.filter(holding, session=OuterRef("pk"))
        .order_by()
        .values("session")
        .annotate(seats=Sum(F("participants") + F("accompanying_staff")))
        .values("seats")
    )
    Session.objects.update(
        seats_taken=Coalesce(Subquery(seats, output_field=models.PositiveIntegerField()), Value(0))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0003_unstaffed_session_proxy"),
        # The backfill reads the bookings (their table, not their code).
        ("bookings", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="seats_taken",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="Seats of the bookings that hold seats, kept by the booking services.",
                verbose_name="seats taken",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="session",
            constraint=models.CheckConstraint(
                condition=models.Q(("seats_taken__lte", models.F("capacity"))),
                name="session_seats_within_capacity",
            ),
        ),
    ]
