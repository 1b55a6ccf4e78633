"""What App Runner reports about a service, reproduced by the live sandbox in (moto's) CloudWatch.

Metrics, namespace ``AWS/AppRunner``, dimensions ``ServiceName`` and ``ServiceID``, published by
the service's proxy (``proxy.py``) with ``put_metric_data`` every flush interval (default 5 s,
``--flush-seconds`` / ``$SANDBOX_LIVE_FLUSH_SECONDS``), zeros included:

=====================  ============  ==========================================================
metric                 unit          value per flush
=====================  ============  ==========================================================
Requests               Count         requests answered by the service URL, per second they
                                     arrived in (the datapoint's Timestamp; 0 at the flush
                                     when none arrived)
2xxStatusResponses     Count         ... with a 2xx status (also 4xx, 5xx: same naming)
RequestLatency         Milliseconds  StatisticValues (SampleCount, Sum, Minimum, Maximum)
                                     over those requests; only when there were some
CPUUtilization         Percent       CPU time of the instance's processes (gunicorn master +
                                     workers) over the interval / the instance's vCPUs
MemoryUtilization      Percent       their resident memory / the instance's memory
ActiveInstances        Count         1 while a backend process is alive, else 0
=====================  ============  ==========================================================

The proxy answers 502 when the backend does not answer and 503 when there is none; those count.
A request is counted in the second it arrived, as CloudWatch places App Runner's requests in the
period they happened in: a flush a busy machine delays publishes late, not into a later period
(the monitor subtracts its own probes from each period's requests by the time it sent them).
CPU, memory and instances are the flush's sample, stamped when published.

Logs: the app's stdout/stderr (``<state>/logs/app-<service-id>-*.log``) is shipped by the
proxy to ``/aws/apprunner/<ServiceName>/<ServiceId>/application``, one stream per instance
(``instance/app-<service-id>-<sha7>-<n>``); deployment events go to
``/aws/apprunner/<ServiceName>/<ServiceId>/service`` (stream ``events``), worded as in
``events.py``.

An ECS service's proxy (started with ``--telemetry``, from ``sandbox.ecs.view``) publishes
instead what ECS and its load balancer report (``EcsMetricsPublisher``) and ships the app's
output to the container's ``awslogs`` group, streams ``<prefix>/<container>/<instance>``.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import boto3
from botocore.config import Config

LOG = logging.getLogger(__name__)
NAMESPACE = "AWS/AppRunner"
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
MAX_EVENTS = 1000
MAX_DATUMS = 1000  # PutMetricData's limit per call


def log_group(service_name: str, service_id: str, kind: str) -> str:
    """``kind`` is ``application`` or ``service``."""
    return f"/aws/apprunner/{service_name}/{service_id}/{kind}"


CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 2, "mode": "standard"})


def region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def client(service: str, env_suffix: str):
    """A boto3 client, or None when no sandbox endpoint is configured for it (never real AWS)."""
    if not (os.environ.get(f"AWS_ENDPOINT_URL_{env_suffix}") or os.environ.get("AWS_ENDPOINT_URL")):
        return None
    return boto3.client(service, region_name=region(), config=CLIENT_CONFIG)


class LogWriter:
    """Appends lines to CloudWatch Logs streams, creating group and stream on first use."""

    def __init__(self, group: str):
        self.group = group
        self.client = client("logs", "CLOUDWATCH_LOGS")
        self.ready: set[str] = set()

    def put(self, stream: str, lines: list[str]) -> None:
        if not lines or self.client is None:
            return
        self._ensure(stream)
        now = int(time.time() * 1000)
        for start in range(0, len(lines), MAX_EVENTS):
            events = [{"timestamp": now, "message": line} for line in lines[start:start + MAX_EVENTS]]
            self.client.put_log_events(logGroupName=self.group, logStreamName=stream, logEvents=events)

    def _ensure(self, stream: str) -> None:
        if stream in self.ready:
            return
        for create, kwargs in ((self.client.create_log_group, {}), (self.client.create_log_stream,
                                                                    {"logStreamName": stream})):
            try:
                create(logGroupName=self.group, **kwargs)
            except self.client.exceptions.ResourceAlreadyExistsException:
                pass
        self.ready.add(stream)


Requests = list  # [(second, {"2xxStatusResponses": n, ...}, [latency ms, ...]), ...], oldest first


@dataclass
class RequestStats:
    """Requests seen by the proxy since the last drain, by the second they arrived in (thread-safe)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    seconds: dict = field(default_factory=dict)  # second -> (counts, latencies)

    def record(self, status: int, latency_ms: float, arrived: float | None = None) -> None:
        """One answered request; ``arrived``: its arrival (epoch seconds), else now less its latency."""
        second = int(time.time() - latency_ms / 1000.0 if arrived is None else arrived)
        key = f"{status // 100}xxStatusResponses"
        with self.lock:
            counts, latencies = self.seconds.setdefault(second, ({}, []))
            counts[key] = counts.get(key, 0) + 1
            latencies.append(latency_ms)

    def drain(self) -> Requests:
        with self.lock:
            seconds, self.seconds = self.seconds, {}
        return [(second, *seconds[second]) for second in sorted(seconds)]


