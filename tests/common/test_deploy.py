"""Production readiness: `check --deploy` is clean with production settings, migrations match the
models, and the settings refuse to start without a secret key when DEBUG is off."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Variables that would change what is checked: the production run sets its own. (The test suite
# itself sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a production server never does.)
OVERRIDES = (
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
    "CACHE_URL",
)


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {key: value for key, value in os.environ.items() if key not in OVERRIDES}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env() -> dict[str, str]:
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
        "DJANGO_ALLOWED_HOSTS": "portail.example",
    }
    if os.environ.get("DATABASE_URL"):
        env["DATABASE_URL"] = os.environ["DATABASE_URL"]
    env["CACHE_URL"] = os.environ.get("CACHE_URL") or "redis://127.0.0.1:6379/3"
    return env


def test_check_deploy_warns_when_production_has_no_shared_cache():
    env = production_env()
    del env["CACHE_URL"]

    result = manage("check", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode != 0
    assert "louvrelens.W001" in result.stderr + result.stdout


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_migrations_match_the_models():
    result = manage("makemigrations", "--check", "--dry-run", **production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_settings_refuse_to_load_without_a_secret_key_when_debug_is_off():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]

    result = manage("check", **env)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_settings_load_without_a_secret_key_when_debug_is_on():
    env = production_env()
    del env["DJANGO_SECRET_KEY"]

    result = manage("check", **{**env, "DJANGO_DEBUG": "1"})

    assert result.returncode == 0, result.stdout + result.stderr
