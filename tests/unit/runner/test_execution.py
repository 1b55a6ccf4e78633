"""Run bookkeeping that needs no playbook: rotation, cancel sources, the client's own checks."""
from __future__ import annotations

import os
import threading
import time

import pytest

from lacrei_rollback import Control, InvalidArgument
from lacrei_rollback.client import ClientBase
from lacrei_rollback.execution import rotate


def _run_dir(root, name, finished=True, age=0):
    path = root / name
    (path / "artifacts" / "id").mkdir(parents=True)
    if finished:
        (path / "artifacts" / "id" / "status").write_text("successful")
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_rotate_keeps_the_newest_finished_runs_and_never_a_running_one(tmp_path):
    newest, middle, oldest = (_run_dir(tmp_path, name, age=age) for name, age in (("n", 0), ("m", 10), ("o", 20)))
    running = _run_dir(tmp_path, "r", finished=False, age=30)
    assert rotate(tmp_path, 1) == [middle, oldest]
    assert sorted(tmp_path.iterdir()) == sorted([newest, running])
    assert rotate(tmp_path, 0, keep=newest) == []


def test_control_cancel_sources():
    event = threading.Event()
    assert not Control(cancel=event).cancelled()
    event.set()
    assert Control(cancel=event).cancelled()
    assert Control(cancel=lambda: True).cancelled() and not Control().cancelled()


def test_client_checks_its_own_options(tmp_path):
    with pytest.raises(InvalidArgument, match="positive integer"):
        ClientBase("sandbox", control=Control(timeout=0))
    with pytest.raises(InvalidArgument, match="single-line"):
        ClientBase("sandbox", environment={"X": "a\nb"})
    client = ClientBase("staging", sandbox_dir=tmp_path)
    assert client.environment["SANDBOX_DIR"] == str(tmp_path) and "staging" in repr(client)
    with pytest.raises(InvalidArgument, match="True or False"):
        client.run_playbook("rollback_app", check="yes")
    with pytest.raises(InvalidArgument, match="limit"):
        client.run_playbook("rollback_app", limit="")
    with pytest.raises(FileNotFoundError):
        client.run_playbook("no_such_runbook")
