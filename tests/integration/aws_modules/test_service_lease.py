"""service_lease against moto's SSM: take, refuse, re-enter, release, take over, break."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from aws_sandbox import unique

from ansible_collections.lacrei.rollback.plugins.module_utils import lease as leases

MODULE = "service_lease"


@pytest.fixture
def service(aws_env):
    return unique("svc")


def args(service, run_id, **more):
    return {"service": service, "run_id": run_id, "runbook": "app-rollback", **more}


def stored(service) -> dict:
    return json.loads(boto3.client("ssm").get_parameter(Name=f"/lacrei-rollback/leases/{service}")["Parameter"]["Value"])


def plant(service, **fields) -> dict:
    """A lease of another run, written as that run would have."""
    now = datetime.now(timezone.utc)
    lease = {"owner": "bruno@ops", "run_id": "r-other", "runbook": "db-restore", "host": "ops-box", "pid": 4242,
             "started": (now - timedelta(minutes=5)).isoformat(timespec="seconds"),
             "expires": (now + timedelta(minutes=55)).isoformat(timespec="seconds"), **fields}
    boto3.client("ssm").put_parameter(Name=f"/lacrei-rollback/leases/{service}", Value=json.dumps(lease),
                                      Type="String", Overwrite=True)
    return lease


def test_check_take_take_again_release(run_module, service):
    predicted = run_module(MODULE, args(service, "r1"), check_mode=True)
    assert predicted["changed"] is True and predicted["takeover"] is None
    assert leases.LeaseStore(boto3.client("ssm"), service).current() is None  # check mode took nothing
    taken = run_module(MODULE, args(service, "r1", ttl=600))
    assert taken["changed"] is True and taken["lease_name"] == f"/lacrei-rollback/leases/{service}"
    held = stored(service)
    assert set(held) == {"owner", "run_id", "runbook", "started", "expires", "host", "pid"}
    assert held["run_id"] == "r1" and held["host"] == socket.gethostname() and held["owner"].endswith(f"@{held['host']}")
    assert (datetime.fromisoformat(held["expires"]) - datetime.fromisoformat(held["started"])).total_seconds() == 600
    again = run_module(MODULE, args(service, "r1", runbook="db-migrations"))
    assert again["changed"] is False and again["reentrant"] is True and stored(service)["runbook"] == "app-rollback"
    assert run_module(MODULE, args(service, "r1", state="absent"), check_mode=True)["changed"] is True
    released = run_module(MODULE, args(service, "r1", state="absent"))
    assert released["changed"] is True and released["released"] is True
    assert run_module(MODULE, args(service, "r1", state="absent"))["changed"] is False


def test_a_held_lease_refuses_naming_its_holder(run_module, service):
    other = plant(service)
    for check_mode in (True, False):
        refused = run_module(MODULE, args(service, "r2"), check_mode=check_mode)
        assert refused["failed"] is True
        assert "db-restore by bruno@ops (run r-other, pid 4242 on ops-box) since " + other["started"] in refused["msg"]
        assert "Nothing was changed" in refused["msg"] and "-e break_lease=r-other" in refused["msg"]
        assert refused["held_by"]["run_id"] == "r-other"
    assert stored(service) == other
    released = run_module(MODULE, args(service, "r2", state="absent"))
    assert released["changed"] is False and released["lease"]["run_id"] == "r-other"
    assert stored(service) == other  # another run's lease is never released


def test_an_expired_lease_is_taken_over_and_says_whose_it_was(run_module, service):
    old = plant(service, expires=(datetime.now(timezone.utc) - timedelta(seconds=5)).isoformat(timespec="seconds"))
    predicted = run_module(MODULE, args(service, "r3"), check_mode=True)
    assert predicted["changed"] is True and predicted["takeover"]["previous_run_id"] == "r-other"
    assert stored(service) == old
    taken = run_module(MODULE, args(service, "r3"))
    assert taken["changed"] is True and stored(service)["run_id"] == "r3"
    assert taken["takeover"] == {"previous_run_id": "r-other", "previous_owner": "bruno@ops",
                                 "previous_runbook": "db-restore", "previous_started": old["started"],
                                 "reason": f"expired at {old['expires']}"}


def test_a_dead_holder_on_this_host_is_taken_over_without_waiting(run_module, service):
    gone = subprocess.Popen(["true"])
    gone.wait()
    plant(service, host=socket.gethostname(), pid=gone.pid)
    taken = run_module(MODULE, args(service, "r4"))
    assert taken["changed"] is True and stored(service)["run_id"] == "r4"
    assert taken["takeover"]["reason"] == f"its ansible-playbook process {gone.pid} on {socket.gethostname()} is gone"


def test_a_live_holder_on_this_host_is_not_taken_over(run_module, service):
    holder = subprocess.Popen(["bash", "-c", "exec -a ansible-playbook sleep 60"])
    try:
        plant(service, host=socket.gethostname(), pid=holder.pid)
        refused = run_module(MODULE, args(service, "r5"))
        assert refused["failed"] is True and stored(service)["run_id"] == "r-other"
    finally:
        holder.kill()
        holder.wait()


def test_break_lease_needs_the_holders_run_id(run_module, service):
    plant(service)
    wrong = run_module(MODULE, args(service, "r6", break_lease="r-wrong"))
    assert wrong["failed"] is True and "break_lease=r-wrong does not match the holder's run id r-other" in wrong["msg"]
    broken = run_module(MODULE, args(service, "r6", break_lease="r-other"))
    assert broken["changed"] is True and broken["takeover"]["reason"] == "broken on request (break_lease)"
    assert stored(service)["run_id"] == "r6"


def test_takers_of_one_stale_lease_race_and_exactly_one_wins(aws_env, service):
    plant(service, expires=(datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat(timespec="seconds"))
    barrier, outcomes = threading.Barrier(4), {}

    def take(run_id):
        store = leases.LeaseStore(boto3.client("ssm"), service)
        barrier.wait(timeout=30)
        try:
            outcomes[run_id] = store.acquire(leases.new_lease(run_id, "app-rollback", 600))["changed"]
        except leases.LeaseHeld as exc:
            outcomes[run_id] = exc.details["held_by"]["run_id"]

    threads = [threading.Thread(target=take, args=(f"t{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [run_id for run_id, outcome in outcomes.items() if outcome is True]
    assert len(outcomes) == 4 and len(winners) == 1
    assert stored(service)["run_id"] == winners[0]
    assert all(outcome == winners[0] for run_id, outcome in outcomes.items() if run_id != winners[0])


def test_bad_arguments_are_refused_before_any_call(run_module, service):
    for bad, name in (({"service": "a/b"}, "service"), ({"run_id": "x; rm"}, "run_id"),
                      ({"break_lease": "--all"}, "break_lease"), ({"ttl": 5}, "ttl")):
        result = run_module(MODULE, {**args(service, "r7"), **bad})
        assert result["failed"] is True and result["msg"].startswith(name) and "nothing was changed" in result["msg"]


def test_pid_helpers():
    assert leases.playbook_pid() is None  # pytest runs under no ansible-playbook
    assert leases.process_alive(os.getpid()) is False  # alive, but not ansible-playbook: a reused pid
    assert leases.process_alive(None) is True
    assert leases.Lease.from_json("not json").owner == "unknown"
    assert leases.parse_iso("nonsense") is None