def _stamped(requests: Requests, datums) -> list[dict]:
    """``datums(counts, latencies)`` for each second's requests, stamped with that second; with no
    request since the last flush, the zeros, stamped by CloudWatch when they arrive."""
    if not requests:
        return datums({}, [])
    return [{**datum, "Timestamp": datetime.fromtimestamp(second, timezone.utc)}
            for second, counts, latencies in requests for datum in datums(counts, latencies)]


def _put(client, namespace: str, data: list[dict]) -> None:
    for start in range(0, len(data), MAX_DATUMS):
        client.put_metric_data(Namespace=namespace, MetricData=data[start:start + MAX_DATUMS])


class ProcessUsage:
    """CPU and memory of a process group (gunicorn master + workers) from /proc."""

    def __init__(self):
        self.last: tuple[int, float, int] | None = None  # (pgid, monotonic, ticks)

    def sample(self, pgid: int, vcpus: float, memory_mb: float) -> dict[str, float] | None:
        ticks, rss = _group_usage(pgid)
        if ticks is None:
            self.last = None
            return None
        now = time.monotonic()
        usage = {"MemoryUtilization": round(100.0 * rss / (memory_mb * 1024 * 1024), 3)}
        if self.last and self.last[0] == pgid and now > self.last[1]:
            cpu_seconds = (ticks - self.last[2]) / CLK_TCK
            usage["CPUUtilization"] = round(max(0.0, 100.0 * cpu_seconds / (now - self.last[1]) / vcpus), 3)
        self.last = (pgid, now, ticks)
        return usage


