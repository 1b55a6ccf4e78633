"""GET /health/: what App Runner's health check and the rollback runbook look at."""
import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse

# Release 1.5.0: the start time v1.4.0 read from settings (where it was never defined).
STARTED_AT = time.time()


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any database failure makes the service unhealthy
        return f"error: {exc.__class__.__name__}"


def health(request):
    database = database_status()
    body = {"status": "ok" if database == "ok" else "error", "sha": settings.GIT_SHA,
            "version": settings.APP_VERSION, "database": database,
            "uptime_seconds": round(time.time() - STARTED_AT, 1)}
    return JsonResponse(body, status=200 if database == "ok" else 503)
