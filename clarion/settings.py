"""Django settings for Clarion: one module, configured by environment variables only.

Every variable is read through `clarion.config` and listed in the README.
"""

from __future__ import annotations

from typing import Any

import dj_database_url

from clarion.config import (
    BASE_DIR,
    data_dir,
    email_settings,
    env_bool,
    env_int,
    env_list,
    env_str,
    generated_secret,
    plaintext_links_allowed,
    refuse_plaintext_cache,
    refuse_plaintext_database,
    site_address,
)

DATA_DIR = data_dir()
DEBUG = env_bool("CLARION_DEBUG")
HTTPS = env_bool("CLARION_HTTPS")

# The secret key signs sessions and CSRF tokens; it never protects tip content, so an operator
# may rotate it (the receipt pepper below is separate for that reason).
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or generated_secret("django_secret_key")
ALLOWED_HOSTS = env_list("CLARION_ALLOWED_HOSTS")

INSTALLED_APPS = [
    "clarion.accounts.admin_apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "django_tasks_db",
    "clarion.web",
    "clarion.audit",
    "clarion.accounts",
    "clarion.intake",
    "clarion.casework",
    "clarion.publishing",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # The protective headers first, so that static files and the error page of a failure in any
    # later middleware (the page cache with the database down) carry them too.
    "clarion.headers.ProtectiveHeadersMiddleware",
    # Before the page cache, so a stored page also gets the header of the request it answers.
    "clarion.web.onion.OnionLocationMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Compresses reader pages only, whether rendered or cached (BREACH: clarion/publishing/compression.py).
    "clarion.publishing.compression.ReaderPageGZipMiddleware",
    # Reader pages rendered earlier are answered here, before session, auth and CSRF work.
    "clarion.publishing.caching.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "clarion.web.csrf.NoReferrerCsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clarion.accounts.sessions.StaffSessionTimeoutMiddleware",
    # Records refused authorisations of logged-in staff; answers a full hashing queue with 503.
    "clarion.web.middleware.SecurityEventMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "clarion.urls"
WSGI_APPLICATION = "clarion.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "clarion" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "clarion.accounts.context_processors.organisation",
                "clarion.web.context_processors.staff_nav",
            ],
        },
    },
]

# Links to other servers go over TLS unless CLARION_ALLOW_PLAINTEXT names them (clarion/config.py).
_plaintext_allowed = plaintext_links_allowed()

# --- database -------------------------------------------------------------------------------
_database_url = env_str("DATABASE_URL")
if _database_url:
    refuse_plaintext_database(_database_url, allow_plaintext="database" in _plaintext_allowed)
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "clarion.sqlite3"),
            "OPTIONS": {
                # WAL lets readers and the single writer proceed together; IMMEDIATE takes the
                # write lock at BEGIN so concurrent submissions queue instead of failing;
                # secure_delete overwrites freed pages (defence in depth: content is encrypted).
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=FULL;PRAGMA secure_delete=ON;PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache -------------------------------------------------------------------------------------
# Rate limits are not kept in a cache (clarion/web/throttle.py: a table every worker shares).
# Rendered reader pages have a cache of their own, so that however many pages a flood makes
# them render, they can only push out other pages (clarion/publishing/caching.py).
PUBLIC_PAGES_CACHE = "public_pages"
PUBLIC_PAGES_MAX_ENTRIES = 1000  # about 30 MB per worker at 30 KB a page
_cache_url = env_str("CACHE_URL")
if _cache_url:
    refuse_plaintext_cache(_cache_url, allow_plaintext="cache" in _plaintext_allowed)
    CACHES: dict[str, dict[str, Any]] = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _cache_url},
        PUBLIC_PAGES_CACHE: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
            "KEY_PREFIX": "public-pages",
        },
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
        PUBLIC_PAGES_CACHE: {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "public-pages",
            "OPTIONS": {"MAX_ENTRIES": PUBLIC_PAGES_MAX_ENTRIES},
        },
    }

# --- email notifications (never any content: docs/design.md) ------------------------------------------
globals().update(email_settings(env_str("EMAIL_URL"), allow_plaintext="email" in _plaintext_allowed))
DEFAULT_FROM_EMAIL = env_str("CLARION_EMAIL_FROM")
# The public address of every absolute URL; "" means each request's own (clarion/web/site_address.py).
CLARION_SITE_URL = site_address(env_str("CLARION_SITE_URL"))

# --- background jobs ---------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- accounts and sessions ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Django's Argon2id hasher, run only inside one of the host's few hashing slots (M4).
PASSWORD_HASHERS = ["clarion.web.hashing.BoundedArgon2PasswordHasher"]
CLARION_HASHING_SLOTS = env_int("CLARION_HASHING_SLOTS")

