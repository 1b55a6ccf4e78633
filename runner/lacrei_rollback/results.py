"""Results as plain data: what a run did, read from ansible-runner's events (never from text).

Outputs come from ``ansible.builtin.set_stats``: the runbooks publish per-host data (such as
``lacrei_audit``) that the ``playbook_on_stats`` event does not carry, so they are rebuilt
from the set_stats task results with Ansible's own rules (``aggregate`` merges dicts and adds
lists; otherwise the last value wins); run-wide stats (``per_host: false``) are under ``_run``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RUN_WIDE = "_run"
COUNTERS = ("ok", "changed", "failures", "dark", "skipped", "rescued", "ignored")
STATS_ACTIONS = {"set_stats", "ansible.builtin.set_stats", "ansible.legacy.set_stats"}
REFUSING_ROLES = {"production_gate"}
REFUSING_PHASES = {"gate", "preflight"}  # task files, as the audit callback's phase tags
REFUSING_ACTIONS = {"validate_argument_spec", "ansible.builtin.validate_argument_spec"}


@dataclass(frozen=True)
class FailedTask:
    """The task that made the run fail, with the message it gave."""

    host: str
    task: str
    message: str
    action: str = ""
    role: str = ""
    task_path: str = ""
    unreachable: bool = False

    @property
    def is_refusal(self) -> bool:
        """A refusal is a failure in a preflight phase, the production gate or an argument spec."""
        return (self.role in REFUSING_ROLES or self.action in REFUSING_ACTIONS
                or Path(self.task_path.split(":")[0]).stem in REFUSING_PHASES)


@dataclass(frozen=True)
class HostOutcome:
    """One host's counters from the play recap, and its outcome in one word."""

    host: str
    ok: int = 0
    changed: int = 0
    failures: int = 0
    dark: int = 0
    skipped: int = 0
    rescued: int = 0
    ignored: int = 0

    @property
    def outcome(self) -> str:
        if self.dark:
            return "unreachable"
        if self.failures:
            return "failed"
        return "changed" if self.changed else "ok"


@dataclass
class RunResult:
    """Everything known about one run of a runbook.

    ``status`` is one of successful, failed, refused, timeout, canceled.
    ``outputs`` maps host -> the custom stats that host published (``_run`` for run-wide ones).
    """

    runbook: str
    status: str
    rc: int | None
    duration: float
    hosts: dict[str, HostOutcome] = field(default_factory=dict)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    failed_task: FailedTask | None = None
    events: list[dict[str, Any]] = field(default_factory=list, repr=False)
    artifact_dir: Path | None = None
    private_data_dir: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status == "successful"

    @property
    def changed(self) -> bool:
        return any(outcome.changed for outcome in self.hosts.values())

    def output(self, key: str, host: str | None = None, default: Any = None) -> Any:
        """A published output: of ``host``, else of the one host that published it."""
        if host is not None:
            return self.outputs.get(host, {}).get(key, default)
        values = [stats[key] for name, stats in self.outputs.items() if key in stats and name != RUN_WIDE]
        if len(values) > 1:
            raise ValueError(f"{key} was published by several hosts; name one")
        return values[0] if values else self.outputs.get(RUN_WIDE, {}).get(key, default)

    @property
    def audit(self) -> dict[str, Any]:
        """The ``lacrei_audit`` record (from/to versions, operation ids...) of the single host."""
        return self.output("lacrei_audit", default={}) or {}


def host_outcomes(stats_event: Mapping[str, Any] | None) -> dict[str, HostOutcome]:
    """Per-host counters from a ``playbook_on_stats`` event's data."""
    if not stats_event:
        return {}
    hosts: set[str] = set()
    for counter in COUNTERS:
        hosts.update((stats_event.get(counter) or {}).keys())
    return {host: HostOutcome(host, **{counter: int((stats_event.get(counter) or {}).get(host, 0))
                                        for counter in COUNTERS})
            for host in sorted(hosts)}


def merge_hash(old: Mapping, new: Mapping) -> dict:
    """Ansible's recursive dict merge (lists replaced), as set_stats aggregation uses it."""
    merged = dict(old)
    for key, value in new.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_hash(merged[key], value)
        else:
            merged[key] = value
    return merged


def apply_stats(outputs: MutableMapping[str, dict], host: str, stats: Mapping[str, Any]) -> None:
    """Fold one set_stats result into ``outputs`` exactly as Ansible's AggregateStats does."""
    target = outputs.setdefault(host if stats.get("per_host") else RUN_WIDE, {})
    aggregate = stats.get("aggregate", True)
    for key, value in (stats.get("data") or {}).items():
        current = target.get(key)
        if not aggregate or key not in target:
            target[key] = value
        elif not isinstance(value, type(current)):
            continue  # Ansible warns and keeps the old value
        elif isinstance(value, Mapping):
            target[key] = merge_hash(current, value)
        else:
            target[key] = current + value


