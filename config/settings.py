"""One settings module, read from the environment.

Every value that differs between machines comes from an environment variable
with a default that suits the embedded set-up (`scripts/run.sh`); README.md
lists them all.
"""

from pathlib import Path

import dj_database_url

from incidents.licence import LICENCE_NAME, LICENCE_URL

from .env import env_bool, env_int, env_list, env_storage, env_str
from .site_url import DEFAULT_SITE_URL, recorded_site_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("AIKB_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    # The embedded set-up keeps a random key under var/ so sessions survive a
    # restart; production passes DJANGO_SECRET_KEY.
    from .secret_key import embedded_secret_key

    SECRET_KEY = embedded_secret_key(VAR_DIR)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# Unset: the address the run command serves at (var/site-url, config.site_url).
SITE_URL = (env_str("AIKB_SITE_URL", "") or recorded_site_url(VAR_DIR) or DEFAULT_SITE_URL).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "simple_history",
    "incidents",
    "reproductions",
    "briefings",
    "editorial",
    "imports",
    "releases",
    "webhooks",
    "reporting",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions, CSRF and messages: see its docstring.
    "config.response_cache.SharedResponseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.login_throttle.AdminLoginThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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

# PostgreSQL only. Without DATABASE_URL the embedded server started by
# scripts/run.sh (PostgreSQL 18, config.embedded_db) is used, over its Unix socket.
EMBEDDED_PG_DIR = VAR_DIR / "pgdata"
DATABASE_URL = env_str("DATABASE_URL", f"postgresql://postgres:@/postgres?host={EMBEDDED_PG_DIR}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ValueError("DATABASE_URL must point to PostgreSQL (postgresql://...)")
# The test database is named after the configured one, so two checkouts that
# point at different databases of one server never share a test database.
DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME", f"test_aikb_{DATABASES['default']['NAME']}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("AIKB_STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("AIKB_MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    # Reproduction logs, written by evaluation workers and read by the web
    # side: a folder both see (the default, MEDIA_ROOT), or object storage
    # (s3://bucket/prefix) when workers run on other machines.
    "reproductions": env_storage("AIKB_REPRODUCTION_LOG_STORAGE", env_str("AIKB_S3_ENDPOINT_URL", "")),
}
# The Atom feed's stylesheet (static/feeds/atom.xsl), as browsers expect it.
WHITENOISE_MIMETYPES = {".xsl": "text/xsl"}

# Celery. Without CELERY_BROKER_URL, kombu's filesystem transport under var/
# needs no server (at-most-once; production uses Redis or RabbitMQ).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery"
    # kombu expects the folders to exist; web, worker and beat share them.
    for _folder in ("queue", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
    }
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Must exceed the longest GPU task, or Redis delivers it twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 4 * 3600),
        # How often a worker looks for messages whose worker died (kombu's
        # sweep runs every interval x throttle seconds; 100 s by default).
        "unacked_restore_interval": env_int("CELERY_UNACKED_RESTORE_INTERVAL", 10),
        "unacked_restore_throttle": env_int("CELERY_UNACKED_RESTORE_THROTTLE", 10),
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "reproductions.tasks.run_reproduction": {"queue": "gpu"},
    "briefings.tasks.render_*": {"queue": "pdf"},
}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("CELERY_WORKER_MAX_TASKS_PER_CHILD", 50)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Beat copies these into its database schedule (editable in the admin):
# work recorded while the broker was unreachable is sent once it is back.
CELERY_BEAT_SCHEDULE = {
    "requeue-undispatched-briefings": {"task": "briefings.tasks.requeue_undispatched", "schedule": 60.0},
    "requeue-undispatched-runs": {"task": "reproductions.tasks.requeue_undispatched", "schedule": 60.0},
    # Runs left "running" by a worker that died (Ctrl-C, SIGKILL) are sent
    # again: restarted, or failed with the reason past the attempts allowed.
    "recover-lost-runs": {"task": "reproductions.tasks.recover_lost_runs", "schedule": 60.0},
    # Webhook deliveries whose attempt is due (retries with backoff, and any a broker outage held back).
    "send-due-webhooks": {"task": "webhooks.tasks.send_due", "schedule": 60.0},
}
CELERY_TIMEZONE = TIME_ZONE

# Reproductions: where evaluation workers find model weights, which device
# they use (auto: the first visible GPU, else the CPU), and the gpu task's
# time limit in seconds (keep it under CELERY_VISIBILITY_TIMEOUT).
AIKB_MODELS_DIR = Path(env_str("AIKB_MODELS_DIR", str(VAR_DIR / "models")))
AIKB_EVAL_DEVICE = env_str("AIKB_EVAL_DEVICE", "auto")
AIKB_REPRODUCTION_TIME_LIMIT = env_int("AIKB_REPRODUCTION_TIME_LIMIT", 3 * 3600)
# Seconds a worker waits for an inference server it started (vLLM, SGLang,
# transformers serve) to answer before the run fails with the server's log.
AIKB_ENGINE_STARTUP_SECONDS = env_int("AIKB_ENGINE_STARTUP_SECONDS", 900)
# A run whose worker was lost mid-run (SIGKILL, OOM killer) is started again
# on redelivery, up to this many attempts in all.
AIKB_REPRODUCTION_MAX_ATTEMPTS = env_int("AIKB_REPRODUCTION_MAX_ATTEMPTS", 2)

# Serious-incident reports: the IANA time zone their reporting clocks count
# days in when a report names none (docs/reporting.md).
AIKB_REPORTING_TIME_ZONE = env_str("AIKB_REPORTING_TIME_ZONE", "Europe/Brussels")

# Webhooks: receivers must be public internet addresses; loopback is let
# through only for tests and local development. Seconds a receiver has to
# accept the connection and to answer, and the most of its answer read.
AIKB_WEBHOOKS_ALLOW_LOOPBACK = env_bool("AIKB_WEBHOOKS_ALLOW_LOOPBACK", False)
AIKB_WEBHOOKS_CONNECT_TIMEOUT = env_int("AIKB_WEBHOOKS_CONNECT_TIMEOUT", 5)
AIKB_WEBHOOKS_READ_TIMEOUT = env_int("AIKB_WEBHOOKS_READ_TIMEOUT", 10)
AIKB_WEBHOOKS_MAX_RESPONSE_BYTES = env_int("AIKB_WEBHOOKS_MAX_RESPONSE_BYTES", 64 * 1024)

# Email: console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# Seconds before an unresponsive SMTP server fails the send (and the digest task retries).
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "AI Incident Knowledge Base <digests@localhost>")

