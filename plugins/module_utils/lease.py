# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One changing runbook per service at a time: a lease in SSM Parameter Store.

The lease of service ``S`` is the String parameter ``/lacrei-rollback/leases/S`` holding JSON:
``owner`` (OS user@host), ``run_id`` (one per playbook run), ``runbook``, ``started`` and
``expires`` (ISO 8601 UTC), ``host`` and ``pid`` (the ansible-playbook process).

- Taking a free lease is a conditional create (PutParameter ``Overwrite=False``): of two
  operators at once exactly one creates it.
- The same run taking it again (a runbook inside another) holds it already: nothing to do.
- A lease that expired, whose holder ran on this host and whose process is gone (kill -9), or
  that a person breaks by its run id (``break_lease``) is taken over in two steps: first a
  conditional create of ``/lacrei-rollback/lease-takeovers/S/<stale run id>``, which exactly one
  taker can win, then the winner overwrites the lease. A loser re-reads and sees the winner.
- Release deletes the lease only when it still carries this run's id.
"""
from __future__ import annotations

import getpass
import json
import os
import socket
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

from ansible_collections.lacrei.rollback.plugins.module_utils import ssm_parameters
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import AwsActionFailed, aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed

PREFIX = "/lacrei-rollback/leases"
TAKEOVER_PREFIX = "/lacrei-rollback/lease-takeovers"
DEFAULT_TTL = 3600
ACQUIRE_ATTEMPTS = 3
PLAYBOOK_COMMAND = "ansible-playbook"


class LeaseHeld(ActionFailed):
    """Another run holds the lease; nothing was changed."""


def lease_name(service: str) -> str:
    return f"{PREFIX}/{service}"


def takeover_name(service: str, stale_run_id: str) -> str:
    return f"{TAKEOVER_PREFIX}/{service}/{stale_run_id}"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def parse_iso(text: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Lease:
    owner: str
    run_id: str
    runbook: str
    started: str
    expires: str
    host: str
    pid: int | None

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Lease":
        try:
            data = json.loads(text)
            return cls(**{key: data.get(key) for key in cls.__dataclass_fields__})
        except (TypeError, ValueError):  # not ours, or damaged: shown as is, taken over only by break_lease
            return cls(owner="unknown", run_id=str(text)[:64], runbook="unknown", started="", expires="",
                       host="", pid=None)

    def summary(self) -> dict:
        return asdict(self)


def _proc_parent_and_command(pid: int) -> tuple[int | None, str]:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            command = cmdline.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except (OSError, ValueError, IndexError):
        return None, ""
    return parent, command


def playbook_pid(start: int | None = None) -> int | None:
    """The pid of the ansible-playbook process this module runs under (the outermost ancestor whose
    command is ansible-playbook; its workers share that command), None when there is none or no /proc."""
    pid, found = start or os.getpid(), None
    while pid and pid > 1:
        parent, command = _proc_parent_and_command(pid)
        if PLAYBOOK_COMMAND in command:
            found = pid
        pid = parent
    return found


def process_alive(pid: int | None) -> bool:
    """Whether ``pid`` is a running ansible-playbook here (a pid reused by another program is not)."""
    if not pid:
        return True  # unknown: only expiry can free it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    _parent, command = _proc_parent_and_command(int(pid))
    return not command or PLAYBOOK_COMMAND in command


def this_host() -> str:
    return socket.gethostname()


def new_lease(run_id: str, runbook: str, ttl: int, now: datetime | None = None) -> Lease:
    now = now or utc_now()
    return Lease(owner=f"{getpass.getuser()}@{this_host()}", run_id=run_id, runbook=runbook, started=iso(now),
                 expires=iso(now + timedelta(seconds=ttl)), host=this_host(), pid=playbook_pid())


def stale_because(held: Lease, now: datetime, break_lease: str | None = None) -> str | None:
    """Why ``held`` may be taken over (None: it may not)."""
    if break_lease and break_lease == held.run_id:
        return "broken on request (break_lease)"
    expires = parse_iso(held.expires)
    if expires is not None and expires <= now:
        return f"expired at {held.expires}"
    if held.host == this_host() and not process_alive(held.pid):
        return f"its ansible-playbook process {held.pid} on {held.host} is gone"
    return None


class LeaseStore:
    """The lease of one service."""

    def __init__(self, ssm, service: str):
        self.ssm = ssm
        self.service = service
        self.name = lease_name(service)

    def current(self) -> Lease | None:
        found = ssm_parameters.read(self.ssm, self.name)
        return Lease.from_json(found["Value"]) if found else None

    def acquire(self, me: Lease, break_lease: str | None = None, check_mode: bool = False) -> dict:
        """Take the lease for ``me``: {changed, lease, reentrant, takeover}; LeaseHeld when held."""
        for _attempt in range(ACQUIRE_ATTEMPTS):
            held = self.current()
            if held is None:
                if check_mode or ssm_parameters.create_once(self.ssm, self.name, me.to_json(), "lease",
                                                            Type="String"):
                    return self._taken(me, check_mode)
                continue  # another run created it between our read and our write: look again
            if held.run_id == me.run_id:
                return {"changed": False, "lease": held.summary(), "reentrant": True, "takeover": None}
            reason = stale_because(held, utc_now(), break_lease)
            if reason is None:
                raise self._held(held, break_lease)
            takeover = {"previous_run_id": held.run_id, "previous_owner": held.owner,
                        "previous_runbook": held.runbook, "previous_started": held.started, "reason": reason}
            if check_mode or self._take_over(held, me, forced=bool(break_lease)):
                return self._taken(me, check_mode, takeover)
        raise self._held(self.current() or held, break_lease)

    def _taken(self, me: Lease, check_mode: bool, takeover: dict | None = None) -> dict:
        """The result of taking (or, in check mode, of being able to take) the lease."""
        return {"changed": True, "lease": me.summary(), "reentrant": False, "takeover": takeover}

    def _take_over(self, held: Lease, me: Lease, forced: bool) -> bool:
        """Replace the stale lease ``held`` by ``me``; False when another taker won it."""
        claim = json.dumps({"run_id": me.run_id, "owner": me.owner, "at": iso(utc_now())}, sort_keys=True)
        won = ssm_parameters.create_once(self.ssm, takeover_name(self.service, held.run_id), claim,
                                         "lease takeover claim", Type="String")
        if not won and not forced:
            return False
        now_held = self.current()
        if now_held is not None and now_held.run_id != held.run_id:
            return False
        self._overwrite(me)
        return True

    def _overwrite(self, me: Lease) -> None:
        """Put ``me`` over the lease; a lost answer is settled by reading back (the same value again is harmless)."""
        for _attempt in range(ssm_parameters.PUT_ATTEMPTS):
            try:
                with aws_action(f"take over lease {self.name}"):
                    self.ssm.put_parameter(Name=self.name, Value=me.to_json(), Type="String", Overwrite=True)
                return
            except AwsActionFailed as exc:
                if not exc.ambiguous:
                    raise
                found = ssm_parameters.read(self.ssm, self.name)
                if found is not None and found["Value"] == me.to_json():
                    return
        raise ActionFailed(f"Cannot tell whether lease {self.name} was taken over; check "
                           f"`aws ssm get-parameter --name {self.name}` and run this again")

    def _held(self, held: Lease, break_lease: str | None) -> LeaseHeld:
        mismatch = (f" (break_lease={break_lease} does not match the holder's run id {held.run_id})"
                    if break_lease and break_lease != held.run_id else "")
        return LeaseHeld(
            f"{self.service} is being changed by another run{mismatch}: {held.runbook} by {held.owner} "
            f"(run {held.run_id}, pid {held.pid} on {held.host}) since {held.started}; its lease expires at "
            f"{held.expires}. Nothing was changed. Wait for that run to end and run this again; if you know "
            f"it is dead, run again with -e break_lease={held.run_id}.",
            held_by=held.summary(), lease_name=self.name)

    def release(self, run_id: str, check_mode: bool = False) -> dict:
        """Delete the lease when it is this run's: {changed, lease (what was there), released}."""
        held = self.current()
        if held is None or held.run_id != run_id:
            return {"changed": False, "released": False, "lease": held.summary() if held else None}
        if not check_mode:
            try:
                with aws_action(f"release lease {self.name}"):
                    self.ssm.delete_parameter(Name=self.name)
            except AwsActionFailed as exc:
                if exc.code != "ParameterNotFound" and not (exc.ambiguous and self.current() is None):
                    raise
        return {"changed": True, "released": not check_mode, "lease": held.summary()}
