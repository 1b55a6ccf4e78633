"""App Runner's health check, run against a freshly started instance (a local port).

``HealthCheckConfiguration``: ``Protocol`` ``HTTP`` (GET ``Path``, healthy on a 2xx answer) or
``TCP`` (the port accepts a connection); ``Timeout`` per check; ``HealthyThreshold`` successes
in a row make it healthy, ``UnhealthyThreshold`` failures in a row unhealthy. To keep the sandbox
quick, checks start as soon as the port listens and repeat every ``min(Interval, fast_interval)``
seconds, and the whole check gives up after ``startup_timeout`` seconds.
"""
from __future__ import annotations

import http.client
import socket
import time
from dataclasses import dataclass

from sandbox import procs


@dataclass(frozen=True)
class HealthResult:
    ok: bool
    target: str   # "path [/health/]" or "port [8080]", as the service events word it
    detail: str   # "HTTP 500", "connection refused", "process exited with code 3" ...

    @property
    def summary(self) -> str:
        what = self.target.replace("[", "").replace("]", "")
        return f"health check on {what.removeprefix('path ')} {'succeeded' if self.ok else 'failed'}: {self.detail}"


def target(config: dict, port: int | str) -> str:
    if config.get("Protocol", "TCP") == "HTTP":
        return f"path [{config.get('Path') or '/'}]"
    return f"port [{port}]"


def check_once(config: dict, port: int) -> tuple[bool, str]:
    timeout = float(config.get("Timeout") or 2)
    if config.get("Protocol", "TCP") != "HTTP":
        try:
            socket.create_connection(("127.0.0.1", port), timeout=timeout).close()
            return True, "port accepts connections"
        except OSError as err:
            return False, _describe(err)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", config.get("Path") or "/", headers={"User-Agent": "AppRunner-HealthCheck"})
        status = conn.getresponse().status
    except (OSError, http.client.HTTPException) as err:
        return False, _describe(err)
    finally:
        conn.close()
    return 200 <= status < 300, f"HTTP {status}"


def wait_healthy(config: dict, port: int, pid: int, *, image_port: str,
                 startup_timeout: float = 20.0, fast_interval: float = 0.2) -> HealthResult:
    """Wait for ``port`` to listen (``pid`` alive), then check until a threshold is reached."""
    where = target(config, image_port)
    deadline = time.monotonic() + startup_timeout
    try:
        procs.wait_for_port(port, timeout=startup_timeout, pid=pid)
    except (RuntimeError, TimeoutError) as err:
        return HealthResult(False, where, "process exited before listening" if isinstance(err, RuntimeError)
                            else f"nothing listened within {startup_timeout:g}s")
    interval = min(float(config.get("Interval") or 5), fast_interval)
    needed_ok, needed_bad = int(config.get("HealthyThreshold") or 1), int(config.get("UnhealthyThreshold") or 5)
    good = bad = 0
    detail = "no check ran"
    while time.monotonic() < deadline:
        ok, detail = check_once(config, port)
        good, bad = (good + 1, 0) if ok else (0, bad + 1)
        if good >= needed_ok:
            return HealthResult(True, where, detail)
        if bad >= needed_bad:
            return HealthResult(False, where, detail)
        if not procs.pid_alive(pid):
            return HealthResult(False, where, "process exited")
        time.sleep(interval)
    return HealthResult(False, where, f"{detail} (still unhealthy after {startup_timeout:g}s)")


def _describe(err: BaseException) -> str:
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, (socket.timeout, TimeoutError)):
        return "timed out"
    return f"{type(err).__name__}: {err}"
