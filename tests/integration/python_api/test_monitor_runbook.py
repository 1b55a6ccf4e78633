"""monitor through the Python API: its arguments reach the playbook, and a long watch can be
cancelled from another thread. (The full verdict needs minutes of CloudWatch data; the monitor
role's own tests judge it.)"""
from __future__ import annotations

import threading

import pytest

from lacrei_rollback import Cancelled, Control, InvalidArgument


def test_monitor_arguments_reach_the_playbook_and_the_watch_can_be_cancelled(sandbox_client):
    stop = threading.Event()

    def stop_once_started(event):
        res = (event.get("event_data") or {}).get("res") or {}
        if "requested" in str(res.get("ansible_stats", {}).get("data", {}).get("lacrei_audit", {})):
            threading.Thread(target=stop.set).start()

    with pytest.raises(Cancelled) as caught:
        sandbox_client.monitor(window="10m", interval="5s", breach_intervals=2, baseline_end="2024-05-02T13:30:00Z",
                               baseline_window="5m", control=Control(event_handler=stop_once_started, cancel=stop))
    requested = caught.value.result.audit["requested"]
    assert requested == {"window": "10m", "interval": "5s", "breach_intervals": 2,
                         "baseline_end": "2024-05-02T13:30:00+00:00"}
    assert caught.value.result.status == "canceled"


@pytest.mark.parametrize("arguments", [{"window": "10"}, {"breach_intervals": 0}, {"baseline_end": "2024-05-02"},
                                       {"interval": "5 s"}])
def test_monitor_bad_arguments_are_rejected_before_running(sandbox_client, runs_dir, arguments):
    with pytest.raises(InvalidArgument):
        sandbox_client.monitor(**arguments)
    assert not runs_dir.exists()
