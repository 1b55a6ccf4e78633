"""Settings of the Consultas Médicas API: everything that varies comes from the environment."""
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent


def env_flag(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "on", "true", "yes"}


def database_from_env() -> dict:
    """DATABASE_URL (postgresql://user:pw@host:port/db) or libpq's PG* variables."""
    url = os.environ.get("DATABASE_URL")
    if not url:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("PGDATABASE", "consultas"),
            "HOST": os.environ.get("PGHOST", ""),
            "PORT": os.environ.get("PGPORT", ""),
            "USER": os.environ.get("PGUSER", ""),
            "PASSWORD": os.environ.get("PGPASSWORD", ""),
        }
    parts = urlsplit(url)
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
    }


def release_sha() -> str:
    """GIT_SHA, else the commit stamped into REVISION by `git archive`, else "unknown"."""
    if os.environ.get("GIT_SHA"):
        return os.environ["GIT_SHA"]
    stamped = (BASE_DIR / "consultas" / "REVISION").read_text().strip()
    return "unknown" if stamped.startswith("$Format") else stamped


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "sandbox-insecure-secret-key")
DEBUG = env_flag("DEBUG", "off")
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "*").split(",") if h.strip()]
FEATURE_APPOINTMENTS = env_flag("FEATURE_APPOINTMENTS", "on")
GIT_SHA = release_sha()
APP_VERSION = (BASE_DIR / "VERSION").read_text().strip()

INSTALLED_APPS = ["professionals", "appointments"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "consultas.urls"
WSGI_APPLICATION = "consultas.wsgi.application"
DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "pt-br"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "consultas": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
