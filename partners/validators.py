"""Checks of French identifiers used by the registration form and by the services."""

from __future__ import annotations

import re

# La Poste's establishments share the SIREN 356 000 000: their SIRETs do not follow the Luhn key but
# the sum of their digits is a multiple of 5 (the documented INSEE exception).
LA_POSTE_SIREN = "356000000"

_NON_DIGITS = re.compile(r"[\s.\-]")


def normalize_siret(value: str) -> str:
    """The SIRET as 14 digits: people often type it with spaces ("732 829 320 00074")."""
    return _NON_DIGITS.sub("", value or "")


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def siret_is_valid(siret: str) -> bool:
    """14 digits with a correct check key (Luhn), or La Poste's exception."""
    if not re.fullmatch(r"[0-9]{14}", siret or ""):
        return False
    if siret.startswith(LA_POSTE_SIREN):
        return sum(int(c) for c in siret) % 5 == 0 or luhn_is_valid(siret)
    return luhn_is_valid(siret)


def postcode_is_valid(postcode: str) -> bool:
    return bool(re.fullmatch(r"[0-9]{5}", postcode or "")) and not postcode.startswith("00")


def departement_from_postcode(postcode: str) -> str:
    """The département's code from a French postcode: "62300" → "62", "20000" → "2A", "97400" → "974"."""
    if not postcode_is_valid(postcode):
        return ""
    if postcode.startswith("20"):  # Corsica: Corse-du-Sud below 20200, Haute-Corse from it
        return "2A" if int(postcode) < 20200 else "2B"
    if postcode[:2] in {"97", "98"}:  # overseas: three digits
        return postcode[:3]
    return postcode[:2]


def phone_is_valid(phone: str) -> bool:
    """A phone number people can call: digits with optional spaces, dots, dashes and a leading +."""
    value = (phone or "").strip()
    if not re.fullmatch(r"\+?[0-9 .\-()]{6,25}", value):
        return False
    return len(re.sub(r"\D", "", value)) >= 10


def departement_is_valid(code: str) -> bool:
    return bool(re.fullmatch(r"0[1-9]|[1-8][0-9]|9[0-5]|2[AB]|97[1-8]|98[4-9]", (code or "").upper()))
