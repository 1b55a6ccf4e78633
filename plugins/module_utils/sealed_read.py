# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A service read carried sealed from one module run to the next of the same playbook run.

DescribeService's answer holds the service's plain environment values, which must never be shown,
so it cannot travel through Ansible variables as it is. ``seal`` encrypts it with a per-run key
(AES-256-GCM, authenticated; the key is the role's random ``no_log`` fact, never written anywhere)
and binds the service ARN and the time of the read to it as associated data; ``unseal`` gives it
back only for that service, with that key, unchanged and fresh (``MAX_AGE``), else None and why, so
that the caller reads the service again. Nothing here fails a run: without ``cryptography`` (an
ansible-core dependency) nothing is sealed and the reader describes again.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import time
from datetime import datetime

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:  # pragma: no cover - exercised only without cryptography
    AESGCM = None
    InvalidTag = ValueError

FORMAT = "lacrei-sealed-read-v1"
# How old (seconds) a sealed read may be to serve a read-modify-write; older, the service is
# described again (a backup or a migration between the read and the write takes longer, and a
# read-modify-write from a stale read could undo someone's change).
MAX_AGE = 120
# The shortest key accepted (the role's is 43 letters and digits, about 256 bits).
MIN_KEY_LENGTH = 32
NONCE_BYTES = 12


def available() -> bool:
    return AESGCM is not None


def key_problem(key: str | None) -> str | None:
    """Why ``key`` cannot seal (None when it can, or when no key is given)."""
    if key is not None and len(key) < MIN_KEY_LENGTH:
        return (f"seal_key must be at least {MIN_KEY_LENGTH} random characters (got {len(key)}); pass the "
                "app_rollback role's per-run key, or leave seal_key out to read the service again")
    return None


def _aead(key: str):
    return AESGCM(hashlib.sha256(f"{FORMAT}\0{key}".encode()).digest())


def _associated_data(service_arn: str, read_at: str) -> bytes:
    return f"{FORMAT}\n{service_arn}\n{read_at}".encode()


def _encode(value):
    if isinstance(value, datetime):
        return {"__datetime__": value.isoformat()}
    raise TypeError(f"cannot seal a {type(value).__name__}")


def _decode(obj: dict):
    if set(obj) == {"__datetime__"}:
        return datetime.fromisoformat(obj["__datetime__"])
    return obj


def seal(key: str | None, service: dict, read_at: float) -> str | None:
    """``service`` (DescribeService's ``Service``, read at ``read_at``, epoch seconds) sealed for
    ``service["ServiceArn"]``: ``<FORMAT>:<read_at>:<base64url(nonce + ciphertext)>``. None without a
    key or without ``cryptography``."""
    if not key or not available():
        return None
    stamp = f"{read_at:.3f}"
    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps(service, default=_encode, separators=(",", ":")).encode()
    sealed = _aead(key).encrypt(nonce, plain, _associated_data(service["ServiceArn"], stamp))
    return f"{FORMAT}:{stamp}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def unseal(key: str | None, sealed: str | None, service_arn: str, now: float | None = None,
           max_age: float = MAX_AGE) -> tuple[dict | None, str | None]:
    """(the service read, None) when ``sealed`` opens with ``key`` for ``service_arn`` and was read at
    most ``max_age`` seconds before ``now``; else (None, why not). Never raises for a bad seal."""
    if not sealed or not key:
        return None, None
    if not available():
        return None, "the Python library cryptography is not installed here"
    try:
        form, stamp, body = sealed.split(":")
        read_at = float(stamp)
        blob = base64.urlsafe_b64decode(body.encode())
    except (ValueError, binascii.Error):
        return None, "it is not a sealed read"
    if form != FORMAT or len(blob) <= NONCE_BYTES:
        return None, "it is not a sealed read"
    age = (time.time() if now is None else now) - read_at
    if age > max_age:
        return None, f"it is {age:.0f}s old (a sealed read serves for {max_age:g}s)"
    if age < -1:
        return None, "it claims to be read in the future"
    try:
        plain = _aead(key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _associated_data(service_arn, stamp))
    except InvalidTag:
        return None, f"it does not open with this run's key for {service_arn} (another service's, another run's, or altered)"
    service = json.loads(plain, object_hook=_decode)
    if service.get("ServiceArn") != service_arn:  # pragma: no cover - the associated data already binds it
        return None, f"it holds another service than {service_arn}"
    return service, None
