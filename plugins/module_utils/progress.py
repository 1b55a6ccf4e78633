# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Progress of a long wait, for the person watching: the operation's status and the time elapsed.

A module's output is one JSON document at its end, so a module alone cannot say anything while it
waits (a real App Runner deployment takes 3-5 minutes). When the module runs in the task's worker
on the control node (plugins/plugin_utils/in_process.py), that action sets a sink that shows each
line at once; elsewhere there is no sink and nothing is shown. The poller (apprunner_poller._poll)
ticks after every poll and a line goes out every ``LACREI_PROGRESS_SECONDS`` (default 10 s): at
least every 15 s, whatever the polling interval.
"""
from __future__ import annotations

import os
import time

EVERY_DEFAULT = 10.0
_sink = None


def set_sink(sink) -> None:
    """``sink(line)`` shows a line (None: show nothing)."""
    global _sink  # pylint: disable=global-statement
    _sink = sink


def every() -> float:
    try:
        return max(float(os.environ.get("LACREI_PROGRESS_SECONDS") or EVERY_DEFAULT), 0.1)
    except ValueError:
        return EVERY_DEFAULT


class Ticker:
    """``tick(status)`` after each poll of one wait; a line at most every ``every()`` seconds."""

    def __init__(self, what: str, clock=time.monotonic):
        self.what, self.clock = what, clock
        self.started = self.last = clock()
        self.every = every()

    def tick(self, status: str | None = None) -> None:
        now = self.clock()
        if _sink is None or now - self.last < self.every:
            return
        self.last = now
        _sink(f"waiting for {self.what}: {status or 'not ended yet'}, {now - self.started:.0f}s elapsed")
