# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: audit
type: notification
short_description: Append one JSON line per runbook execution to the audit trail
description:
  - At the end of a playbook run, writes one JSON line per host that recorded audit data with
    C(ansible.builtin.set_stats) (C(data.lacrei_audit), C(per_host=true), C(aggregate=true)) to the
    file named by the field C(audit_log_path) of that data (folders created, mode 0600).
  - "Adds: C(who) (OS user; C(aws_caller_arn) when a role recorded it), C(when) (run start),
    C(finished_at), C(playbook), C(check_mode), C(result) (C(ok), C(failed), or C(refused) when
    the host failed in a task of phase C(gate) or C(preflight), that is before any change),
    C(failed_task) and C(message) on failure, and C(phase_seconds) (time per phase; the phase of a
    task is its first tag other than C(always)/C(never))."
  - Never writes a secret; keys that look like secrets (password, secret, token, credential, key)
    are dropped and C(user:password@) in URLs is masked, whatever a role recorded.
  - The collection's playbooks load it by themselves (C(playbooks/callback_plugins/lacrei_audit.py),
    beside them, needs no enabling), so the trail is written whatever the caller's configuration.
    Enabling it as well (C(callbacks_enabled = lacrei.rollback.audit)) writes no second line.
  - At each play start it sets the play variable C(lacrei_audit_trail_active), by which the
    production gate refuses a production change when no audit trail would be written.
  - At the playbook start it imports, in the playbook's process, what the collection's in-process
    modules load there (C(plugins/plugin_utils/in_process.py), with the filter, test and lookup plugins,
    boto3 and its data), so the first tasks' workers do not each load them again.
  - "A checkpoint line is written at once, not at the end: a task that records
    C(data.lacrei_audit_checkpoint) with C(ansible.builtin.set_stats) (its own fields, C(audit_log_path)
    and a C(checkpoint_id)) gets a line with C(result=in_progress) when it runs, so a run killed later
    still leaves what it had decided in the trail (the event-driven responder's decision to act).
    Written once per C(checkpoint_id), however many times the callback is loaded."
version_added: "0.1.0"
requirements:
  - a playbook of the collection, or enabled in ansible.cfg (C(callbacks_enabled = lacrei.rollback.audit))
"""

import getpass
import importlib
import json
import os
import re
import time
from datetime import datetime, timezone

from ansible import context
from ansible.plugins.callback import CallbackBase

STATS_KEY = "lacrei_audit"
CHECKPOINT_KEY = "lacrei_audit_checkpoint"
CHECKPOINT_LOOKBACK = 65536
ACTIVE_VAR = "lacrei_audit_trail_active"
WRITTEN_MARK = "_lacrei_audit_written"
REFUSING_PHASES = frozenset({"gate", "preflight"})
IGNORED_TAGS = frozenset({"always", "never"})
IN_PROCESS = "ansible_collections.lacrei.rollback.plugins.plugin_utils.in_process"  # see v2_playbook_on_start
SECRET_KEY = re.compile(r"password|passwd|secret|token|credential|private_key|(^|_)key$", re.IGNORECASE)
URL_PASSWORD = re.compile(r"(://[^:/@\s]+):[^@/\s]+@")
MESSAGE_LIMIT = 500


def scrub(value):
    """A copy of ``value`` without secret-looking keys, with passwords in URLs masked."""
    if isinstance(value, dict):
        return {key: scrub(item) for key, item in value.items() if not SECRET_KEY.search(str(key))}
    if isinstance(value, (list, tuple)):
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return URL_PASSWORD.sub(r"\1:***@", value)
    return value


def iso_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def task_phase(task) -> str:
    tags = [tag for tag in (getattr(task, "tags", None) or []) if tag not in IGNORED_TAGS]
    return tags[0] if tags else "other"


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "lacrei.rollback.audit"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.started_at = iso_now()
        self.playbook = None
        self.task_started = {}
        self.phase_seconds = {}
        self.failures = {}
        self.clock = time.monotonic

    # -- what happens during the run --------------------------------------------------------
    def v2_playbook_on_start(self, playbook):
        self.playbook = os.path.basename(getattr(playbook, "_file_name", "") or "") or None
        importlib.import_module(IN_PROCESS)  # before the first task's fork (see DOCUMENTATION)

    def v2_playbook_on_play_start(self, play):
        # Tells the roles (production_gate) that this run writes its audit line.
        play.vars[ACTIVE_VAR] = True

    def v2_playbook_on_task_start(self, task, is_conditional):
        self.task_started[task._uuid] = (self.clock(), task_phase(task))

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def _account(self, result):
        started = self.task_started.get(result._task._uuid)
        if started:
            host = result._host.get_name()
            per_host = self.phase_seconds.setdefault(host, {})
            per_host[started[1]] = per_host.get(started[1], 0.0) + (self.clock() - started[0])

    def v2_runner_on_ok(self, result):
        self._account(result)
        stats = result._result.get("ansible_stats") if isinstance(result._result, dict) else None
        checkpoint = (stats or {}).get("data", {}).get(CHECKPOINT_KEY) if isinstance(stats, dict) else None
        if isinstance(checkpoint, dict) and checkpoint.get("audit_log_path") and checkpoint.get("checkpoint_id"):
            self.checkpoint(result._host.get_name(), checkpoint)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._account(result)
        if not ignore_errors:
            self.failures[result._host.get_name()] = {
                "task": result._task.get_name(), "phase": task_phase(result._task),
                "message": str(result._result.get("msg") or "")[:MESSAGE_LIMIT]}

    def v2_runner_on_unreachable(self, result):
        self.v2_runner_on_failed(result)

    # -- the end: one line per audited host -------------------------------------------------
    def v2_playbook_on_stats(self, stats):
        # Loaded twice (beside the playbooks and enabled in ansible.cfg), only the first writes.
        if getattr(stats, WRITTEN_MARK, False):
            return
        setattr(stats, WRITTEN_MARK, True)
        for host, custom in sorted((getattr(stats, "custom", None) or {}).items()):
            data = custom.get(STATS_KEY) if isinstance(custom, dict) else None
            if host == "_run" or not isinstance(data, dict) or not data.get("audit_log_path"):
                continue
            record = self.record(host, data, stats)
            try:
                self.append(data["audit_log_path"], record)
            except OSError as exc:
                self._display.warning(f"audit: cannot write {data['audit_log_path']}: {exc}")

    def result_of(self, host: str, stats) -> str:
        # Ansible's own counters leave out failures a rescue block handled (a drill's
        # detection step fails on purpose and is rescued); self.failures only says where.
        if hasattr(stats, "summarize"):
            summary = stats.summarize(host)
            failed = summary.get("failures") or summary.get("unreachable")
        else:
            failed = host in self.failures
        if not failed:
            return "ok"
        return "refused" if self.failures.get(host, {}).get("phase") in REFUSING_PHASES else "failed"

    def record(self, host: str, data: dict, stats) -> dict:
        who = {"os_user": _os_user()}
        if data.get("aws_caller_arn"):
            who["aws_caller_arn"] = data["aws_caller_arn"]
        record = {key: value for key, value in data.items() if key not in ("audit_log_path", "aws_caller_arn")}
        record.update(who=who, when=self.started_at, finished_at=iso_now(), host=host, playbook=self.playbook,
                      check_mode=bool(context.CLIARGS.get("check", False)), result=self.result_of(host, stats),
                      phase_seconds={phase: round(seconds, 3)
                                     for phase, seconds in self.phase_seconds.get(host, {}).items()})
        failure = self.failures.get(host)
        if failure and record["result"] != "ok":
            record.update(failed_task=failure["task"], message=failure["message"])
        return scrub(record)

    def checkpoint(self, host: str, data: dict) -> None:
        """A line now, with result in_progress (the final line still comes at the end)."""
        path = data["audit_log_path"]
        if _already_written(path, data["checkpoint_id"]):
            return
        record = {key: value for key, value in data.items() if key not in ("audit_log_path", "aws_caller_arn")}
        record.update(who={"os_user": _os_user()}, when=self.started_at, at=iso_now(), host=host,
                      playbook=self.playbook, check_mode=bool(context.CLIARGS.get("check", False)),
                      result="in_progress")
        try:
            self.append(path, scrub(record))
        except OSError as exc:
            self._display.warning(f"audit: cannot write {path}: {exc}")

    @staticmethod
    def append(path: str, record: dict) -> None:
        path = os.path.expanduser(path)
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, mode=0o700, exist_ok=True)
        line = json.dumps(record, sort_keys=True, default=str) + "\n"
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)


def _already_written(path: str, checkpoint_id: str) -> bool:
    """Whether the trail's recent lines hold this checkpoint (the callback may be loaded twice)."""
    try:
        with open(os.path.expanduser(path), "rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(0, handle.tell() - CHECKPOINT_LOOKBACK))
            tail = handle.read().decode("utf-8", "replace")
    except OSError:
        return False
    return json.dumps({"checkpoint_id": checkpoint_id})[1:-1] in tail


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
