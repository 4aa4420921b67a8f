"""Settings for the brand community site, read from the environment.

Runnable with nothing set: SQLite (WAL) under ``var/``, Channels' in-memory
layer, local-memory cache, background jobs run in-process, DEBUG on.
``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL, channels_redis and a
Redis cache. ``DJANGO_DEBUG=0`` is production: it refuses to start without
``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS`` and turns on secure
cookies, HSTS and the HTTPS redirect. ``DJANGO_DEMO=1`` (scripts/demo) is
DEBUG off on plain http for this machine only. Every variable is listed in the README.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from community.site.csp_policy import (  # noqa: F401  (settings read by django-csp, csp.py)
    CONTENT_SECURITY_POLICY,
    CSP_ADMIN_DIRECTIVES,
    CSP_ADMIN_PREFIXES,
    CSP_REPORT_PATH,
)
from community.site.environment import demo_secret_key, env_bool, env_list

# The repository: community/site/settings.py is three levels down.
BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("DJANGO_VAR_DIR", BASE_DIR / "var"))


# The demo (scripts/demo, DJANGO_DEMO=1): DEBUG off by default, so that visitors
# meet the site's own 404 and 500 pages, but served by one daphne over plain
# http on this machine: a secret key generated once into var/, local hosts, no
# HTTPS redirect, no secure-only cookies, static and media files served by the
# process itself. Never for a public address.
DEMO = env_bool("DJANGO_DEMO", False)
DEBUG = env_bool("DJANGO_DEBUG", not DEMO)


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY and DEMO:
    SECRET_KEY = demo_secret_key(VAR_DIR / "secret_key")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0.")
    # Development only: a fixed key so that sessions survive restarts of the demo.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production-9f8e7d6c5b4a"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if not DEBUG and not DEMO:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=0.")
    ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
# The site's public address, for links in emails (invitations) and the CMS admin.
SITE_URL = os.environ.get("SITE_URL", "")
if not SITE_URL:
    if not DEBUG and not DEMO:
        raise ImproperlyConfigured("SITE_URL (https://…) must be set when DJANGO_DEBUG=0.")
    SITE_URL = "http://127.0.0.1:8000"

BRAND_NAME = os.environ.get("BRAND_NAME", "Velora")

# --- Applications -----------------------------------------------------------

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    "channels",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # Only for its static files and templates: the API docs load Swagger UI from
    # here instead of a CDN (ninja.openapi.docs.render_template checks for it).
    "ninja",
    "community",
    "forums",
    "forums.moderation",
    "badges",
    "cms",
    "realtime",
    # The composition root itself, last: its commands (seed_demo) use every app above.
    "community.site",
]

MIDDLEWARE = [
    "community.site.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "community.site.csp.ContentSecurityPolicyMiddleware",
    "community.site.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "community.site.middleware.MemberLanguageMiddleware",
    "community.site.middleware.MemberTimeZoneMiddleware",
    "community.site.middleware.ApiJsonErrorsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A signed-in member without access to the content admin gets a 403 on /cms/.
    "cms.surfaces.admin_access.AdminAccessMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "community.mfa.RequireStaffMFAMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "community.site.urls"
WSGI_APPLICATION = "community.site.wsgi.application"
ASGI_APPLICATION = "community.site.asgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "community.context_processors.site",
                "forums.moderation.chrome.context",
            ],
        },
    },
]

# --- Data stores ------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # Under ASGI every request may run in another thread: Django asks for no persistent
    # connections (CONN_MAX_AGE=0) and psycopg's pool to reuse them instead.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ.get("DATABASE_POOL_SIZE", "10")),
        }
        # ``.iterator()`` reads through a server-side cursor, for which PostgreSQL plans to
        # return the first 10 % of rows fast; every such read here consumes the whole
        # result (exports, the KPIs' ledger walks), so plan for all of it: measured 10.9 s
        # -> 0.3 s on a member export of 5M ledger entries (bench/kpis_member_export.py).
        options.setdefault("options", "-c cursor_tuple_fraction=1")
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            # Django's SQLite backend, with connections reused within the process
            # (community/site/db_backends/sqlite3/base.py).
            "ENGINE": "community.site.db_backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE takes the
                # write lock at BEGIN so that two writers queue (busy timeout) instead
                # of failing with "database is locked" halfway through a transaction.
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "community.site.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that does not answer costs a request one second, not a hang.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
            "KEY_PREFIX": "community",
        }
    }
    # Pub/Sub: one Redis subscription per group per process, fanned out in the process
    # (measured faster than RedisChannelLayer for 1,000-2,000 sockets, which also lost
    # deliveries; see realtime/layers.py). Messages published while Redis is down are
    # lost: the outbox and `subscribe` with `since` replay them.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "community"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One process: Channels' in-memory layer without its per-call sweep (realtime/layers.py).
    # Each event loop reads every event through one hub channel (realtime/hub.py): room
    # for bursts there; other channels keep Channels' default capacity of 100.
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "realtime.layers.LocalChannelLayer",
            "CONFIG": {"channel_capacity": {"realtime-hub.*": 100_000}},
        }
    }

# Background jobs: run in-process by default; with a real database they go to
# the django-tasks-db queue, worked by `manage.py db_worker`.
TASKS_BACKEND = os.environ.get("DJANGO_TASKS_BACKEND", "database" if DATABASE_URL else "immediate")
if TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    raise ImproperlyConfigured("DJANGO_TASKS_BACKEND must be 'immediate' or 'database'.")

# --- Accounts ---------------------------------------------------------------

AUTH_USER_MODEL = "community.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "community.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "community.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "community.forms.SignupExtraForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_USERNAME_VALIDATORS = "community.validators.USERNAME_VALIDATORS"
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{BRAND_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG or DEMO else "https"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# A signed-in visitor sent to a login page is not bounced straight back, which
# would loop with pages that require more than being signed in.
ACCOUNT_AUTHENTICATED_LOGIN_REDIRECTS = False
# Two-factor authentication (allauth.mfa): an authenticator app (TOTP) and recovery
# codes; no WebAuthn (it would need the fido2 package and HTTPS everywhere). Staff can
# be required to enrol (community/mfa.py); moderators and managers are invited to.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = BRAND_NAME
MFA_REQUIRED_FOR_STAFF = env_bool("MFA_REQUIRED_FOR_STAFF", False)
# Rate limits stay at allauth's defaults (on); only the IP source is set here.
ALLAUTH_TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))
NINJA_NUM_PROXIES = ALLAUTH_TRUSTED_PROXY_COUNT

# Social login: each provider is switched on by its client id and secret.
SOCIALACCOUNT_PROVIDERS = {}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
for _provider in ("google", "facebook"):
    _client_id = os.environ.get(f"{_provider.upper()}_CLIENT_ID")
    _secret = os.environ.get(f"{_provider.upper()}_CLIENT_SECRET")
    if _client_id and _secret:
        INSTALLED_APPS.append(f"allauth.socialaccount.providers.{_provider}")
        SOCIALACCOUNT_PROVIDERS[_provider] = {
            "APPS": [{"client_id": _client_id, "secret": _secret}],
            "SCOPE": ["email"] if _provider == "facebook" else ["profile", "email"],
        }
if os.environ.get("OIDC_CLIENT_ID") and os.environ.get("OIDC_ISSUER"):
    INSTALLED_APPS.append("allauth.socialaccount.providers.openid_connect")
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": "sso",
                "name": os.environ.get("OIDC_NAME", "SSO"),
                "client_id": os.environ["OIDC_CLIENT_ID"],
                "secret": os.environ.get("OIDC_CLIENT_SECRET", ""),
                "settings": {"server_url": os.environ["OIDC_ISSUER"]},
            }
        ],
    }

# --- Email ------------------------------------------------------------------

DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{BRAND_NAME} <community@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email_backend = os.environ.get("DJANGO_EMAIL_BACKEND", "console")
EMAIL_BACKEND = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
}.get(_email_backend)
if EMAIL_BACKEND is None:
    raise ImproperlyConfigured("DJANGO_EMAIL_BACKEND must be console, file, smtp or locmem.")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "Europe/Paris")
USE_TZ = True
# Day-month order and a 24-hour clock in English too (community/formats/en/formats.py).
FORMAT_MODULE_PATH = ["community.formats"]

# --- Static and media files -------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", VAR_DIR / "media"))
# Django serves media itself in development and the demo; in production the
# reverse proxy serves MEDIA_ROOT (see docs/deployment.md).
SERVE_MEDIA = env_bool("DJANGO_SERVE_MEDIA", DEBUG or DEMO)
# Images and documents of content pages: outside MEDIA_ROOT, because content for
# chosen audiences must never be served straight from disk. cms.surfaces.files
# answers /content/files/ after checking who asks; the proxy must never serve it.
CMS_FILES_ROOT = Path(os.environ.get("DJANGO_CMS_FILES_ROOT", VAR_DIR / "cms-files"))
KPI_EXPORTS_ROOT = Path(os.environ.get("DJANGO_KPI_EXPORTS_ROOT", VAR_DIR / "exports"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "cms_files": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": CMS_FILES_ROOT, "base_url": "/content/files/"},
    },
    # KPI exports: private files, served only to their requester (community.kpis.jobs).
    "kpi_exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": KPI_EXPORTS_ROOT},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or DEMO
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# The demo runs without collectstatic: WhiteNoise serves the files where they are.
WHITENOISE_USE_FINDERS = DEBUG or DEMO
if DEMO and not DEBUG:
    # Nothing is ever collected there: without a root to scan, WhiteNoise does not
    # greet the demo's first visitor with "No directory at: …/staticfiles/".
    STATIC_ROOT = None
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# Avatars: what an upload may be before it is even decoded.
AVATAR_MAX_BYTES = 5 * 1024 * 1024
AVATAR_MAX_PIXELS = 40_000_000
AVATAR_SIZE = 256

# Images in posts. Stored outside MEDIA_ROOT on purpose: a private community's
# images are served only by forums.images.serve_image, which checks who asks;
# the reverse proxy must never serve this directory.
POST_IMAGES_ROOT = Path(os.environ.get("DJANGO_POST_IMAGES_ROOT", VAR_DIR / "post-images"))
POST_IMAGE_MAX_BYTES = 5 * 1024 * 1024
POST_IMAGE_MAX_PIXELS = 40_000_000
# Longest side once stored; larger images are scaled down, keeping their shape.
POST_IMAGE_MAX_DIMENSION = 2048
# Uploads per member per hour, across communities (staff have no quota).
POST_IMAGES_PER_HOUR = 30

# --- Wagtail ----------------------------------------------------------------

WAGTAIL_SITE_NAME = BRAND_NAME
WAGTAILADMIN_BASE_URL = SITE_URL
# Wagtail's own login and password pages are replaced by allauth's (one place for
# verification, rate limits and MFA): community/site/urls.py routes /cms/login/ there.
WAGTAILADMIN_LOGIN_URL = "/accounts/login/"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAIL_PASSWORD_MANAGEMENT_ENABLED = False
WAGTAIL_PASSWORD_RESET_ENABLED = False
WAGTAIL_EMAIL_MANAGEMENT_ENABLED = False
WAGTAIL_I18N_ENABLED = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# A self-hosted site calls nobody: no check for Wagtail releases from staff browsers.
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Content pages' images and documents (cms.models.media): stored in "cms_files" and
# served only after a check of the pages that use them.
WAGTAILIMAGES_IMAGE_MODEL = "cms.ContentImage"
WAGTAILIMAGES_RENDITION_STORAGE = "cms_files"
WAGTAILDOCS_DOCUMENT_MODEL = "cms.ContentDocument"
WAGTAILDOCS_SERVE_METHOD = "serve_view"
# Embeds without inline styles (the CSP refuses them): cms.css sizes the players.
WAGTAILEMBEDS_RESPONSIVE_HTML = False

# --- Community --------------------------------------------------------------

# The longest post a member may write, in characters.
FORUMS_MAX_POST_LENGTH = int(os.environ.get("FORUMS_MAX_POST_LENGTH", "30000"))
# Requests per minute per user (or per IP for anonymous callers) on /api/v1/.
API_RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "1200/m")
# Per member and action (community/ratelimits.py): "N/s", "N/m", "N/h" or "N/d", each a
# fixed window; staff, and a community's moderators there, are exempt.
RATE_LIMITS = {
    "post": ["6/m", "60/h"],
    "flag": ["10/m", "50/h"],
    "react": ["30/m", "300/h"],
    "endorse": ["10/m", "60/h"],
}
# Overridden from the environment: RATE_LIMITS="post=6/m,60/h;react=30/m" (per action).
for _rule in filter(None, os.environ.get("RATE_LIMITS", "").split(";")):
    _action, _sep, _rates = _rule.partition("=")
    RATE_LIMITS[_action.strip()] = [rate.strip() for rate in _rates.split(",") if rate.strip()]
INVITATION_MAX_AGE_DAYS = int(os.environ.get("INVITATION_MAX_AGE_DAYS", "14"))
# Real-time: stored events older than this are pruned (`manage.py prune_events`); a
# client further behind than what is kept, or than REALTIME_REPLAY_MAX events, is
# told to reload the page instead of being replayed.
REALTIME_RETENTION_DAYS = int(os.environ.get("REALTIME_RETENTION_DAYS", "7"))
REALTIME_REPLAY_MAX = int(os.environ.get("REALTIME_REPLAY_MAX", "5000"))
# daphne's TCP connections send at once rather than on the next loop turn
# (realtime/transport.py): 1.3 to 1.5 times the fan-out rate. Off: Twisted's own path.
REALTIME_DIRECT_WRITE = env_bool("REALTIME_DIRECT_WRITE", True)

# --- Security ---------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# DENY everywhere; Wagtail marks its own preview view SAMEORIGIN for its iframe.
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy: CONTENT_SECURITY_POLICY, CSP_REPORT_PATH, CSP_ADMIN_PREFIXES
# and CSP_ADMIN_DIRECTIVES come from community/site/csp_policy.py (imported above).

# Violation reports each client may send per minute before being refused (429).
CSP_REPORTS_PER_MINUTE = int(os.environ.get("CSP_REPORTS_PER_MINUTE", "30"))

if not DEBUG and not DEMO:  # the demo is plain http on 127.0.0.1 (see DEMO above)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    if env_bool("DJANGO_BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.channels.server": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}
