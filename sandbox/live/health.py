"""App Runner's health check, run against a freshly started instance (a local port).

``HealthCheckConfiguration``: ``Protocol`` ``HTTP`` (GET ``Path``, healthy on a 2xx answer) or
``TCP`` (the port accepts a connection); ``Timeout`` per check; ``HealthyThreshold`` successes
in a row make it healthy, ``UnhealthyThreshold`` failures in a row unhealthy. To keep the sandbox
quick, checks start as soon as the port listens and repeat every ``min(Interval, fast_interval)``
seconds, and the whole check gives up after ``startup_timeout`` seconds.

Under load: on AWS an instance starts on hardware of its own; here every instance shares the
machine's CPUs with the others starting at once (a fleet rollback starts ten) and with whatever
else runs. So the sandbox tells "not ready yet" from "unhealthy": a check that got no answer
(timed out, refused, reset) is not counted against ``UnhealthyThreshold`` until the instance has
answered once; the instance has ``startup_timeout`` to do so. ``load`` (how many instances start
at once) multiplies both the per-check ``Timeout`` and ``startup_timeout``. An instance that
answers, but wrongly (HTTP 500: release v1.4.0), fails after ``UnhealthyThreshold`` answers, as
promptly as before; one whose process exits fails at once.
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


def check_once(config: dict, port: int, load: int = 1) -> tuple[bool | None, str]:
    """(True healthy / False answered unhealthily / None no answer, detail) of one check."""
    timeout = float(config.get("Timeout") or 2) * max(1, load)
    if config.get("Protocol", "TCP") != "HTTP":
        try:
            socket.create_connection(("127.0.0.1", port), timeout=timeout).close()
            return True, "port accepts connections"
        except OSError as err:
            return None, _describe(err)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", config.get("Path") or "/", headers={"User-Agent": "AppRunner-HealthCheck"})
        status = conn.getresponse().status
    except (OSError, http.client.HTTPException) as err:
        return None, _describe(err)
    finally:
        conn.close()
    return 200 <= status < 300, f"HTTP {status}"


def wait_healthy(config: dict, port: int, pid: int, *, image_port: str, startup_timeout: float = 60.0,
                 fast_interval: float = 0.2, load: int = 1) -> HealthResult:
    """Wait for ``port`` to listen (``pid`` alive), then check until a threshold is reached.

    ``load``: instances starting at once on this machine (this one included); it scales the
    per-check timeout and ``startup_timeout``.
    """
    where = target(config, image_port)
    budget = startup_timeout * max(1, load)
    deadline = time.monotonic() + budget
    try:
        procs.wait_for_port(port, timeout=budget, pid=pid)
    except procs.PortTaken as err:
        return HealthResult(False, where, str(err))
    except (RuntimeError, TimeoutError) as err:
        return HealthResult(False, where, "process exited before listening" if isinstance(err, RuntimeError)
                            else f"nothing listened within {budget:g}s")
    interval = min(float(config.get("Interval") or 5), fast_interval)
    needed_ok, needed_bad = int(config.get("HealthyThreshold") or 1), int(config.get("UnhealthyThreshold") or 5)
    good = bad = 0
    answered = False
    detail = "no check ran"
    while time.monotonic() < deadline:
        ok, detail = check_once(config, port, load)
        answered = answered or ok is not None
        if ok:
            good, bad = good + 1, 0
        elif ok is False or answered:  # no answer counts only once the instance has answered
            good, bad = 0, bad + 1
        if good >= needed_ok:
            return HealthResult(True, where, detail)
        if bad >= needed_bad:
            return HealthResult(False, where, detail)
        if not procs.pid_alive(pid):
            return HealthResult(False, where, "process exited")
        time.sleep(interval)
    state = "still unhealthy" if answered else "no answer yet"
    return HealthResult(False, where, f"{detail} ({state} after {budget:g}s)")


def _describe(err: BaseException) -> str:
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, (socket.timeout, TimeoutError)):
        return "timed out"
    return f"{type(err).__name__}: {err}"
