"""Settings for the 政府信息公开 app.

Zero-config by default (SQLite in ``var/``, a generated secret key); production is driven by
environment variables, each read by a small typed helper that rejects bad values.
"""

import base64
import datetime
import hashlib
import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_HASHES
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _kept_key(filename: str, make) -> str:
    """A key kept in var/FILENAME (never committed), made by ``make()`` on first use. Written
    to a temporary file and linked into place, so that processes starting together (gunicorn's
    workers) agree on one key: a second key would make what the first encrypted unreadable."""
    path = VAR_DIR / filename
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{filename}.{os.getpid()}")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(make() + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its key
        finally:
            tmp.unlink()
    return path.read_text().strip()


def _secret_key() -> str:
    """SECRET_KEY from the environment, else a random key kept in var/ (never committed)."""
    return env_str("SECRET_KEY") or _kept_key("secret_key", lambda: secrets.token_urlsafe(50))


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "disclosure",
    "reports",
    "disclosure.devtools",
    "disclosure.audit",
    "disclosure.online",
    "disclosure.apps.AdminConfig",  # django.contrib.admin with the scoped admin.site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "import_export",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    # After django-otp: its admin replaces the English ones (disclosure/identity/admin.py).
    "disclosure.identity",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.user.is_verified(): signed in with the second factor too (django-otp).
    "django_otp.middleware.OTPMiddleware",
    # Sign out a session idle for SESSION_IDLE_MINUTES (disclosure/identity/middleware.py).
    "disclosure.identity.middleware.IdleTimeoutMiddleware",
    # Before the second factor: nothing of the admin but the code or enrolment page.
    "disclosure.identity.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A write the page cache cannot follow: a Chinese message in the admin, not a 500.
    "disclosure.public.pagecache.CacheFailureMiddleware",
    # A locked login answers with the lockout page (django-axes; last, as its docs ask).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "disclosure.urls"
WSGI_APPLICATION = "disclosure.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        # A kept connection is checked (SELECT 1) before a request's first query: after the
        # database restarts, each worker reconnects instead of failing once on a dead connection.
        conn_health_checks=True,
    )
}
# Lets several test runs share one PostgreSQL server (e.g. TEST_DB_NAME=test_ci).
if env_str("TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DB_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Staff logins (docs/identity.md). django-axes first: it refuses a locked login before the
# password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Passwords: at least 10 characters of three of the four classes (upper, lower, digit, symbol),
# not like the username or name, not a common password. Checked wherever a password is chosen
# (the admin's forms, createsuperuser, changepassword), not on passwords already set.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "disclosure.identity.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "disclosure.identity.passwords.CharacterClassesValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Largest attachment a clerk may upload (checked with the allowed types, records/uploads.py).
# Uploaded files do not count against DATA_UPLOAD_MAX_MEMORY_SIZE, and those above
# FILE_UPLOAD_MAX_MEMORY_SIZE go to a temporary file, so Django's defaults stay; the reverse
# proxy's body limit (nginx client_max_body_size) must be at least this much.
ATTACHMENT_MAX_MB = env_int("ATTACHMENT_MAX_MB", 50)
# Ledger (台账) imports, docs/ledger.md "Limits": a file is measured before it is read. The
# admin's preview and confirmation of 50,000 rows take 5–15 s each, well within gunicorn's
# 30-second worker timeout; larger ledgers go through `import_requests` / `import_cases`. An
# .xlsx may unpack to 5× the size limit and its cells hold as many characters as the limit.
# Django's upload settings stay: a ledger is refused before it is stored or read, and Django
# deletes its own temporary copy of a large upload (mode 0600) at the end of the request.
LEDGER_ADMIN_MAX_MB = env_int("LEDGER_ADMIN_MAX_MB", 20)
LEDGER_ADMIN_MAX_ROWS = env_int("LEDGER_ADMIN_MAX_ROWS", 30_000)
LEDGER_COMMAND_MAX_MB = env_int("LEDGER_COMMAND_MAX_MB", 100)
LEDGER_COMMAND_MAX_ROWS = env_int("LEDGER_COMMAND_MAX_ROWS", 200_000)
# An uploaded ledger waiting for the clerk's confirmation: a private folder (0700, files 0600),
# deleted on confirmation or cancellation, else after this many minutes (`import_purge`).
LEDGER_PENDING_DIR = Path(env_str("LEDGER_PENDING_DIR", str(VAR_DIR / "pending-imports")))
LEDGER_PENDING_MINUTES = env_int("LEDGER_PENDING_MINUTES", 60)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env_bool("STATIC_MANIFEST", True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG


def _cache() -> dict:
    """Files in var/cache by default (shared by the gunicorn workers of one server); a Redis URL
    when several servers share the database (`pip install redis`); ``none`` for no cache."""
    url = env_str("CACHE_URL")
    if not url:
        return {
            "BACKEND": "disclosure.public.pagecache.FileCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": env_int("CACHE_MAX_ENTRIES", 20000)},
        }
    if url.startswith(("redis://", "rediss://", "unix://")):
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            # A Redis that stops answering (a network fault, not a refused connection) must not
            # hold a page for the OS's two-minute TCP timeout: give up after 1 s, render the page
            # from the database (or fail the write that needed the cache), docs/operations.md.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    if url == "none":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL or 'none', not {url!r}")


CACHES = {
    "default": _cache(),
    # Template fragments whose key holds everything they depend on (the filter form): each
    # process keeps its own, in memory.
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
    },
}
# How long a rendered public page may be kept (every write to what it shows retires it at once,
# see disclosure/public/pagecache.py); 0 turns the page cache off.
PUBLIC_PAGE_CACHE_SECONDS = env_int("PUBLIC_PAGE_CACHE_SECONDS", 600)

