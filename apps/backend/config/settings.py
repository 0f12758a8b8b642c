"""Django settings, read from the environment only.

One module for laptop and cluster: the differences are environment variables
(see the configuration table in README.md).
"""

from pathlib import Path

import environ

from config.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# Empty is allowed here so that `collectstatic` runs during the S2I build;
# config/asgi.py refuses to serve without a key when DEBUG is off.
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY",
    default="django-insecure-local-development-only" if DEBUG else "",
)

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# The chat API answers a refused CSRF check in JSON; the admin keeps its page.
CSRF_FAILURE_VIEW = "chat.api.csrf_failure"

INSTALLED_APPS = [
    "config.apps.ChatAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "servestatic",
    "corsheaders",
    "chat",
]

MIDDLEWARE = [
    "chat.middleware.RequestIdMiddleware",
    "chat.middleware.ContentSecurityPolicyMiddleware",
    "chat.middleware.InlineSecurityMiddleware",
    # Above ServeStatic and CommonMiddleware, so that static files and the 400
    # for a disallowed Host are framed-denied too.
    "chat.middleware.InlineXFrameOptionsMiddleware",
    # ServeStatic, not WhiteNoise: WhiteNoise's middleware is sync-only, and
    # one sync middleware turns every request into an async -> sync -> async
    # sandwich of thread hops, which deadlocked under load (asgiref's
    # thread-sensitive executor waiting on itself).
    "chat.middleware.StaticFilesMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "chat.middleware.AdminSessionMiddleware",
    "chat.middleware.InlineCommonMiddleware",
    "chat.middleware.AdminCsrfViewMiddleware",
    "chat.middleware.AdminAuthenticationMiddleware",
    "chat.middleware.AdminMessageMiddleware",
    "chat.middleware.AdminProxySignInMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Many concurrent chats write at once: wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Fail fast while the database is away: readiness answers 503 in time.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5

# The API's queries run on threads whose connections stay open between
# requests (chat/database.py): a connection each, per worker process;
# ?conn_max_age= in DATABASE_URL overrides. SQLite writes one at a time.
DATABASES["default"].setdefault("CONN_MAX_AGE", 600)
DATABASE_THREADS = (
    1
    if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
    else env.int("DATABASE_THREADS", default=4)
)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.str("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "staticfiles": {
        "BACKEND": "servestatic.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
SERVESTATIC_USE_FINDERS = DEBUG
# Files with a hash in their name are cached for good; the rest, index.html
# included, are revalidated on every load.
SERVESTATIC_MAX_AGE = 0

# The built React app (apps/frontend/dist), served at / in a local run. In the
# cluster nginx serves it and this stays unset.
FRONTEND_DIR = env.str("DJANGO_FRONTEND_DIR", default="")
if FRONTEND_DIR:
    SERVESTATIC_ROOT = FRONTEND_DIR
    SERVESTATIC_INDEX_FILE = True
    # Vite puts a content hash in every file name under assets/.
    SERVESTATIC_IMMUTABLE_FILE_TEST = r"^/assets/"

# Behind the OpenShift Route, TLS ends at the router, which sets
# X-Forwarded-Proto; trust it only when told that such a proxy is in front.
if env.bool("DJANGO_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000

# The same policy as nginx's in the cluster (apps/frontend/nginx), which a
# test keeps equal: scripts, styles and fonts from files of this origin only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# How many proxies in front append to X-Forwarded-For: 2 in the cluster
# (router, nginx), 0 when clients connect directly.
TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)
# Counted in the database, which every replica shares (chat/window_counters.py):
# a limit holds for the whole app, not per pod.
CHAT_RATE_LIMIT = env.str("CHAT_RATE_LIMIT", default="30/m")
ADMIN_LOGIN_RATE_LIMIT = env.str("ADMIN_LOGIN_RATE_LIMIT", default="5/m")

# Sign-in through OpenShift's oauth-proxy (README: "Signing in"). nginx adds
# the proxy secret beside the user name; without the secret, X-Chat-User is
# ignored.
CHAT_PROXY_SECRET = env.str("CHAT_PROXY_SECRET", default="")
CHAT_REQUIRE_USER = env.bool("CHAT_REQUIRE_USER", default=False)
# "<verb> <resource>[.<group>]" that a signed-in user needs for the admin.
CHAT_ADMIN_ACCESS = env.str("CHAT_ADMIN_ACCESS", default="update deployments.apps")
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
CHAT_ADMIN_NAMESPACE = env.str(
    "CHAT_ADMIN_NAMESPACE",
    default=(SERVICE_ACCOUNT_DIR / "namespace").read_text().strip()
    if (SERVICE_ACCOUNT_DIR / "namespace").is_file()
    else "",
)
CHAT_KUBE_API_URL = env.str(
    "CHAT_KUBE_API_URL", default="https://kubernetes.default.svc"
)
CHAT_KUBE_CA_FILE = env.str(
    "CHAT_KUBE_CA_FILE", default=str(SERVICE_ACCOUNT_DIR / "ca.crt")
)
# Per owner, counted in the database so that every replica agrees; 0 and ""
# mean no limit.
CHAT_USER_DAILY_TOKENS = env.int("CHAT_USER_DAILY_TOKENS", default=0)
CHAT_USER_RATE_LIMIT = env.str("CHAT_USER_RATE_LIMIT", default="")

CORS_ALLOWED_ORIGINS = env.list("DJANGO_CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_ALL_ORIGINS = False

# Bodies above this are refused before they are parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DJANGO_MAX_BODY_BYTES", default=256 * 1024)

LLM_API_BASE = env.str("LLM_API_BASE", default="")
# Without LLM_API_BASE, answer with LiteLLM's canned mock reply instead of a 500:
# for trying the app out (tox -e dev), never in the cluster.
LLM_DEMO = env.bool("LLM_DEMO", default=False)
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="hosted_vllm/demo-model")
LLM_TIMEOUT = env.float("LLM_TIMEOUT", default=60.0)
LLM_MAX_TOKENS = env.int("LLM_MAX_TOKENS", default=1024)
LLM_MAX_MESSAGE_CHARS = env.int("LLM_MAX_MESSAGE_CHARS", default=16000)
LLM_HISTORY_CHARS = env.int("LLM_HISTORY_CHARS", default=48000)

BUILD_INFO = {
    key: value
    for key, value in {
        "name": env.str("OPENSHIFT_BUILD_NAME", default=""),
        "commit": env.str("OPENSHIFT_BUILD_COMMIT", default=""),
        "source": env.str("OPENSHIFT_BUILD_SOURCE", default=""),
    }.items()
    if value
}

LOGGING = logging_config(level=env.str("DJANGO_LOG_LEVEL", "INFO"))