def _group_usage(pgid: int) -> tuple[int | None, int]:
    ticks, rss, found = 0, 0, False
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid or fields[0] == "Z":
                continue
            with open(f"/proc/{entry.name}/statm", encoding="ascii") as handle:
                rss += int(handle.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
        ticks += int(fields[11]) + int(fields[12])
        found = True
    return (ticks if found else None), rss


def instance_size(instance: dict | None) -> tuple[float, float]:
    """(vCPUs, memory MB) of an InstanceConfiguration (``1024``/``1 vCPU``, ``2048``/``2 GB``)."""
    instance = instance or {}
    cpu, memory = str(instance.get("Cpu") or "1024"), str(instance.get("Memory") or "2048")
    vcpus = float(cpu.split()[0]) if "vcpu" in cpu.lower() else float(cpu) / 1024
    memory_mb = float(memory.split()[0]) * 1024 if "gb" in memory.lower() else float(memory)
    return vcpus, memory_mb


class MetricsPublisher:
    def __init__(self, service_name: str, service_id: str):
        self.dimensions = [{"Name": "ServiceName", "Value": service_name},
                           {"Name": "ServiceID", "Value": service_id}]
        self.client = client("cloudwatch", "CLOUDWATCH")

    def publish(self, requests: Requests, usage: dict | None) -> None:
        if self.client is None:
            return
        data = _stamped(requests, self._request_datums)
        data.append(self._datum("ActiveInstances", 1 if usage is not None else 0, "Count"))
        for name, value in (usage or {}).items():
            data.append(self._datum(name, value, "Percent"))
        _put(self.client, NAMESPACE, data)

    def _request_datums(self, counts: dict, latencies: list) -> list[dict]:
        data = [self._datum("Requests", sum(counts.values()), "Count")]
        data += [self._datum(f"{n}xxStatusResponses", counts.get(f"{n}xxStatusResponses", 0), "Count")
                 for n in (2, 4, 5)]
        if latencies:
            data.append({**self._datum("RequestLatency", None, "Milliseconds"), "StatisticValues": {
                "SampleCount": len(latencies), "Sum": sum(latencies),
                "Minimum": min(latencies), "Maximum": max(latencies)}})
        return data

    def _datum(self, name: str, value, unit: str) -> dict:
        datum = {"MetricName": name, "Dimensions": self.dimensions, "Unit": unit}
        return datum if value is None else {**datum, "Value": float(value)}


class EcsMetricsPublisher:
    """What ECS and its load balancer report: ``AWS/ECS`` CPUUtilization and MemoryUtilization
    (dimensions ClusterName, ServiceName) and ``AWS/ApplicationELB`` RequestCount,
    HTTPCode_Target_2XX/4XX/5XX_Count and TargetResponseTime (seconds), each per LoadBalancer and
    per LoadBalancer + TargetGroup. ``telemetry`` is the view's ``Telemetry`` (sandbox.ecs.view)."""

    def __init__(self, telemetry: dict):
        self.service = [{"Name": "ClusterName", "Value": telemetry["cluster"]},
                        {"Name": "ServiceName", "Value": telemetry["service"]}]
        balancer = {"Name": "LoadBalancer", "Value": telemetry["load_balancer"]}
        self.balancer_sets = [[balancer], [{"Name": "TargetGroup", "Value": telemetry["target_group"]}, balancer]]
        self.client = client("cloudwatch", "CLOUDWATCH")

    def publish(self, requests: Requests, usage: dict | None) -> None:
        if self.client is None:
            return
        ecs = [{"MetricName": name, "Dimensions": self.service, "Unit": "Percent", "Value": float(value)}
               for name, value in (usage or {}).items()]
        if ecs:
            _put(self.client, "AWS/ECS", ecs)
        _put(self.client, "AWS/ApplicationELB", _stamped(requests, self._balancer_datums))

    def _balancer_datums(self, counts: dict, latencies: list) -> list[dict]:
        elb = []
        for dimensions in self.balancer_sets:
            elb.append({"MetricName": "RequestCount", "Dimensions": dimensions, "Unit": "Count",
                        "Value": float(sum(counts.values()))})
            elb += [{"MetricName": f"HTTPCode_Target_{n}XX_Count", "Dimensions": dimensions, "Unit": "Count",
                     "Value": float(counts.get(f"{n}xxStatusResponses", 0))} for n in (2, 4, 5)]
            if latencies:
                seconds = [ms / 1000.0 for ms in latencies]
                elb.append({"MetricName": "TargetResponseTime", "Dimensions": dimensions, "Unit": "Seconds",
                            "StatisticValues": {"SampleCount": len(seconds), "Sum": sum(seconds),
                                                "Minimum": min(seconds), "Maximum": max(seconds)}})
        return elb


class AppLogShipper:
    """Ships new complete lines of ``app-<service-id>-*.log`` files, remembering offsets on disk.

    App Runner's group and ``instance/<file>`` streams unless ``group`` and ``stream_prefix``
    are given (ECS: the container's ``awslogs`` group, ``<prefix>/<container>/<file>``)."""

    def __init__(self, service_name: str, service_id: str, log_dir: Path, offsets_file: Path,
                 group: str | None = None, stream_prefix: str = "instance"):
        self.pattern = f"app-{service_id}-*.log"
        self.log_dir = Path(log_dir)
        self.offsets_file = Path(offsets_file)
        self.stream_prefix = stream_prefix
        self.writer = LogWriter(group or log_group(service_name, service_id, "application"))
        try:
            self.offsets = json.loads(self.offsets_file.read_text())
        except (OSError, ValueError):
            self.offsets = {}

    def ship(self) -> int:
        shipped = 0
        for path in sorted(self.log_dir.glob(self.pattern)):
            lines, offset = _new_lines(path, self.offsets.get(path.name, 0))
            if lines:
                self.writer.put(f"{self.stream_prefix}/{path.stem}", lines)
                shipped += len(lines)
            self.offsets[path.name] = offset
        if shipped:
            self.offsets_file.write_text(json.dumps(self.offsets))
        return shipped


def _new_lines(path: Path, offset: int) -> tuple[list[str], int]:
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except OSError:
        return [], offset
    end = data.rfind(b"\n") + 1
    text = data[:end].decode("utf-8", errors="replace")
    return [line for line in text.splitlines() if line.strip()], offset + end


class Flusher(threading.Thread):
    """Every ``seconds``: publish metrics and ship application logs; ``stop()`` flushes once more."""

    def __init__(self, seconds: float, flush):
        super().__init__(name="telemetry", daemon=True)
        self.seconds = seconds
        self.flush = flush
        self.stopping = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        while not self.stopping.wait(self.seconds):
            self._safe_flush()

    def stop(self) -> None:
        self.stopping.set()
        self._safe_flush()

    def _safe_flush(self) -> None:
        try:
            with self.lock:
                self.flush()
        except Exception:  # noqa: BLE001 - telemetry must never take the service URL down
            LOG.exception("telemetry flush failed")
