"""Configuration from the environment: production refuses to start unsafe, and passes --deploy."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x7$k2!q9vZ@p4#Lm8&nR1^tY6*wB3(eH5)jU0+cF-dG=sA_iO[oP]lK{zX}",
    "DJANGO_ALLOWED_HOSTS": "community.example.com",
}


def manage(*args, env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    clean["DJANGO_VAR_DIR"] = str(ROOT / "var" / "test-settings")
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "community.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_ALLOWED_HOSTS"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_a_mistyped_boolean_is_an_error_not_a_guess():
    result = manage("check", env={"DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0 and "DJANGO_DEBUG must be a boolean" in result.stderr


def test_embedded_default_needs_nothing():
    result = manage("check", env={})
    assert result.returncode == 0, result.stderr


def test_migrations_are_complete():
    result = manage("makemigrations", "--check", "--dry-run", env={})
    assert result.returncode == 0, result.stdout + result.stderr
