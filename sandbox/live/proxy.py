"""The service URL: a loopback reverse proxy per service, on the same port for the sandbox's life.

Choice: the proxy is its own process (``python -m sandbox.live.proxy``), registered with
``sandbox.procs`` as ``proxy-<service-id>``, so the URL keeps answering while the emulator
restarts; its port is chosen once and kept in ``<state>/live/services/<id>/proxy.json``, so a
proxy started again (after ``sandbox down``, a pause, a crash) listens on the same port.

Switching: it forwards every request to the backend named in ``backend.json`` beside it
(``{"port", "pid", "name", "sha", "identifier", "instance"}``), which the runtime replaces
atomically (write + rename); the proxy re-reads it when the file changes, and retries once on
a refused connection if it changed meanwhile. No backend file: 503. Backend not answering: 502.

It also records every request and, with the backend's process group, feeds ``telemetry.py``
(metrics every ``--flush-seconds``, application logs).
"""
from __future__ import annotations

import argparse
import http.client
import json
import logging
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sandbox import procs

from . import telemetry
from .files import read_json, service_dir, write_json

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailers", "transfer-encoding", "upgrade", "content-length"}
BACKEND_TIMEOUT = 60.0
LOG = logging.getLogger("sandbox.live.proxy")


def proc_name(service_id: str) -> str:
    return f"proxy-{service_id}"


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


# -- started by the runtime ------------------------------------------------------------------
def ensure(state: Path, service: dict, flush_seconds: float) -> int:
    """The service's proxy port; starts the proxy (on its kept port) unless it already runs."""
    sid = service["ServiceId"]
    folder = service_dir(state, sid)
    saved = read_json(folder / "proxy.json") or {}
    port = saved.get("port")
    pid = procs.read_pid(proc_name(sid), state)
    if port and pid and procs.port_open(port) and procs.serves(port, pid) is not False:
        return port
    procs.stop(proc_name(sid), state)

    def argv(at: int) -> list[str]:
        args = [sys.executable, "-m", "sandbox.live.proxy", "--port", str(at), "--service-dir", str(folder),
                "--service-name", service["ServiceName"], "--service-id", sid,
                "--log-dir", str(procs.log_dir(state)), "--flush-seconds", str(flush_seconds)]
        if service.get("Telemetry"):  # an ECS service (sandbox.ecs.view): ECS's metrics and log group
            args += ["--telemetry", json.dumps(service["Telemetry"], sort_keys=True)]
        return args

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(procs.REPO_ROOT),
                                                                      os.environ.get("PYTHONPATH")]))}
    # The service URL keeps its port once chosen: another process holding it fails the start (PortTaken).
    port, _ = procs.spawn_server(proc_name(sid), argv, env=env, cwd=procs.REPO_ROOT, state=state, timeout=20,
                                 first_port=port, attempts=1 if port else 3)
    write_json(folder / "proxy.json", {"port": port})
    return port


# -- the proxy process ------------------------------------------------------------------------
class Backend:
    """The current ``backend.json``, re-read when the file is replaced."""

    def __init__(self, path: Path):
        self.path = path
        self.lock = threading.Lock()
        self.key: tuple | None = None
        self.value: dict | None = None

    def current(self) -> dict | None:
        try:
            stat = os.stat(self.path)
            key = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        except OSError:
            key = None
        with self.lock:
            if key != self.key:
                self.key, self.value = key, (read_json(self.path) if key else None)
            return self.value


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AppRunnerSandboxProxy/1"
    backend: Backend
    stats: telemetry.RequestStats

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._proxy()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET  # noqa: N815

    def _proxy(self) -> None:
        arrived, started = time.time(), time.monotonic()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers, data = self._forward(body)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.stats.record(status, (time.monotonic() - started) * 1000, arrived)

    def _forward(self, body: bytes) -> tuple[int, list, bytes]:
        backend = self.backend.current()
        for attempt in (1, 2):
            if not backend or not backend.get("port"):
                return _plain(503, "no instance is serving this service")
            try:
                return self._send(backend["port"], body)
            except ConnectionRefusedError:
                fresh = self.backend.current()
                if attempt == 2 or fresh == backend:
                    break
                backend = fresh
            except (OSError, http.client.HTTPException) as err:
                return _plain(502, f"the instance did not answer: {type(err).__name__}")
        return _plain(502, "the instance refused the connection")

    def _send(self, port: int, body: bytes) -> tuple[int, list, bytes]:
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = self.client_address[0]
        headers["X-Forwarded-Proto"] = "http"
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=BACKEND_TIMEOUT)
        try:
            conn.request(self.command, self.path, body=body or None, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
        finally:
            conn.close()
        kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
        return answer.status, kept, data

    def log_message(self, fmt: str, *args) -> None:  # requests are metrics, not log lines
        return None


def _plain(status: int, message: str) -> tuple[int, list, bytes]:
    return status, [("Content-Type", "application/json")], json.dumps({"message": message}).encode()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m sandbox.live.proxy", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--service-dir", type=Path, required=True)
    parser.add_argument("--service-name", required=True)
    parser.add_argument("--service-id", required=True)
    parser.add_argument("--log-dir", type=Path, required=True)
    parser.add_argument("--flush-seconds", type=float, default=5.0)
    parser.add_argument("--telemetry", type=json.loads, default=None,
                        help="JSON: an ECS service's metric dimensions and log group (sandbox.ecs.view)")
    return parser.parse_args(argv)


def build_flush(args: argparse.Namespace, backend: Backend, stats: telemetry.RequestStats):
    offsets = args.service_dir / "log-offsets.json"
    if args.telemetry:
        ecs = args.telemetry
        metrics = telemetry.EcsMetricsPublisher(ecs)
        shipper = telemetry.AppLogShipper(args.service_name, args.service_id, args.log_dir, offsets,
                                          group=ecs["log_group"],
                                          stream_prefix=f"{ecs['log_stream_prefix']}/{ecs['container']}")
    else:
        metrics = telemetry.MetricsPublisher(args.service_name, args.service_id)
        shipper = telemetry.AppLogShipper(args.service_name, args.service_id, args.log_dir, offsets)
    usage = telemetry.ProcessUsage()

    def flush() -> None:
        current = backend.current() or {}
        sample = None
        if current.get("pid"):
            vcpus, memory_mb = telemetry.instance_size(current.get("instance"))
            sample = usage.sample(current["pid"], vcpus, memory_mb)
        metrics.publish(stats.drain(), sample)
        shipper.ship()

    return flush


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    backend, stats = Backend(args.service_dir / "backend.json"), telemetry.RequestStats()
    handler = type("Handler", (ProxyHandler,), {"backend": backend, "stats": stats})
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    server.daemon_threads = True
    flusher = telemetry.Flusher(args.flush_seconds, build_flush(args, backend, stats))
    flusher.start()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    LOG.info("service URL %s for %s (%s)", url(args.port), args.service_name, args.service_id)
    try:
        server.serve_forever()
    finally:
        server.server_close()
        flusher.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
