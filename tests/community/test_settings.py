"""Configuration from the environment: production refuses to start unsafe, and passes --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x7$k2!q9vZ@p4#Lm8&nR1^tY6*wB3(eH5)jU0+cF-dG=sA_iO[oP]lK{zX}",
    "DJANGO_ALLOWED_HOSTS": "community.example.com",
    "SITE_URL": "https://community.example.com",
}


def python(*args, env):
    """Run Python in a fresh process with only ``env`` configuring the site."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    clean["DJANGO_VAR_DIR"] = str(ROOT / "var" / "test-settings")
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "community.site.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def manage(*args, env):
    return python("manage.py", *args, env=env)


def test_check_deploy_is_clean_in_production():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY must be set"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS must be set"),
        ("SITE_URL", "SITE_URL (https://…) must be set"),
    ],
)
def test_production_refuses_to_start_without_its_essentials(missing, message):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_mistyped_boolean_is_an_error_not_a_guess():
    result = manage("check", env={"DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0 and "DJANGO_DEBUG must be a boolean" in result.stderr


def test_embedded_default_needs_nothing():
    result = manage("check", env={})
    assert result.returncode == 0, result.stderr


def test_migrations_are_complete():
    result = manage("makemigrations", "--check", "--dry-run", env={})
    assert result.returncode == 0, result.stdout + result.stderr


def test_social_login_is_switched_on_by_environment():
    script = (
        "import django; django.setup();"
        "from allauth.socialaccount.providers import registry;"
        "print(sorted(provider.id for provider in registry.get_class_list()))"
    )
    env = {
        "GOOGLE_CLIENT_ID": "id",
        "GOOGLE_CLIENT_SECRET": "secret",
        "OIDC_ISSUER": "https://sso.example.com",
        "OIDC_CLIENT_ID": "c",
    }
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "community.site.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "google" in result.stdout and "openid_connect" in result.stdout
    assert "facebook" not in result.stdout


def test_the_wagtail_admin_calls_nobody(client, django_user_model):
    """Wagtail's update check would make staff browsers call releases.wagtail.org."""
    staff = django_user_model.objects.create_user("editor", "editor@example.org", is_staff=True)
    staff.is_superuser = True
    staff.save()
    client.force_login(staff)
    response = client.get("/cms/")
    assert response.status_code == 200
    assert b"w-upgrade" not in response.content


def test_the_wsgi_entry_tunes_the_collector_like_the_asgi_one():
    """Both servers run with the same collector settings, so benchmarks compare them fairly."""
    probe = (
        "import gc, community.site.wsgi; print(gc.get_threshold()[0], gc.get_freeze_count() > 0)"
    )
    result = python("-c", probe, env={})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["50000", "True"]
