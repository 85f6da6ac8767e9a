"""The security headers and cookies of the portal, and Django's password validators at the fields.

The headers are read from a production-like run (DEBUG off, HTTPS, the settings' own defaults) in a
subprocess, so that no override of the test suite hides a missing setting. `check --deploy` itself
is in tests/test_deploy.py.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import CommonPasswordValidator, MinimumLengthValidator
from django.urls import reverse
from django.utils import translation

from partners.models import Structure, User
from tests.partners.factories import PASSWORD, UserFactory
from tests.security.conftest import registration_data

ROOT = Path(__file__).resolve().parent.parent.parent
# Variables of the test run that would change the production settings under test.
TEST_ONLY = (
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "DJANGO_DEBUG",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_SECURE_SSL_REDIRECT",
    "DJANGO_HSTS_SECONDS",
    "DJANGO_HSTS_PRELOAD",
    "DJANGO_MANIFEST_STATIC",
    "DJANGO_FAST_PASSWORD_HASHER",
    "DJANGO_SETTINGS_MODULE",
)

# Requests made by the production-like process: pages that need no database.
PROBE = r"""
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="portail.example")
out = {}
for name, path, secure in [("page", "/mentions-legales/", True), ("plain_http", "/mentions-legales/", False),
                           ("not_found", "/introuvable/", True), ("form", "/compte/connexion/", True)]:
    response = client.get(path, secure=secure)
    out[name] = {
        "status": response.status_code,
        "location": response.get("Location", ""),
        "headers": dict(response.headers),
        "cookies": {key: morsel.OutputString() for key, morsel in response.cookies.items()},
    }
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def production():
    env = {key: value for key, value in os.environ.items() if key not in TEST_ONLY}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="portail.example",
        DJANGO_SETTINGS_MODULE="louvrelens_social.settings",
        DJANGO_MANIFEST_STATIC="0",  # no collectstatic in the test run
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}


# ---------------------------------------------------------------------------------------------
# Headers of a production run
# ---------------------------------------------------------------------------------------------


def test_production_csp_allows_only_the_sites_own_files(production):
    header = production["page"]["headers"]["Content-Security-Policy"]

    assert csp_directives(header) == EXPECTED_CSP
    assert "unsafe-inline" not in header
    assert "unsafe-eval" not in header


def test_production_error_pages_carry_the_csp_too(production):
    assert production["not_found"]["status"] == 404
    assert csp_directives(production["not_found"]["headers"]["Content-Security-Policy"]) == EXPECTED_CSP


def test_production_sends_hsts_for_a_year_with_subdomains(production):
    assert production["page"]["headers"]["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


def test_production_redirects_plain_http_to_https(production):
    assert production["plain_http"]["status"] == 301
    assert production["plain_http"]["location"] == "https://portail.example/mentions-legales/"


def test_production_sends_the_other_security_headers(production):
    headers = production["page"]["headers"]

    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_production_permissions_policy_turns_off_the_features_the_portal_does_not_use(production):
    policy = {
        item.split("=", 1)[0]: item.split("=", 1)[1]
        for item in production["page"]["headers"]["Permissions-Policy"].split(", ")
    }

    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert policy[feature] == "()", feature


def test_production_csrf_cookie_is_secure_http_only_and_same_site(production):
    cookie = SimpleCookie()
    # The login form carries a token (the public pages carry none: they are cached, see common/cache.py).
    cookie.load(production["form"]["cookies"]["csrftoken"])
    morsel = cookie["csrftoken"]

    assert morsel["secure"] is True
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"


# ---------------------------------------------------------------------------------------------
# The session cookie of a real login (the test run, like production, has DEBUG off)
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_session_cookie_of_a_login_is_secure_http_only_and_same_site(client):
    assert settings.DEBUG is False  # the suite runs with production's cookie settings (see the Makefile)
    UserFactory(email="camille@exemple.fr")

    response = client.post(
        reverse("partners:login"), {"username": "camille@exemple.fr", "password": PASSWORD}, secure=True
    )

    assert response.status_code == 302
    morsel = response.cookies[settings.SESSION_COOKIE_NAME]
    assert morsel["secure"] is True
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"


@pytest.mark.django_db
def test_every_page_of_the_test_run_carries_the_csp_and_frame_denial(client):
    response = client.get(reverse("catalogue:index"))

    assert csp_directives(response["Content-Security-Policy"]) == EXPECTED_CSP
    assert response["X-Frame-Options"] == "DENY"


# ---------------------------------------------------------------------------------------------
# Weak passwords are refused at the field, in French
# ---------------------------------------------------------------------------------------------


def _french(message: str) -> str:
    with translation.override("fr"):
        return str(message)


@pytest.mark.django_db
def test_registration_refuses_a_weak_password_with_french_messages_at_the_field(client):
    response = client.post(reverse("partners:register"), registration_data("azerty"))

    assert response.status_code == 200
    errors = response.context["form"].errors["password1"]
    too_short = _french(MinimumLengthValidator(10).get_error_message())
    too_common = _french(CommonPasswordValidator().get_error_message())
    assert too_short in errors
    assert too_common in errors
    with translation.override("en"):
        assert too_short != str(MinimumLengthValidator(10).get_error_message())  # really in French
    html = response.content.decode()
    assert 'id="error_1_id_password1"' in html
    assert 'aria-invalid="true"' in html or "is-invalid" in html
    assert not Structure.objects.exists()
    assert not User.objects.filter(email="camille.durand@tilleuls.example").exists()


@pytest.mark.django_db
def test_password_change_refuses_a_weak_password_with_french_messages_at_the_field(client):
    user = UserFactory(email="camille@exemple.fr")
    client.force_login(user)
    old_hash = user.password

    response = client.post(
        reverse("partners:password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors["new_password2"]
    with translation.override("fr"):
        assert _french(MinimumLengthValidator(10).get_error_message()) in errors
        assert str(translation.gettext("This password is entirely numeric.")) in errors
        assert (
            translation.gettext("This password is entirely numeric.") != "This password is entirely numeric."
        )
    assert 'id="error_1_id_new_password2"' in response.content.decode()
    user.refresh_from_db()
    assert user.password == old_hash
