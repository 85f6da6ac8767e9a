"""The French catalogue is complete: every msgid the code and templates use has a French translation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
SOURCES = [
    "louvrelens_social",
    "common",
    "notifications",
    "partners",
    "programmes",
    "bookings",
    "catalogue",
    "planning",
    "dashboard",
    "demo",
    "templates",
    "manage.py",
]


@pytest.fixture(scope="module")
def extracted_catalogue(tmp_path_factory) -> polib.POFile:
    """Extract the msgids of the current code into a copy of the catalogue, as makemessages would."""
    if shutil.which("xgettext") is None:
        pytest.fail("gettext is required to check the catalogue (Debian: apt-get install gettext).")
    work = tmp_path_factory.mktemp("i18n")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, work / name, ignore=shutil.ignore_patterns("__pycache__", "migrations"))
        else:
            shutil.copy(source, work / name)
    shutil.copytree(ROOT / "locale", work / "locale")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete", "--no-location"],
        cwd=work,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "1"},
    )
    return polib.pofile(str(work / "locale" / "fr" / "LC_MESSAGES" / "django.po"))


def test_catalogue_translates_every_msgid_used_in_the_code(extracted_catalogue):
    missing = [e.msgid for e in extracted_catalogue if e.msgid and not e.obsolete and not e.translated()]

    assert missing == [], f"{len(missing)} msgids have no French translation, e.g. {missing[:15]}"


def test_catalogue_has_no_fuzzy_entries():
    fuzzy = [e.msgid for e in polib.pofile(str(PO)) if "fuzzy" in e.flags]

    assert fuzzy == []


@pytest.mark.django_db
def test_french_is_the_default_language_of_the_pages(client):
    response = client.get("/")

    assert response.headers["Content-Language"] == "fr"
    assert "Aller au contenu principal" in response.content.decode()


def test_english_catalogue_is_the_msgids_themselves():
    with translation.override("en"):
        assert translation.gettext("Skip to main content") == "Skip to main content"
