"""One paginator for every List* call: an opaque next token naming the first item of the next page.

App Runner spells the members ``NextToken``/``MaxResults``, ECS ``nextToken``/``maxResults``:
``Paging`` says which, and which error a bad token gets.
"""
from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass

from .errors import ApiError

DEFAULT_MAX_RESULTS = 20


@dataclass(frozen=True)
class Paging:
    token: str
    limit: str
    invalid: Callable[[str], ApiError]


def paginate(items: list, key, params: dict, list_name: str, paging: Paging) -> dict:
    """``{list_name: page, <token>: ...}`` for ``items`` (already in answer order)."""
    limit = params.get(paging.limit) or DEFAULT_MAX_RESULTS
    start = 0
    if params.get(paging.token):
        wanted = _decode(params[paging.token], paging)
        start = next((i for i, item in enumerate(items) if key(item) == wanted), None)
        if start is None:
            raise paging.invalid("The NextToken is invalid or has expired")
    page = items[start:start + limit]
    answer = {list_name: page}
    if start + limit < len(items):
        answer[paging.token] = base64.urlsafe_b64encode(key(items[start + limit]).encode()).decode()
    return answer


def _decode(token: str, paging: Paging) -> str:
    try:
        return base64.urlsafe_b64decode(token.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise paging.invalid("The NextToken is invalid or has expired") from None