# The public's online applications (disclosure/online, docs/online.md): submissions per client
# address per hour (every post counts, solved captcha or not), the largest form body accepted,
# failed status look-ups before a lockout (per address and per application number) and its
# length, how long a captcha image stays valid.
ONLINE_APPLY_PER_HOUR = env_int("ONLINE_APPLY_PER_HOUR", 5)
ONLINE_MAX_BODY_BYTES = env_int("ONLINE_MAX_BODY_BYTES", 32 * 1024)
ONLINE_STATUS_FAILURE_LIMIT = env_int("ONLINE_STATUS_FAILURE_LIMIT", 5)
ONLINE_STATUS_LOCKOUT_MINUTES = env_int("ONLINE_STATUS_LOCKOUT_MINUTES", 30)
ONLINE_CAPTCHA_MINUTES = env_int("ONLINE_CAPTCHA_MINUTES", 10)
# E-mail to applicants (receipts, changes of state): printed to the console unless an SMTP
# server is given.
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@localhost")

# The change history is for reading: reverting would bypass the services' rules.
SIMPLE_HISTORY_REVERT_DISABLED = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGIN_URL = "admin:login"

# Failed logins (django-axes, disclosure/identity/lockout.py): LOGIN_FAILURE_LIMIT failures of
# one username, or from one address, within LOGIN_LOCKOUT_MINUTES lock its logins for that long
# (each attempt while locked starts the period again). The same Chinese page whether the
# username exists or not; a system administrator unlocks in the admin (登录失败与锁定). Behind one
# NAT address for a whole office, LOGIN_LOCKOUT_BY_ADDRESS=0 counts per username only. Every
# login, failure, lockout and unlock is in the audit log.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 30)
LOGIN_LOCKOUT_BY_ADDRESS = env_bool("LOGIN_LOCKOUT_BY_ADDRESS", True)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = datetime.timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"] if LOGIN_LOCKOUT_BY_ADDRESS else ["username"]
AXES_HANDLER = "disclosure.identity.lockout.AuditedAxesHandler"
AXES_LOCKOUT_CALLABLE = "disclosure.identity.lockout.lockout_response"
# The address the audit log records (REMOTE_ADDR, or X-Forwarded-For behind trusted proxies).
AXES_CLIENT_IP_CALLABLE = "disclosure.audit.services.client_address"
# Logins and logouts go to the audit log; axes keeps only the failure counts. Its admin is
# replaced by a Chinese one.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "token"]

# The second factor (django-otp: TOTP apps and one-time recovery codes). Superusers, managers
# (负责人) and system administrators (系统管理员) always need it; clerks when this is on. A user
# who has set one up is always asked for it.
OTP_REQUIRED_FOR_CLERKS = env_bool("OTP_REQUIRED_FOR_CLERKS", False)
# The name an authenticator app shows next to the account.
OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "政府信息公开")

