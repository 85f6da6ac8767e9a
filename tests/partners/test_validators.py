import pytest

from partners.validators import (
    departement_from_postcode,
    departement_is_valid,
    luhn_is_valid,
    normalize_siret,
    phone_is_valid,
    siret_is_valid,
)
from tests.partners.factories import make_siret


def test_siret_is_valid_with_a_correct_luhn_key():
    assert siret_is_valid(make_siret("7328293200007"))


def test_siret_is_valid_refuses_a_wrong_key():
    good = make_siret("7328293200007")
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)

    assert not siret_is_valid(wrong)


@pytest.mark.parametrize("value", ["", "1234567890123", "123456789012345", "1234567890123A"])
def test_siret_is_valid_refuses_anything_but_14_digits(value):
    assert not siret_is_valid(value)


def test_siret_is_valid_accepts_la_poste_by_its_own_rule():
    siret = "35600000049837"  # digit sum 45; its Luhn key is wrong
    assert not luhn_is_valid(siret)

    assert siret_is_valid(siret)


def test_siret_is_valid_refuses_la_poste_when_sum_is_not_a_multiple_of_5():
    siret = "35600000049838"  # digit sum 46, and the Luhn key fails too

    assert not siret_is_valid(siret)


def test_normalize_siret_removes_spaces_dots_and_dashes():
    assert normalize_siret(" 732 829.320-00074 ") == "73282932000074"


@pytest.mark.parametrize(
    ("postcode", "departement"),
    [
        ("62300", "62"),
        ("59000", "59"),
        ("01000", "01"),
        ("20000", "2A"),
        ("20200", "2B"),
        ("97400", "974"),
        ("6230", ""),
    ],
)
def test_departement_from_postcode(postcode, departement):
    assert departement_from_postcode(postcode) == departement


@pytest.mark.parametrize(
    ("code", "valid"), [("62", True), ("2A", True), ("974", True), ("00", False), ("99", False), ("6", False)]
)
def test_departement_is_valid(code, valid):
    assert departement_is_valid(code) is valid


@pytest.mark.parametrize(
    ("phone", "valid"),
    [("03 21 18 62 62", True), ("+33 3 21 18 62 62", True), ("0321", False), ("appelez-moi", False)],
)
def test_phone_is_valid(phone, valid):
    assert phone_is_valid(phone) is valid
