"""One paginator for every List* call: opaque NextToken naming the first item of the next page."""
from __future__ import annotations

import base64
import binascii

from .errors import invalid_request

DEFAULT_MAX_RESULTS = 20


def paginate(items: list, key, params: dict, list_name: str) -> dict:
    """``{list_name: page, "NextToken": ...}`` for ``items`` (already in answer order)."""
    limit = params.get("MaxResults") or DEFAULT_MAX_RESULTS
    start = 0
    if params.get("NextToken"):
        wanted = _decode(params["NextToken"])
        start = next((i for i, item in enumerate(items) if key(item) == wanted), None)
        if start is None:
            raise invalid_request("The NextToken is invalid or has expired")
    page = items[start:start + limit]
    answer = {list_name: page}
    if start + limit < len(items):
        answer["NextToken"] = base64.urlsafe_b64encode(key(items[start + limit]).encode()).decode()
    return answer


def _decode(token: str) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_request("The NextToken is invalid or has expired") from None