def _stats_of(res: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    if isinstance(res.get("ansible_stats"), Mapping):
        yield res["ansible_stats"]
    for item in res.get("results") or ():
        if isinstance(item, Mapping) and isinstance(item.get("ansible_stats"), Mapping):
            yield item["ansible_stats"]


def custom_stats(events: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every host's published outputs, in event order."""
    outputs: dict[str, dict[str, Any]] = {}
    for event in events:
        data = event.get("event_data") or {}
        if event.get("event") != "runner_on_ok" or data.get("task_action") not in STATS_ACTIONS:
            continue
        for stats in _stats_of(data.get("res") or {}):
            apply_stats(outputs, data.get("host", ""), stats)
    return outputs


def failure_message(res: Mapping[str, Any]) -> str:
    """The most useful message of a failed task result (loops: the first failed item)."""
    for key in ("msg", "message", "stderr", "reason"):
        if res.get(key):
            return str(res[key]).strip()
    for item in res.get("results") or ():
        if isinstance(item, Mapping) and item.get("failed"):
            return failure_message(item)
    return "task failed without a message"


def _failure(name: str, data: Mapping[str, Any]) -> FailedTask:
    return FailedTask(host=data.get("host", ""), task=data.get("task", ""),
                      message=failure_message(data.get("res") or {}),
                      action=data.get("task_action", "") or "", role=data.get("role", "") or "",
                      task_path=data.get("task_path", "") or "", unreachable=name == "runner_on_unreachable")


def failed_task(events: Iterable[Mapping[str, Any]]) -> FailedTask | None:
    """The task that failed the run: the last failure of the first host that failed.

    Failures that were ignored don't count; nor do those a ``rescue`` recovered from (the host
    is not failed in the recap), so a block's final ``fail`` wins over the error it rescued.
    """
    events = list(events)
    recap = stats_event(events)
    failed_hosts = None if recap is None else {
        host for counter in ("failures", "dark") for host, count in (recap.get(counter) or {}).items() if count}
    last: dict[str, FailedTask] = {}
    for event in events:
        name = event.get("event")
        data = event.get("event_data") or {}
        if (name == "runner_on_failed" and not data.get("ignore_errors")) or name == "runner_on_unreachable":
            if failed_hosts is None or data.get("host") in failed_hosts:
                last[data.get("host", "")] = _failure(name, data)
    return next(iter(last.values()), None)


def error_output(events: Iterable[Mapping[str, Any]]) -> FailedTask | None:
    """When ansible-playbook stopped before any task (bad playbook, bad inventory): its ERROR! text."""
    from lacrei_rollback._launch import PROMPT

    lines = [event.get("stdout", "").replace(PROMPT.strip(), "") for event in events if event.get("event") == "verbose"]
    text = "\n".join(line for line in lines if line).strip()
    start = text.find("ERROR!")
    if start < 0 and not text:
        return None
    return FailedTask(host="", task="", message=text[start:] if start >= 0 else text[-2000:])


def stats_event(events: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    found = None
    for event in events:
        if event.get("event") == "playbook_on_stats":
            found = event.get("event_data") or {}
    return found


def classify(runner_status: str, failure: FailedTask | None) -> str:
    """The API status from ansible-runner's status and the failing task."""
    if runner_status == "failed" and failure is not None and failure.is_refusal:
        return "refused"
    return runner_status


def build_result(runbook: str, runner_status: str, rc: int | None, duration: float,
                 events: list[dict[str, Any]], artifact_dir: Path | None = None,
                 private_data_dir: Path | None = None) -> RunResult:
    """Assemble a RunResult from what ansible-runner reported."""
    failure = failed_task(events)
    if failure is None and runner_status == "failed":
        failure = error_output(events)
    if runner_status == "successful" and not host_outcomes(stats_event(events)):
        runner_status = "failed"  # ansible-playbook exits 0 when no host matched: nothing was done
        failure = FailedTask(host="", task="", message="no host matched the inventory and limit; nothing was run")
    outputs = custom_stats(events)
    run_wide = (stats_event(events) or {}).get("artifact_data") or {}
    if run_wide:
        outputs[RUN_WIDE] = merge_hash(outputs.get(RUN_WIDE, {}), run_wide)
    return RunResult(runbook=runbook, status=classify(runner_status, failure), rc=rc, duration=duration,
                     hosts=host_outcomes(stats_event(events)), outputs=outputs, failed_task=failure,
                     events=events, artifact_dir=artifact_dir, private_data_dir=private_data_dir)


def task_results(events: Iterable[Mapping[str, Any]], actions: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The last successful result of a module (by FQCN or short name) on each host: registered data."""
    wanted = set(actions)
    found: dict[str, dict[str, Any]] = {}
    for event in events:
        data = event.get("event_data") or {}
        if event.get("event") == "runner_on_ok" and (data.get("task_action") in wanted
                                                     or data.get("resolved_action") in wanted):
            found[data.get("host", "")] = dict(data.get("res") or {})
    return found
