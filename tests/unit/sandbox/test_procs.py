"""sandbox.procs pidfiles: a PID reused by another process is never taken for the sandbox's own."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from sandbox import procs


@pytest.fixture
def stranger():
    """A process the sandbox did not start (it stands for whoever got a recycled PID)."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"], start_new_session=True)
    yield proc.pid
    proc.kill()
    proc.wait(timeout=10)


def test_register_records_the_start_time_and_read_pid_returns_the_live_pid(tmp_path, stranger):
    procs.register("worker", stranger, tmp_path)
    pid, started = (tmp_path / "pids" / "worker.pid").read_text().split()
    assert int(pid) == stranger and int(started) == procs.start_time(stranger)
    assert procs.read_pid("worker", tmp_path) == stranger


def test_a_recycled_pid_is_not_ours_and_stop_leaves_it_alone(tmp_path, stranger):
    real = procs.start_time(stranger)
    (procs.pid_dir(tmp_path) / "worker.pid").write_text(f"{stranger} {real - 1}\n")
    assert procs.read_pid("worker", tmp_path) is None
    assert procs.stop("worker", tmp_path, timeout=1) is False
    assert procs.pid_alive(stranger), "stop() signalled a process the pidfile did not start"
    assert not (tmp_path / "pids" / "worker.pid").exists()


def test_a_pidfile_without_start_time_is_trusted(tmp_path, stranger):
    (procs.pid_dir(tmp_path) / "worker.pid").write_text(f"{stranger}\n")
    assert procs.read_pid("worker", tmp_path) == stranger


def test_start_time_of_a_missing_process_is_none():
    assert procs.start_time(2**22 + 1) is None
    assert procs.start_time(os.getpid()) > 0
