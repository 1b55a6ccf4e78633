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


# -- ports: a server is ready when it listens itself, not when the port answers -------------------
SERVER = [sys.executable, "-m", "http.server", "--bind", "127.0.0.1"]


@pytest.fixture
def squatter():
    """Another process's listener on a port the sandbox may be given."""
    with procs.listening_socket() as sock:
        yield sock.getsockname()[1]


def test_a_listener_of_another_process_is_not_the_server(tmp_path, squatter):
    pid = procs.spawn("server", [*SERVER, str(squatter)], state=tmp_path)
    try:
        with pytest.raises(procs.PortTaken, match=f"another process listens on 127.0.0.1:{squatter}"):
            procs.wait_for_port(squatter, pid=pid, timeout=30)
        assert procs.serves(squatter, pid) is False
    finally:
        procs.stop("server", tmp_path)


def test_spawn_server_starts_again_on_another_port_when_its_port_is_taken(tmp_path, squatter):
    port, pid = procs.spawn_server("server", lambda p: [*SERVER, str(p)], state=tmp_path, first_port=squatter)
    try:
        assert port != squatter
        assert procs.serves(port, pid) is True
        assert procs.read_pid("server", tmp_path) == pid
    finally:
        procs.stop("server", tmp_path)


def test_spawn_server_gives_up_after_its_attempts(tmp_path, squatter, monkeypatch):
    monkeypatch.setattr(procs, "free_port", lambda host="127.0.0.1": squatter)
    with pytest.raises(procs.PortTaken):
        procs.spawn_server("server", lambda p: [*SERVER, str(p)], state=tmp_path, attempts=2)
    assert procs.read_pid("server", tmp_path) is None


def test_a_handed_over_socket_is_the_server_s_own_from_the_start(tmp_path):
    with procs.listening_socket() as sock:
        port = sock.getsockname()[1]
        code = f"import socket, time; s = socket.socket(fileno={sock.fileno()}); time.sleep(60)"
        pid = procs.spawn("holder", [sys.executable, "-c", code], state=tmp_path, pass_fds=(sock.fileno(),))
    try:
        procs.wait_for_port(port, pid=pid, timeout=30)
        assert procs.serves(port, pid) is True
        assert procs.serves(port, os.getpid()) is False, "the socket stays open here after the hand-over"
    finally:
        procs.stop("holder", tmp_path)
