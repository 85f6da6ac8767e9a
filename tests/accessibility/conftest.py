"""The accessibility audit's tools: axe-core with every violation (any impact), the demo programme
loaded in each test's database, and browser contexts logged in as the demo's four kinds of people."""

from __future__ import annotations

import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

AXE_SCRIPT = Path(__import__("axe_playwright_python").__file__).parent / "axe.min.js"
AXE_VERSION = re.search(r"axe v(\d+\.\d+\.\d+)", AXE_SCRIPT.read_text(encoding="utf-8")[:200]).group(1)

# Rules checked on purpose beyond axe-core's default set. RGAA 4.1 follows WCAG 2.1 AA; the target
# size of WCAG 2.2 (24 px) helps people with tremors, and costs nothing to keep.
EXTRA_RULES = {"target-size": {"enabled": True}}

# Known false positives of axe-core, each excused on exactly one element: {(rule, CSS target): why}.
# None at the moment: every violation found was a real one, and was fixed.
EXCUSED: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}): {self.help} — {list(self.targets)[:4]}"


def axe_all_violations(page) -> list[Violation]:
    """Every violation axe-core finds on the page, whatever its impact (minor included)."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("load")
    results = Axe().run(page, options={"resultTypes": ["violations"], "rules": EXTRA_RULES})
    found = []
    for v in results.response.get("violations", []):
        targets = tuple(
            " ".join(str(t) for t in node["target"])
            for node in v["nodes"]
            if (v["id"], " ".join(str(t) for t in node["target"])) not in EXCUSED
        )
        if targets:
            found.append(Violation(v["id"], v.get("impact") or "", v["help"], targets))
    if found and os.environ.get("A11Y_REPORT"):  # the full detail (HTML, why) for the person fixing it
        with open(os.environ["A11Y_REPORT"], "a", encoding="utf-8") as out:
            out.write(json.dumps({"url": page.url, "violations": results.response["violations"]}) + "\n")
    return found


@pytest.fixture
def demo(transactional_db):
    """The demo programme (seed_demo), in this test's database: what `make run` shows."""
    call_command("seed_demo", "--force", stdout=io.StringIO())


def logged_in_context(browser, live_server, user, **options):
    """A browser context whose session belongs to `user` (a login form test lives elsewhere)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", **options)
    context.set_default_timeout(15_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context


DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True}
