#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: http_check
short_description: Check that a service's critical endpoints answer as expected, with a retry budget
description:
  - Sends C(GET <base_url><path>) for each of O(endpoints) and compares the answer with the expected
    status and, optionally, a top-level JSON field (and its value).
  - Endpoints that did not answer as expected are asked again, O(delay) seconds apart, at most
    O(retries) more times; the others are not asked again. All of it runs in one process, so
    checking many endpoints costs one module run.
  - Fails naming every endpoint that never answered as expected, its last status (or why there was
    no answer) and an excerpt of its body.
  - With O(probe_until), it probes instead of validating, the monitor's synthetic traffic when real
    traffic is too little. It asks every endpoint once, then again every O(delay) seconds until that
    time, and records each answer with its time in RV(probes). Answers are data, so it never fails on them.
  - Only reads; it runs in check mode too.
version_added: "0.1.0"
options:
  base_url:
    description: Base URL of the service (C(http://) or C(https://)); a trailing C(/) is ignored.
    type: str
    required: true
  endpoints:
    description: The endpoints to check.
    type: list
    elements: dict
    required: true
    suboptions:
      path:
        description: Path under O(base_url), starting with C(/).
        type: str
        required: true
      status:
        description: Expected HTTP status.
        type: int
        default: 200
      json_field:
        description: A top-level key the JSON body must have.
        type: str
      json_value:
        description: The value O(endpoints[].json_field) must have (any value when unset).
        type: raw
  retries:
    description: Further attempts for an endpoint that did not answer as expected.
    type: int
    default: 10
  delay:
    description: Seconds between attempts.
    type: float
    default: 2
  timeout:
    description: Seconds per request.
    type: float
    default: 5
  validate_certs:
    description: Validate TLS certificates.
    type: bool
    default: true
  body_excerpt:
    description: Characters of the body kept for an endpoint that failed.
    type: int
    default: 300
  probe_until:
    description:
      - Probe mode - the time (epoch seconds) until which to keep probing every endpoint, a round
        every O(delay) seconds (at least one round). O(retries) does not apply.
    type: float
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Validate the critical endpoints after a rollback
  lacrei.rollback.http_check:
    base_url: https://abc123.us-east-1.awsapprunner.com
    endpoints:
      - {path: /health/, json_field: status, json_value: ok}
      - {path: /api/professionals/}
      - {path: /api/appointments/}
    retries: 10
    delay: 2

- name: Probe the critical endpoints every 5 s for the next minute (synthetic traffic)
  lacrei.rollback.http_check:
    base_url: https://abc123.us-east-1.awsapprunner.com
    endpoints: "{{ critical_endpoints }}"
    delay: 5
    probe_until: "{{ now().timestamp() + 60 }}"
  register: probes
"""

RETURN = r"""
endpoints:
  description: One entry per endpoint, in the order given.
  returned: always
  type: list
  elements: dict
  contains:
    path: {description: The path., type: str, sample: /health/}
    url: {description: The URL requested., type: str, sample: "https://abc123.us-east-1.awsapprunner.com/health/"}
    ok: {description: Whether it answered as expected., type: bool, sample: true}
    status: {description: Last HTTP status (null when there was no answer)., type: int, sample: 200}
    expected: {description: What was expected., type: str, sample: "200 with status=ok"}
    attempts: {description: Requests sent., type: int, sample: 1}
    reason: {description: "Why there was no answer (connection refused, timeout); null otherwise.", type: str, sample: null}
    body: {description: Excerpt of the last body (only for an endpoint that failed)., type: str, sample: "Server Error (500)"}
  sample: []
probes:
  description: Probe mode - every request sent, oldest first.
  returned: when O(probe_until) is set
  type: list
  elements: dict
  contains:
    at: {description: When it was sent (epoch seconds)., type: float, sample: 1714650000.25}
    path: {description: The path., type: str, sample: /health/}
    ok: {description: Whether it answered as expected., type: bool, sample: true}
    status: {description: HTTP status (null when there was no answer)., type: int, sample: 200}
    reason: {description: Why there was no answer; null otherwise., type: str, sample: null}
  sample: [{at: 1714650000.25, path: /health/, ok: true, status: 200, reason: null}]
"""

import json
import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lacrei.rollback.plugins.module_utils import http_request

ENDPOINT_SPEC = dict(
    path=dict(type="str", required=True),
    status=dict(type="int", default=200),
    json_field=dict(type="str"),
    json_value=dict(type="raw"),
)


def expected_text(endpoint: dict) -> str:
    text = str(endpoint["status"])
    if endpoint.get("json_field"):
        value = endpoint.get("json_value")
        text += f" with {endpoint['json_field']}={'any' if value is None else value}"
    return text


def request(url: str, params: dict) -> tuple:
    """(status or None, body text, reason) of one GET."""
    return http_request.request(url, params["timeout"], params["validate_certs"])


def judge(endpoint: dict, status, body: str) -> bool:
    if status != endpoint["status"]:
        return False
    field = endpoint.get("json_field")
    if not field:
        return True
    try:
        data = json.loads(body)
    except ValueError:
        return False
    if not isinstance(data, dict) or field not in data:
        return False
    return endpoint.get("json_value") is None or data[field] == endpoint["json_value"]


def check(params: dict, sleep=time.sleep) -> list:
    base = params["base_url"].rstrip("/")
    endpoints = params["endpoints"]
    results = [dict(path=e["path"], url=base + e["path"], ok=False, status=None, expected=expected_text(e),
                    attempts=0, reason=None) for e in endpoints]
    bodies = [""] * len(endpoints)
    for attempt in range(params["retries"] + 1):
        pending = [index for index, result in enumerate(results) if not result["ok"]]
        if not pending:
            break
        if attempt:
            sleep(params["delay"])
        for index in pending:
            result = results[index]
            status, bodies[index], reason = request(result["url"], params)
            result.update(status=status, reason=reason, attempts=result["attempts"] + 1,
                          ok=judge(endpoints[index], status, bodies[index]))
    for result, body in zip(results, bodies):
        if not result["ok"]:
            result["body"] = re.sub(r"\s+", " ", body).strip()[: params["body_excerpt"]]
    return results


def probe(params: dict, clock=time.time, sleep=time.sleep) -> list:
    """Probe mode: a round over every endpoint, then one every ``delay`` seconds until ``probe_until``."""
    base = params["base_url"].rstrip("/")
    probes = []
    while True:
        next_round = clock() + params["delay"]
        for endpoint in params["endpoints"]:
            at = clock()
            status, body, reason = request(base + endpoint["path"], params)
            probes.append(dict(at=round(at, 3), path=endpoint["path"], ok=judge(endpoint, status, body),
                               status=status, reason=reason))
        if next_round >= params["probe_until"]:
            return probes
        sleep(max(0.0, next_round - clock()))


def failure_message(params: dict, results: list) -> str:
    lines = []
    for result in results:
        if result["ok"]:
            continue
        answered = (f"answered {result['status']}" if result["status"] is not None
                    else f"got no answer ({result['reason']})")
        lines.append(f"GET {result['path']} {answered} (expected {result['expected']}), "
                     f"body: {result['body'] or '(empty)'}")
    attempts = params["retries"] + 1
    return (f"Validation of {params['base_url']} failed after {attempts} attempt{'s' if attempts > 1 else ''} "
            "per endpoint: " + "; ".join(lines))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            base_url=dict(type="str", required=True),
            endpoints=dict(type="list", elements="dict", required=True, options=ENDPOINT_SPEC),
            retries=dict(type="int", default=10),
            delay=dict(type="float", default=2),
            timeout=dict(type="float", default=5),
            validate_certs=dict(type="bool", default=True),
            body_excerpt=dict(type="int", default=300),
            probe_until=dict(type="float"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not re.match(r"https?://", params["base_url"]) or not params["endpoints"]:
        module.fail_json(msg=f"Cannot validate: base_url ({params['base_url'] or 'unset'}) must be an http(s) URL "
                             "and endpoints a non-empty list of {path, status} entries.")
    if params["retries"] < 0 or params["delay"] < 0 or params["timeout"] <= 0:
        module.fail_json(msg="retries and delay must be 0 or more and timeout more than 0.")
    if params["probe_until"] is not None:
        if params["delay"] <= 0:
            module.fail_json(msg="Probing needs a delay of more than 0 seconds between rounds.")
        module.exit_json(changed=False, probes=probe(params))
    results = check(params)
    if not all(result["ok"] for result in results):
        module.fail_json(msg=failure_message(params, results), endpoints=results)
    module.exit_json(changed=False, endpoints=results)


if __name__ == "__main__":
    main()
