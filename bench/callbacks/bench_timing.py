# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bench-only callback: one JSON line per finished task (host, task, action, wall-clock end).

Enabled by the bench with ANSIBLE_CALLBACK_PLUGINS / ANSIBLE_CALLBACKS_ENABLED; writes to
$BENCH_TIMING_FILE. Not part of the collection.
"""
from __future__ import annotations

DOCUMENTATION = r"""
name: bench_timing
type: aggregate
short_description: Wall-clock end of every task, for the benchmarks
description: Appends one JSON line per task result to the file named by E(BENCH_TIMING_FILE).
"""

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timing"
    CALLBACK_NEEDS_ENABLED = True

    def _record(self, result, status: str) -> None:
        path = os.environ.get("BENCH_TIMING_FILE")
        if not path:
            return
        line = {"end": time.time(), "status": status, "host": result._host.get_name(),
                "task": result._task.get_name(), "action": result._task.action}
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")
