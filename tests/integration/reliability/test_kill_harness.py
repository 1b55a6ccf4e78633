"""The kill harness itself: it kills a run's whole tree, workers in sessions of their own included,
and its lease check refuses a lease that a killed run would leave held forever."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from tests.integration.reliability.kill_harness import check_lease, kill_tree, pid_alive, tree

SERVICE = "kill-harness-service"
# A parent that starts a child in a session of its own (as Ansible starts its task workers), which
# starts a grandchild; the parent prints the child's pid.
SPAWNER = (
    "import subprocess, sys, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import subprocess, sys, time; "
    "subprocess.Popen([sys.executable, \"-c\", \"import time; time.sleep(300)\"]); time.sleep(300)'], "
    "start_new_session=True)\n"
    "print(child.pid, flush=True)\n"
    "time.sleep(300)\n"
)


def test_kill_tree_kills_the_workers_that_left_the_process_group():
    parent = subprocess.Popen([sys.executable, "-c", SPAWNER], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        deadline = time.monotonic() + 30
        while len(tree(parent.pid)) < 3:
            assert time.monotonic() < deadline, tree(parent.pid)
            time.sleep(0.05)
        members = list(tree(parent.pid))
        assert os.getpgid(child) != os.getpgid(parent.pid)  # what killpg of the run's group would miss

        assert kill_tree(parent.pid) == 3
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(pid_alive(pid) for pid in members):
            assert time.monotonic() < deadline, [pid for pid in members if pid_alive(pid)]
            time.sleep(0.05)
    finally:
        if parent.poll() is None:
            parent.kill()


@pytest.fixture
def ssm(moto_endpoint):
    client = boto3.client("ssm", endpoint_url=moto_endpoint, region_name="us-east-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    yield client
    try:
        client.delete_parameter(Name=f"/lacrei-rollback/leases/{SERVICE}")
    except client.exceptions.ParameterNotFound:
        pass


def put_lease(ssm, pid: int, expires_in: timedelta, host: str | None = None) -> None:
    now = datetime.now(timezone.utc)
    lease = {"owner": "tester", "run_id": "r1", "runbook": "db-restore", "started": now.isoformat(),
             "expires": (now + expires_in).isoformat(), "host": host or socket.gethostname(), "pid": pid}
    ssm.put_parameter(Name=f"/lacrei-rollback/leases/{SERVICE}", Value=json.dumps(lease), Type="String",
                      Overwrite=True)


def dead_pid() -> int:
    done = subprocess.Popen([sys.executable, "-c", "pass"])
    done.wait()
    return done.pid


def test_lease_check_accepts_no_lease_a_dead_holder_and_an_expiring_lease(ssm):
    assert check_lease(ssm, SERVICE, 12345) is None
    killed = dead_pid()
    put_lease(ssm, killed, timedelta(hours=-1))  # expired long ago, but its holder is dead here
    assert check_lease(ssm, SERVICE, killed)["pid"] == killed
    put_lease(ssm, killed, timedelta(minutes=10), host="another-host")  # not ours to judge: expires soon
    assert check_lease(ssm, SERVICE, killed)["host"] == "another-host"


def test_lease_check_refuses_another_runs_lease_and_one_held_forever(ssm):
    killed = dead_pid()
    put_lease(ssm, killed + 1, timedelta(minutes=10))
    with pytest.raises(AssertionError, match="not the killed run's"):
        check_lease(ssm, SERVICE, killed)
    put_lease(ssm, killed, timedelta(hours=-1), host="another-host")  # expired, holder unknown here
    with pytest.raises(AssertionError, match="neither expires nor is stale"):
        check_lease(ssm, SERVICE, killed)
    put_lease(ssm, killed, timedelta(days=30), host="another-host")  # longer than any TTL
    with pytest.raises(AssertionError, match="neither expires nor is stale"):
        check_lease(ssm, SERVICE, killed)
