"""The demo (scripts/demo, DJANGO_DEMO=1): debugging off on plain http, for this machine.

Visitors meet the site's own error pages, never Django's debug page with its
list of every URL pattern; production's safeguards stay as they were.
"""

import json
import os
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests import servers

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import django, json; django.setup(); from django.conf import settings as s;"
    "print(json.dumps({name: getattr(s, name, None) for name in ("
    "'DEBUG', 'DEMO', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
    "'SECURE_HSTS_SECONDS', 'SERVE_MEDIA', 'WHITENOISE_USE_FINDERS', 'ALLOWED_HOSTS',"
    "'SECRET_KEY')}))"
)


def settings_with(env, var_dir):
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    result = subprocess.run(
        [sys.executable, "-c", SHOW],
        cwd=ROOT,
        env={
            **clean,
            "DJANGO_SETTINGS_MODULE": "community.site.settings",
            "DJANGO_VAR_DIR": str(var_dir),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_demo_settings_have_debug_off_on_plain_http(tmp_path):
    demo = settings_with({"DJANGO_DEMO": "1"}, tmp_path)
    assert demo["DEBUG"] is False and demo["DEMO"] is True
    assert not demo["SECURE_SSL_REDIRECT"]
    assert not demo["SESSION_COOKIE_SECURE"] and not demo["CSRF_COOKIE_SECURE"]
    assert not demo["SECURE_HSTS_SECONDS"]
    assert demo["SERVE_MEDIA"] and demo["WHITENOISE_USE_FINDERS"]
    assert "127.0.0.1" in demo["ALLOWED_HOSTS"]

    key_file = tmp_path / "secret_key"
    assert demo["SECRET_KEY"] == key_file.read_text().strip()
    assert len(demo["SECRET_KEY"]) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # Generated once: the next start (sessions survive restarts) reads the same key.
    assert settings_with({"DJANGO_DEMO": "1"}, tmp_path)["SECRET_KEY"] == demo["SECRET_KEY"]


def test_production_is_unchanged_by_the_demo_switch(tmp_path):
    production = settings_with(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "k" * 60,
            "DJANGO_ALLOWED_HOSTS": "community.example.com",
            "SITE_URL": "https://community.example.com",
        },
        tmp_path,
    )
    assert production["DEMO"] is False
    assert production["SECURE_SSL_REDIRECT"] and production["SESSION_COOKIE_SECURE"]
    assert not production["SERVE_MEDIA"] and not production["WHITENOISE_USE_FINDERS"]
    assert not (tmp_path / "secret_key").exists()


@pytest.fixture(scope="module")
def demo_server():
    """A daphne in demo mode: migrated and seeded as scripts/demo does, DEBUG off."""
    with servers.run_daphne(extra_env={"DJANGO_DEBUG": "", "DJANGO_DEMO": "1"}) as server:
        yield server


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def test_a_missing_page_is_the_sites_own_404(demo_server):
    status, html = fetch(demo_server.url("/no/such/page/"))
    assert status == 404
    assert "Page not found" in html and "Back to the communities" in html
    # Django's debug 404 lists every pattern ("Using the URLconf defined in …").
    assert "URLconf" not in html and "c/&lt;slug:slug&gt;/" not in html


def test_the_demo_serves_its_pages_and_static_files_over_http(demo_server):
    status, html = fetch(demo_server.url("/"))
    assert status == 200 and "Product ideas" in html
    status, css = fetch(demo_server.url("/static/css/site.css"))
    assert status == 200 and css.strip()
    status, script = fetch(demo_server.url("/static/js/dates.js"))
    assert status == 200 and "siteDates" in script
    assert "No directory at" not in demo_server.log()  # no warning about a folder never made
    assert (demo_server.var_dir / "secret_key").exists()
