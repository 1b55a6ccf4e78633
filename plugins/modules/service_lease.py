#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: service_lease
short_description: Take or release a service's lease, so that one changing runbook runs on it at a time
description:
  - The lease of service C(S) is the SSM Parameter Store String parameter C(/lacrei-rollback/leases/S),
    holding JSON with C(owner) (OS user@host), C(run_id), C(runbook), C(started) and C(expires)
    (ISO 8601 UTC), C(host) and C(pid) (the C(ansible-playbook) process).
  - O(state=present) takes it with a conditional create (PutParameter C(Overwrite=false)); of two
    runs at once exactly one gets it; the other fails, naming who holds it since when and what to do.
  - The run that holds it may take it again (a runbook included by another); nothing changes.
  - A lease that has expired, whose holder ran on this host and whose C(ansible-playbook) process is
    gone (killed), or whose run id is given in O(break_lease), is taken over; the result says whose
    it was (RV(takeover)). Two takers cannot both win; each first creates the claim
    C(/lacrei-rollback/lease-takeovers/S/<stale run id>) with C(Overwrite=false); only the one that
    created it replaces the lease.
  - O(state=absent) releases it when it still carries O(run_id); a lease of another run is left alone.
version_added: "0.2.0"
options:
  service:
    description: Name of the service (the App Runner service name) the lease guards.
    type: str
    required: true
  state:
    description: V(present) takes the lease, V(absent) releases it.
    type: str
    choices: [present, absent]
    default: present
  run_id:
    description:
      - Id of this playbook run (unique per run; the same for every runbook the run includes).
    type: str
    required: true
  runbook:
    description: Which runbook holds the lease (shown to whoever is refused).
    type: str
    default: unknown
  ttl:
    description:
      - Seconds the lease lasts; after that another run may take it over. Longer than the runbook
        can take.
    type: int
    default: 3600
  break_lease:
    description:
      - The run id of a lease a person knows to be dead; that lease is taken over whatever its expiry.
      - A different run id does not match and the lease is refused as usual.
    type: str
extends_documentation_fragment:
  - lacrei.rollback.aws
notes:
  - Supports check mode (reports whether the lease could be taken, or whether it would be released;
    writes nothing).
  - Calls SSM GetParameter, PutParameter and DeleteParameter on C(/lacrei-rollback/leases/*) and
    C(/lacrei-rollback/lease-takeovers/*).
  - The PostgreSQL runbooks also take an advisory lock in the modules that change the database.
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Take the service's lease for this run
  lacrei.rollback.service_lease:
    service: consultas-api
    run_id: "{{ run_id }}"
    runbook: app-rollback
  register: lease

- name: Release it
  lacrei.rollback.service_lease:
    service: consultas-api
    run_id: "{{ run_id }}"
    state: absent

- name: Take over a lease whose run is known to be dead
  lacrei.rollback.service_lease:
    service: consultas-api
    run_id: "{{ run_id }}"
    runbook: app-rollback
    break_lease: 0c6f0e4b8a7d4b53a1f6d1e9c2b3a4f5
"""

RETURN = r"""
lease:
  description: The lease this run holds (O(state=present)), or the one that was there (O(state=absent)).
  returned: always
  type: dict
  sample: {owner: ana@laptop, run_id: 0c6f0e4b8a7d4b53a1f6d1e9c2b3a4f5, runbook: app-rollback,
           started: "2026-05-04T03:12:09+00:00", expires: "2026-05-04T04:12:09+00:00", host: laptop, pid: 4242}
lease_name:
  description: The SSM parameter of the lease.
  returned: always
  type: str
  sample: /lacrei-rollback/leases/consultas-api
reentrant:
  description: Whether this run held the lease already (taking it again changed nothing).
  returned: when O(state=present)
  type: bool
  sample: false
takeover:
  description: Whose lease was taken over and why (C(null) when the lease was free).
  returned: when O(state=present)
  type: dict
  sample: {previous_run_id: 9a1b2c3d4e5f, previous_owner: ana@laptop, previous_runbook: db-restore,
           previous_started: "2026-05-04T02:00:00+00:00", reason: its ansible-playbook process 4242 on laptop is gone}
released:
  description: Whether the lease was deleted (O(state=absent)).
  returned: when O(state=absent)
  type: bool
  sample: true
held_by:
  description: On refusal, the lease of the run that holds it.
  returned: when another run holds the lease
  type: dict
  sample: {owner: bruno@ops, run_id: 9a1b2c3d4e5f, runbook: config-rollback, started: "2026-05-04T03:10:00+00:00"}
"""

import re

from ansible_collections.lacrei.rollback.plugins.module_utils import lease
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error

ARGUMENT_SPEC = dict(
    service=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    run_id=dict(type="str", required=True),
    runbook=dict(type="str", default="unknown"),
    ttl=dict(type="int", default=lease.DEFAULT_TTL),
    break_lease=dict(type="str"),
)
SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-_]{3,39}$")
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def check_arguments(params: dict) -> None:
    if not SERVICE_NAME.match(params["service"]):
        raise ActionFailed(f"service must be an App Runner service name (4-40 letters, digits, - or _), got "
                           f"{params['service']!r}; nothing was changed")
    for option in ("run_id", "break_lease"):
        if params[option] is not None and not RUN_ID.match(params[option]):
            raise ActionFailed(f"{option} must be a run id (1-64 letters, digits, - or _, not starting with -), got {params[option]!r}; "
                               "nothing was changed")
    if params["ttl"] < 60:
        raise ActionFailed(f"ttl must be at least 60 seconds, got {params['ttl']}; nothing was changed")


def run(module) -> dict:
    params = module.params
    check_arguments(params)
    store = lease.LeaseStore(aws_client("ssm", params), params["service"])
    if params["state"] == "absent":
        return dict(store.release(params["run_id"], module.check_mode), lease_name=store.name)
    me = lease.new_lease(params["run_id"], params["runbook"], params["ttl"])
    return dict(store.acquire(me, params["break_lease"], module.check_mode), lease_name=store.name)


def main():
    module = aws_module(ARGUMENT_SPEC)
    with fail_on_error(module):
        result = run(module)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