# Sessions end when the browser closes, and after SESSION_IDLE_MINUTES without a request
# (disclosure/identity/middleware.py, which notes the last request to the minute); the database
# row lasts a minute longer so that it never outlives the idle limit by more. Django gives a new
# session key at login, and a password change signs out the user's other sessions.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
SESSION_COOKIE_AGE = (SESSION_IDLE_MINUTES + 1) * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# HTTPS=1: the site is served over HTTPS (TLS ends at the reverse proxy). Off by default because
# the same settings serve runserver, the tests and the benchmarks over plain HTTP on loopback,
# where a redirect to https:// or a secure-only cookie would break every request.
HTTPS = env_bool("HTTPS", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = HTTPS
# The load balancer's health check may come over plain HTTP, straight to the app server.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
# Sent by SecurityMiddleware on HTTPS responses only. gunicorn already trusts X-Forwarded-Proto
# from a proxy on the same machine (its forwarded_allow_ips); BEHIND_PROXY=1 makes Django trust it
# from anywhere, for a proxy on another machine that always sets or overwrites the header.
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None
SILENCED_SYSTEM_CHECKS = [
    # HSTS includeSubDomains (W005) and preload (W021) bind every name under the host, and preload
    # cannot be taken back quickly. Deployed at a government apex domain they would force HTTPS on
    # the other, often HTTP-only, intranet sites under it: the domain's owner decides, with
    # HSTS_INCLUDE_SUBDOMAINS=1 / HSTS_PRELOAD=1.
    "security.W005",
    "security.W021",
]


def _style_hash(css: str) -> str:
    return f"'sha256-{base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()}'"


# Content-Security-Policy on every response (django-csp). Scripts and stylesheets only from
# static/ (no inline <script>, on*= handler, <style> or style=""); images also as data: URIs,
# which Bootstrap's CSS uses for its icons. The one inline style allowed, by its hash, is the
# style="border-top: 0" of django-simple-history's history page (a third-party template).
# Responses that set their own policy keep it: stored files are sent with the stricter
# "sandbox" (records/uploads.py). docs/architecture.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_HASHES, _style_hash("border-top: 0")],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# 条例第三十三条: whether the day the request is received counts as the first working day.
DEADLINE_COUNT_RECEIPT_DAY = env_bool("DEADLINE_COUNT_RECEIPT_DAY", False)

# Applicants' ID numbers and phone numbers are encrypted in the database (AES-256-GCM,
# docs/personal-data.md). PERSONAL_DATA_KEYS: comma-separated keys, newest first; the first
# encrypts, every one decrypts (an old key stays listed until `personal_data_rotate` has
# re-encrypted every value). Unset: the keys in var/personal_data_key, one a line, made on first
# use. LOSING THE KEY LOSES THE DATA: back it up, apart from the database backups.
PERSONAL_DATA_KEYS = (
    env_list("PERSONAL_DATA_KEYS", [])
    or _kept_key(
        "personal_data_key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    ).split()
)
# The key of the keyed hash (blind index) that finds the same applicant's requests by ID number
# without decrypting (the fee count per applicant). Its own key: rotating the encryption key
# does not change it; `personal_data_rotate` recomputes the hashes after it has changed.
PERSONAL_DATA_INDEX_KEY = env_str("PERSONAL_DATA_INDEX_KEY") or _kept_key(
    "personal_data_index_key", lambda: secrets.token_urlsafe(32)
)
# `personal_data_deidentify` blanks the applicant's details of requests closed (answered, and
# every review or lawsuit about them concluded) more than this many years ago.
PERSONAL_DATA_RETENTION_YEARS = env_int("PERSONAL_DATA_RETENTION_YEARS", 10)

# The access audit log (disclosure/audit, docs/audit.md). The client address is REMOTE_ADDR;
# behind TRUSTED_PROXY_COUNT reverse proxies that each append to X-Forwarded-For (nginx:
# $proxy_add_x_forwarded_for), it is that many entries from the header's right end. 0 ignores the
# header, which a client can then forge; BEHIND_PROXY=1 alone means one proxy.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if env_bool("BEHIND_PROXY") else 0)
# 网络安全法第二十一条: logs kept at least six months (184 days, checked); `audit_prune` deletes
# older rows.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
