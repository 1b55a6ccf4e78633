# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one HTTP request of the collection's modules (http_check's probes, http_send's calls)."""
from __future__ import annotations

from urllib.error import HTTPError

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.urls import open_url


def request(url: str, timeout: float, validate_certs: bool, method: str = "GET", data: bytes | None = None,
            headers: dict | None = None) -> tuple:
    """(status or None, body text, reason) of one request; reason says why no answer came (refused,
    timed out, TLS, DNS), never raised."""
    try:
        response = open_url(url, method=method, data=data, headers=headers, timeout=timeout,
                            validate_certs=validate_certs, follow_redirects="safe")
        return response.getcode(), to_text(response.read(), errors="surrogate_or_replace"), None
    except HTTPError as exc:
        return exc.code, to_text(exc.read() or b"", errors="surrogate_or_replace"), None
    except Exception as exc:  # noqa: BLE001 - connection refused, timeout, TLS, DNS: all "no answer"
        return None, "", to_text(getattr(exc, "reason", None) or exc)
