"""Test settings: the embedded defaults, made fast and quiet.

With DATABASE_URL / REDIS_URL in the environment the same suite runs on
PostgreSQL and Redis (the production path); see tests/conftest.py.
"""

import os
from urllib.parse import urlsplit, urlunsplit

# Under pytest-xdist on the production path, each worker has its own PostgreSQL test
# database (pytest-django) and here its own Redis database and channel-layer prefix:
# every test clears the cache it starts with, which must not wipe another worker's rate
# limits or presence, and thread 1 of one worker's database is not thread 1 of another's.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if WORKER.startswith("gw") and os.environ.get("REDIS_URL"):
    _redis = urlsplit(os.environ["REDIS_URL"])
    _database = int(_redis.path.strip("/") or 0) + 1 + int(WORKER[2:])
    os.environ["REDIS_URL"] = urlunsplit(_redis._replace(path=f"/{_database}"))

os.environ.setdefault("DJANGO_VAR_DIR", "var/test")
os.environ.setdefault("DJANGO_EMAIL_BACKEND", "locmem")
os.environ.setdefault("DJANGO_TASKS_BACKEND", "immediate")

from community.site.settings import *  # noqa: E402, F403
from community.site.settings import VAR_DIR  # noqa: E402

if WORKER and "prefix" in CHANNEL_LAYERS["default"].get("CONFIG", {}):  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"community-{WORKER}"  # noqa: F405

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "cms_files": {
        "BACKEND": "django.core.files.storage.InMemoryStorage",
        "OPTIONS": {"base_url": "/content/files/"},
    },
    "kpi_exports": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
WHITENOISE_AUTOREFRESH = True

# The SQLite test database in memory, as Django makes it when no name is given: said
# explicitly because pytest-django, giving each xdist worker a database of its own,
# recognises SQLite by Django's own backend path, not by ours (it would make a file name
# out of the live database's path).
if DATABASES["default"]["ENGINE"].endswith(".sqlite3"):  # noqa: F405
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ":memory:"  # noqa: F405

# Per-member rate limits (community/ratelimits.py) out of the way of the fixtures that
# write many posts as one member; the tests of the limits set theirs (``settings``).
RATE_LIMITS = {action: ["100000/m"] for action in ("post", "flag", "react", "endorse")}