# Briefings: largest image a PDF may embed, and how long a subscription's
# confirmation link stays valid.
BRIEFINGS_MAX_IMAGE_BYTES = env_int("AIKB_PDF_MAX_IMAGE_BYTES", 5 * 1024 * 1024)
BRIEFINGS_CONFIRM_MAX_AGE = env_int("AIKB_DIGEST_CONFIRM_MAX_AGE", 3 * 24 * 3600)

# The REST API (api/): anonymous reading, token writing, throttled per
# client; rates are "N/second|minute|hour|day".
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ReadAnyoneWriteWithModelPermission"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("AIKB_API_RATE_ANON", "60/minute"),
        "token": env_str("AIKB_API_RATE_TOKEN", "300/minute"),
        "journalist": env_str("AIKB_API_RATE_JOURNALIST", "1200/minute"),
    },
    # Reverse proxies in front that append the client's address to
    # X-Forwarded-For; throttles trust that one entry and nothing the client wrote.
    "NUM_PROXIES": env_int("AIKB_TRUSTED_PROXIES", 1 if env_bool("DJANGO_BEHIND_PROXY", False) else 0),
    "DEFAULT_PARSER_CLASSES": ["api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "api.renderers.CSVRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.negotiation.ApiContentNegotiation",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend", "api.filters.StrictOrderingFilter"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.ApiPagination",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
}
API_MAX_BODY_BYTES = env_int("AIKB_API_MAX_BODY_BYTES", 1024 * 1024)
# Credential guessing (API tokens, admin login): failures allowed per client
# address (admin logins: per address and username, and three times as many
# per address) within the window before 429 + Retry-After.
AUTH_FAILURE_LIMIT = env_int("AIKB_AUTH_FAILURE_LIMIT", 10)
AUTH_FAILURE_WINDOW_SECONDS = env_int("AIKB_AUTH_FAILURE_WINDOW_SECONDS", 15 * 60)
# Caches: Redis with AIKB_CACHE_URL. Without it the default cache (facet
# counts, search pages: things a process can count again) is each process's
# own memory, while what every process must see the same is in files under
# var/, shared by every process of the machine: throttle counts (API rates,
# failed tokens and logins; a limit counted per process is multiplied by the
# number of processes) and the "shared" cache (config/shared_cache.py: the
# data's generation, rendered public responses, render locks; a process must
# never answer from a copy made before another saved a change). Throttle
# counts have a cache of their own so that nothing else stored can push
# them out.
CACHE_URL = env_str("AIKB_CACHE_URL", "")
_REDIS = "django.core.cache.backends.redis.RedisCache"
_SHARED_FILES = "config.shared_cache.SharedFileCache"
CACHES = {
    "default": {"BACKEND": _REDIS, "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {"BACKEND": _REDIS, "LOCATION": CACHE_URL, "KEY_PREFIX": "throttle"}
    if CACHE_URL
    else {"BACKEND": _SHARED_FILES, "LOCATION": str(VAR_DIR / "throttle"), "OPTIONS": {"MAX_ENTRIES": 100_000}},
    "shared": {"BACKEND": _REDIS, "LOCATION": CACHE_URL, "KEY_PREFIX": "shared"}
    if CACHE_URL
    else {"BACKEND": _SHARED_FILES, "LOCATION": str(VAR_DIR / "shared"), "OPTIONS": {"MAX_ENTRIES": 5_000}},
}
# Public pages, feeds and API answers for anonymous readers
# (config/response_cache.py): how long a proxy or CDN in front may keep one
# without asking again, and how much longer it may serve it while it asks.
# Browsers always ask again (max-age=0) and get a 304 when nothing changed.
RESPONSE_PROXY_SECONDS = env_int("AIKB_RESPONSE_PROXY_SECONDS", 10)
RESPONSE_STALE_SECONDS = env_int("AIKB_RESPONSE_STALE_SECONDS", 30)
# How long the web processes keep a rendered response (it is dropped at
# once, whatever this says, when the data changes).
RESPONSE_CACHE_SECONDS = env_int("AIKB_RESPONSE_CACHE_SECONDS", 600)
SPECTACULAR_SETTINGS = {
    "TITLE": "AI Incident Knowledge Base API",
    "DESCRIPTION": (
        "Structured, cited, re-testable facts about AI-safety incidents. Reading needs no account; "
        "writing needs a token (`Authorization: Bearer aikb_...`). Start with the "
        "[getting-started page](/api/docs/getting-started/).\n\n"
        "Besides each operation's own answers: 429 when a rate is exceeded (with `Retry-After`), 413 for a "
        "body over 1 MiB, 405 for a method an address does not take (TRACE included), and 414 from the web "
        "server for a request line over 8,190 bytes (ask for fewer filter values per request, or page)."
    ),
    "VERSION": "1.0.0",
    # The data's licence, stated once in incidents/licence.py (plain constants, no Django).
    "LICENSE": {"name": f"{LICENCE_NAME} (the text and data; quotations stay their authors')", "url": LICENCE_URL},
    # Swagger UI and Redoc from our own static files: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "IncidentKindEnum": "incidents.models.Incident.Kind",
        "IncidentStatusEnum": "incidents.models.Incident.Status",
        "ClaimStatusEnum": "incidents.models.Claim.Status",
        "SourceKindEnum": "incidents.models.Source.Kind",
        "OrganisationKindEnum": "incidents.models.Organisation.Kind",
        "DatePrecisionEnum": "incidents.models.DatePrecision",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.close_request_bodies",
        "api.schema.describe_parameters",
    ],
}

# HTTPS hardening. DJANGO_SECURE=true behind TLS in production turns on
# redirects, secure cookies and HSTS; the embedded set-up serves plain HTTP.
SECURE_DEPLOYMENT = env_bool("DJANGO_SECURE", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_DEPLOYMENT
SECURE_SSL_REDIRECT = SECURE_DEPLOYMENT and env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000) if SECURE_DEPLOYMENT else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = SECURE_DEPLOYMENT
if env_bool("DJANGO_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# /healthz answers the load balancer over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Editorial workflow and imports.
AIKB_IMPORT_MAX_BYTES = env_int("AIKB_IMPORT_MAX_BYTES", 50 * 1024 * 1024)
# JSONL batches are streamed: only each line is limited.
AIKB_IMPORT_MAX_LINE_BYTES = env_int("AIKB_IMPORT_MAX_LINE_BYTES", 5 * 1024 * 1024)
AIKB_SUBMISSION_MAX_BYTES = env_int("AIKB_SUBMISSION_MAX_BYTES", 10 * 1024 * 1024)
AIKB_SUBMISSIONS_PER_HOUR = env_int("AIKB_SUBMISSIONS_PER_HOUR", 5)
