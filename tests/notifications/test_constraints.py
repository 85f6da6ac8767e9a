"""The database constraints of the notifications app reject bad data, and let the valid case through.

Writes go through `QuerySet.update()` or `create()`, which skip the forms' and models' validation:
what is tested here is the last line of defence, the database itself. tests/common/test_constraints.py
checks that every constraint of the models has its test.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from notifications.models import OutboxMessage
from tests.constraints import accepted, rejected, update

pytestmark = pytest.mark.django_db


def _outbox():
    return OutboxMessage.objects.create(
        dedupe_key="test", template="structure_approve", to="a@exemple.fr", not_before=timezone.now()
    )


# Check constraints: (constraint, make a valid row, bad values, good values)
CHECKS = [
    ("outbox_state_valid", _outbox, lambda o: {"state": "lost"}, lambda o: {"state": "sent"}),
]


@pytest.mark.parametrize(("name", "make", "bad", "good"), CHECKS, ids=[check[0] for check in CHECKS])
def test_check_constraint_rejects_bad_data_and_accepts_good_data(name, make, bad, good):
    obj = make()

    assert rejected(update(obj, **bad(obj))), f"{name} let bad data through"
    assert accepted(update(obj, **good(obj))), f"{name} refused good data"


# Unique constraints (with conditions): the outbox has none
UNIQUE_TESTED: set[str] = set()


# Unique fields
UNIQUE_FIELDS = [
    (
        "notifications.OutboxMessage.dedupe_key",
        _outbox,
        lambda o: OutboxMessage.objects.create(
            dedupe_key=o.dedupe_key, template="x", to="b@exemple.fr", not_before=timezone.now()
        ),
    ),
]


@pytest.mark.parametrize(("name", "make", "duplicate"), UNIQUE_FIELDS, ids=[u[0] for u in UNIQUE_FIELDS])
def test_unique_field_rejects_a_duplicate(name, make, duplicate):
    obj = make()

    assert rejected(lambda: duplicate(obj)), f"{name} accepted a duplicate"
