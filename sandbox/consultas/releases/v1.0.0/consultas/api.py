"""Small JSON helpers shared by the API views."""
import json
from functools import wraps

from django.conf import settings
from django.http import JsonResponse

MAX_LIMIT = 200


def page(request, queryset, serialize):
    """{"count", "results"} for ?limit=&offset= (limit capped at MAX_LIMIT)."""
    try:
        limit = min(int(request.GET.get("limit", 50)), MAX_LIMIT)
        offset = max(int(request.GET.get("offset", 0)), 0)
    except ValueError:
        return error(400, "limit and offset must be integers")
    rows = queryset[offset:offset + limit]
    return JsonResponse({"count": queryset.count(), "results": [serialize(row) for row in rows]})


def error(status: int, detail: str):
    return JsonResponse({"detail": detail}, status=status)


def json_body(request) -> dict:
    data = json.loads(request.body or b"{}")
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def feature_flag(name: str):
    """Answer 503 while settings.<name> is off."""
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not getattr(settings, name):
                return error(503, f"{name.lower()} is off")
            return view(request, *args, **kwargs)
        return wrapper
    return decorator
