"""Nothing is left untested: every database constraint of the models, and every unique field, has its
test in tests/<app>/test_constraints.py, and every test there checks a constraint that exists."""

from __future__ import annotations

from django.apps import apps

from tests.bookings import test_constraints as bookings_tests
from tests.notifications import test_constraints as notifications_tests
from tests.partners import test_constraints as partners_tests
from tests.programmes import test_constraints as programmes_tests

APPS = ["partners", "programmes", "bookings", "notifications"]
TESTS = [partners_tests, programmes_tests, bookings_tests, notifications_tests]


def test_every_constraint_of_the_models_has_a_test_here():
    declared = set()
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            if model._meta.proxy or model.__name__.startswith("Historical"):
                continue
            declared |= {constraint.name for constraint in model._meta.constraints}
            declared |= {
                f"{model._meta.label}.{field.name}"
                for field in model._meta.local_fields
                if field.unique and not field.primary_key
            }
    tested = set()
    for module in TESTS:
        tested |= {check[0] for check in module.CHECKS} | module.UNIQUE_TESTED
        tested |= {unique[0] for unique in module.UNIQUE_FIELDS}

    assert declared - tested == set(), "constraints without a test"
    assert tested - declared == set(), "tests of constraints that no longer exist"
