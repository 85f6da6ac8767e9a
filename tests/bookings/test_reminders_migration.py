"""The reminder models moved from notifications to bookings (bookings/migrations/0003): a database
that has reminders keeps them, their tables take the bookings_ name, and the staff who could see or
change reminders still can (the content types follow, with their permissions)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bookings.models import Reminder, ReminderPolicy
from partners.models import User
from tests.bookings.factories import BookingFactory
from tests.partners.factories import UserFactory

BEFORE = [("notifications", "0002_outbox_claim_reminders"), ("bookings", "0002_initial")]
MOVED = ("reminder", "reminderpolicy")

pytestmark = pytest.mark.django_db(transaction=True)  # DDL after inserts: no test transaction around


def _migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()
    return executor


def _back():
    """The database as it was before the move; returns the models of then."""
    return _migrate(BEFORE).loader.project_state(BEFORE).apps


@pytest.fixture
def back_to_latest():
    """Whatever a test does, the database is at the latest migrations again afterwards."""
    yield
    _migrate()


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


def test_the_move_keeps_the_reminders_and_renames_their_tables(back_to_latest):
    booking = BookingFactory()  # made with today's models, before going back
    old = _back()
    due = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    reminder = old.get_model("notifications", "Reminder").objects.create(
        booking_id=booking.pk, kind="last", due_at=due
    )
    policy = old.get_model("notifications", "ReminderPolicy").objects.create(
        offer_kind="workshop", first_days_before=14, last_days_before=2
    )
    assert {"notifications_reminder", "notifications_reminderpolicy"} <= _tables()

    _migrate()

    assert {"bookings_reminder", "bookings_reminderpolicy"} <= _tables()
    assert not {"notifications_reminder", "notifications_reminderpolicy"} & _tables()
    moved = Reminder.objects.get()
    assert (moved.pk, moved.booking_id, moved.kind, moved.due_at) == (reminder.pk, booking.pk, "last", due)
    policies = ReminderPolicy.objects.values_list("pk", "offer_kind", "first_days_before", "last_days_before")
    assert list(policies) == [(policy.pk, "workshop", 14, 2)]
    # The constraints came along: still one reminder per (booking, kind).
    with pytest.raises(IntegrityError), transaction.atomic():
        Reminder.objects.create(booking=booking, kind="last", due_at=due)


def test_the_move_keeps_the_staff_permissions_on_reminders(back_to_latest):
    _back()
    # Going back, the content types went back to notifications with their permissions, as a
    # database of before the move has them.
    assert not ContentType.objects.filter(app_label="bookings", model__in=MOVED).exists()
    view = Permission.objects.get(content_type__app_label="notifications", codename="view_reminder")
    change = Permission.objects.get(content_type__app_label="notifications", codename="change_reminderpolicy")
    group = Group.objects.create(name="Reminders readers")
    group.permissions.add(view)
    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(change)

    _migrate()

    assert not ContentType.objects.filter(app_label="notifications", model__in=MOVED).exists()
    assert list(group.permissions.values_list("pk", "content_type__app_label", "codename")) == [
        (view.pk, "bookings", "view_reminder")
    ]
    clerk = User.objects.get(pk=clerk.pk)
    assert clerk.has_perm("bookings.change_reminderpolicy")
    assert clerk.has_perm("bookings.view_reminder") is False


def test_the_move_merges_the_permissions_when_bookings_already_has_them(back_to_latest):
    _back()
    # As if post_migrate had created the bookings content types before this migration ran.
    view = Permission.objects.get(content_type__app_label="notifications", codename="view_reminder")
    group = Group.objects.create(name="Reminders readers")
    group.permissions.add(view)
    created = ContentType.objects.create(app_label="bookings", model="reminder")
    new_view = Permission.objects.create(
        content_type=created, codename="view_reminder", name="Can view reminder"
    )

    _migrate()

    assert list(group.permissions.values_list("pk", flat=True)) == [new_view.pk]
    assert not ContentType.objects.filter(app_label="notifications", model__in=MOVED).exists()
    assert ContentType.objects.get_for_model(Reminder).pk == created.pk
