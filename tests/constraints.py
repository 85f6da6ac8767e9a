"""Helpers of the constraint tests (tests/<app>/test_constraints.py): does the database refuse a write?"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction


def rejected(write: Callable[[], object]) -> bool:
    """True when the database refuses the write (the transaction is rolled back)."""
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


def accepted(write: Callable[[], object]) -> bool:
    return not rejected(write)


def update(obj, **values) -> Callable[[], int]:
    return lambda: type(obj).objects.filter(pk=obj.pk).update(**values)
