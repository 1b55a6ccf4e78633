"""Bounded, low-rate loopback traffic against a service URL, for demos and drills.

``python -m sandbox.live.traffic --url http://127.0.0.1:PORT --rate 5 --seconds 10
[--paths /health/,/api/professionals/,/api/appointments/]`` sends ``rate`` requests per second
(paths in turn) for ``seconds`` seconds, then prints a JSON summary: counts per path and status
(``"error"`` when no answer came). Only loopback URLs are accepted; rate and duration are capped.
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import socket
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import urlsplit

DEFAULT_PATHS = "/health/,/api/professionals/,/api/appointments/"
MAX_RATE = 50.0
MAX_SECONDS = 3600.0


def require_loopback(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL")
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, None)}
    except socket.gaierror as err:
        raise ValueError(f"cannot resolve {parts.hostname}: {err}") from None
    if not all(ipaddress.ip_address(addr.split("%")[0]).is_loopback for addr in addresses):
        raise ValueError(f"refusing {url}: traffic goes to loopback addresses only")


def run(url: str, rate: float, seconds: float, paths: list[str], timeout: float = 5.0) -> dict:
    """Send the traffic; returns {"requests", "by_status": {status: n}, "by_path": {path: {status: n}}}."""
    require_loopback(url)
    if not 0 < rate <= MAX_RATE or not 0 < seconds <= MAX_SECONDS:
        raise ValueError(f"rate must be in (0, {MAX_RATE:g}] and seconds in (0, {MAX_SECONDS:g}]")
    base = url.rstrip("/")
    total = max(1, int(rate * seconds))
    by_path: dict[str, Counter] = {path: Counter() for path in paths}
    started = time.monotonic()
    for index in range(total):
        time.sleep(max(0.0, started + index / rate - time.monotonic()))
        path = paths[index % len(paths)]
        by_path[path][_status(base + path, timeout)] += 1
    by_status = sum(by_path.values(), Counter())
    return {"requests": total, "seconds": round(time.monotonic() - started, 2),
            "by_status": dict(sorted(by_status.items())),
            "by_path": {path: dict(sorted(counts.items())) for path, counts in by_path.items()}}


def _status(url: str, timeout: float) -> str:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - loopback only
            answer.read()
            return str(answer.status)
    except urllib.error.HTTPError as err:
        err.read()
        return str(err.code)
    except (OSError, urllib.error.URLError):
        return "error"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox.live.traffic", description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the service URL (loopback only)")
    parser.add_argument("--rate", type=float, default=2.0, help=f"requests per second (max {MAX_RATE:g})")
    parser.add_argument("--seconds", type=float, default=10.0, help=f"duration (max {MAX_SECONDS:g})")
    parser.add_argument("--paths", default=DEFAULT_PATHS, help="comma-separated paths, used in turn")
    args = parser.parse_args(argv)
    paths = [path if path.startswith("/") else "/" + path for path in args.paths.split(",") if path]
    try:
        summary = run(args.url, args.rate, args.seconds, paths)
    except ValueError as err:
        parser.error(str(err))
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