_cookie_prefix = "__Host-" if HTTPS else ""
SESSION_COOKIE_NAME = f"{_cookie_prefix}clarion-staff"
SESSION_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The staff member's sealing key (see clarion/web/staff_identity.py): never in the database.
STAFF_KEY_COOKIE_NAME = f"{_cookie_prefix}clarion-staff-key"
# Between login steps (and during enrolment): the key that seals the typed password.
STAFF_PENDING_COOKIE_NAME = f"{_cookie_prefix}clarion-staff-pending"
STAFF_ENROL_COOKIE_NAME = f"{_cookie_prefix}clarion-staff-enrol"
# The staff page asked for before logging in (clarion/web/login_target.py): never in a URL.
STAFF_TARGET_COOKIE_NAME = f"{_cookie_prefix}clarion-staff-target"
# Set after a login with both factors: that browser skips the per-account login counter (L9).
STAFF_DEVICE_COOKIE_NAME = f"{_cookie_prefix}clarion-staff-device"
LOGIN_URL = "/staff/login/"
# The account page and the logout of every staff page's nav (clarion/web/templates/web/base_staff.html).
CLARION_STAFF_NAV = {"account": "accounts:home", "logout": "accounts:logout"}
# The landing page sends each person on to their work (the inbox for reviewers).
LOGIN_REDIRECT_URL = "/staff/"
STAFF_IDLE_SECONDS = 30 * 60
STAFF_MAX_SECONDS = SESSION_COOKIE_AGE
STAFF_INVITATION_DAYS = 7
OTP_TOTP_ISSUER = "Clarion"
# Belt and braces: the device admin pages are unregistered (accounts/admin_apps.py), and would
# not show a seed or a token if anything registered them again.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# django-otp's own per-device delay doubles without bound (2^n seconds): anyone who knows a
# password could lock its owner out for days. clarion/web/throttle.py limits code
# guessing instead, per account and per address, with a cap of minutes, counted in a
# table every worker shares.
OTP_TOTP_THROTTLE_FACTOR = 0
CSRF_COOKIE_NAME = f"{_cookie_prefix}clarion-csrf"
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_AGE = None  # a browser-session cookie: nothing outlives the source's visit
CSRF_FAILURE_VIEW = "clarion.web.csrf.csrf_failure"
# Its page, per surface: the longest prefix of the request's path wins ("/" must be there).
CLARION_EXPIRED_FORM_PAGES = {"/": "intake/expired.html", "/staff/": "accounts/expired.html"}

# The source surface keeps its own session cookie, separate from staff sessions.
SOURCE_SESSION_COOKIE_NAME = f"{_cookie_prefix}clarion-source"
SOURCE_SESSION_SECONDS = env_int("CLARION_SOURCE_SESSION_SECONDS")
# However active, a source's session ends this long after login (ASVS 7.3.2), as staff sessions do.
SOURCE_SESSION_MAX_SECONDS = 8 * 3600
# Carries a sent form's one-time token from the POST to the page that shows its receipt once.
SOURCE_RECEIPT_COOKIE_NAME = f"{_cookie_prefix}clarion-receipt"
# Floods of junk tips and messages (M4): per keyed address, and for the whole site.
CLARION_SOURCE_POSTS_PER_ADDRESS = env_int("CLARION_SOURCE_POSTS_PER_ADDRESS")
CLARION_SOURCE_POSTS_PER_SITE = env_int("CLARION_SOURCE_POSTS_PER_SITE")
# Behind deploy/nginx: limits per address read the proxy's X-Real-IP (clarion/web/throttle.py).
CLARION_BEHIND_PROXY = env_bool("CLARION_BEHIND_PROXY")

# --- security headers (docs/design.md, property 4) ------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_HSTS_SECONDS = 63072000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = False
# W008: the reverse proxy owns the redirect to HTTPS, and an onion service has none to make.
# W021: joining the HSTS preload list is the operator's decision for their domain.
# W003 looks for Django's CSRF middleware by name; clarion.web.csrf subclasses it (see there).
SILENCED_SYSTEM_CHECKS = ["security.W003", "security.W008", "security.W021"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
    }
}

# --- uploads: no plaintext byte on disk (docs/design.md, property 1) ------------------------------------
# Django's default TemporaryFileUploadHandler writes plaintext temporary files. Outside the
# source views (which install an encrypting handler), uploads stay in memory and small.
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 1000
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

CLARION_MAX_FILES = env_int("CLARION_MAX_FILES")
CLARION_MAX_FILE_BYTES = env_int("CLARION_MAX_FILE_BYTES")
CLARION_MAX_SUBMISSION_BYTES = env_int("CLARION_MAX_SUBMISSION_BYTES")
CLARION_CHANNEL_DAILY_BYTES = env_int("CLARION_CHANNEL_DAILY_BYTES")
CLARION_SWEEP_GRACE_SECONDS = env_int("CLARION_SWEEP_GRACE_SECONDS")
CLARION_ONION_ADDRESS = env_str("CLARION_ONION_ADDRESS")
CLARION_BLOB_DIR = DATA_DIR / "blobs"
# Scrubbed copies of post images and PDFs (public once their post is; originals never kept).
CLARION_MEDIA_DIR = DATA_DIR / "media"
CLARION_MAX_MEDIA_BYTES = 25 * 1024 * 1024
# Receipts: Argon2id salted with the site's salt; the lookup half HMAC'd under this pepper.
CLARION_RECEIPT_SALT = bytes.fromhex(generated_secret("receipt_salt", nbytes=16))
CLARION_RECEIPT_PEPPER = bytes.fromhex(generated_secret("receipt_pepper"))
# Tests only (tests/settings.py): a cheap Argon2id. Never read from the environment.
CLARION_INSECURE_FAST_KDF = False

# --- static files ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "build" / "static"
STATICFILES_DIRS = [BASE_DIR / "clarion" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# WhiteNoise sends `Access-Control-Allow-Origin: *` by default, letting any site read our static
# files; nothing of Clarion's is meant for another origin (see clarion/headers.py).
WHITENOISE_ALLOW_ALL_ORIGINS = False

# --- i18n ------------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- logging: never an address, a user agent or content (docs/design.md, property 3) --------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        # django.request would log "Not Found: <path>" for every 404; paths are not secret
        # but keep the log to what operators need.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "ERROR"},
        # Failed logins, guesses, throttling, refused access: no address, user names tagged
        # (clarion/web/security_events.py).
        "clarion.security": {"level": "INFO"},
    },
}
