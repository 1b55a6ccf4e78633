#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: http_send
short_description: Send one JSON request (a chat webhook, a status page) and say what came back
description:
  - Sends O(body) as JSON with O(method) to O(url), once, and returns the status and the answer (parsed
    when it is JSON).
  - Fails when no answer came or its status is not one of O(status_code); the message says which, with
    the URL and the headers masked (they hold tokens). The roles C(notify) and C(status_page) treat a
    failure as "not delivered" and go on.
  - Sends nothing in check mode.
version_added: "0.2.0"
options:
  url:
    description: Where to send it (http or https). Often holds a token (a chat webhook's path), so it is never shown.
    type: str
    required: true
  method:
    description: The HTTP method.
    type: str
    choices: [POST, PUT, PATCH]
    default: POST
  body:
    description: The request's body, sent as JSON.
    type: raw
    required: true
  headers:
    description: Extra request headers (for example C(Authorization)); never shown.
    type: dict
    default: {}
  status_code:
    description: The statuses that mean it was taken.
    type: list
    elements: int
    default: [200, 201, 202, 204]
  timeout:
    description: Seconds to wait for the answer.
    type: int
    default: 10
  validate_certs:
    description: Check the server's TLS certificate.
    type: bool
    default: true
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Post to the team's webhook (best effort)
  lacrei.rollback.http_send:
    url: "{{ notify_webhook_url }}"
    body: {text: "Emergency rollback started"}
  register: posted
  failed_when: false
  no_log: true
"""

RETURN = r"""
status:
  description: The answer's HTTP status, -1 when none came.
  returned: always
  type: int
  sample: 201
json:
  description: The answer's body, when it is JSON.
  returned: when the answer is JSON
  type: raw
  sample: {id: inc-1, status: identified}
msg:
  description: Why it was not taken (no answer, or the status), the URL and headers masked.
  returned: on failure
  type: str
  sample: "Status code was 401 and not [200, 201]: unauthorized"
"""

import json
import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.lacrei.rollback.plugins.module_utils import http_request
from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import refuse_bad_params

URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S+")


def main():
    module = AnsibleModule(argument_spec=dict(
        url=dict(type="str", required=True, no_log=True),
        method=dict(type="str", choices=["POST", "PUT", "PATCH"], default="POST"),
        body=dict(type="raw", required=True),
        headers=dict(type="dict", default={}, no_log=True),
        status_code=dict(type="list", elements="int", default=[200, 201, 202, 204]),
        timeout=dict(type="int", default=10),
        validate_certs=dict(type="bool", default=True),
    ), supports_check_mode=True)
    refuse_bad_params(module, dict(url="line"))
    params = module.params
    if not re.match(r"https?://", params["url"]):
        module.fail_json(msg="url must be an http(s) URL; nothing was sent", status=-1)
    if module.check_mode:
        module.exit_json(changed=False, status=-1, msg="check mode: nothing sent")
    headers = dict(params["headers"], **{"Content-Type": "application/json"})
    status, text, reason = http_request.request(params["url"], params["timeout"], params["validate_certs"],
                                                method=params["method"], data=json.dumps(params["body"]).encode(),
                                                headers=headers)
    result = dict(status=-1 if status is None else status)
    try:
        answer = json.loads(text) if text else None
    except ValueError:
        answer = None
    if answer is not None:
        result["json"] = answer
    if status in params["status_code"]:
        module.exit_json(changed=True, **result)
    if status is None:
        why = f"Request failed: {reason}"
    else:
        excerpt = re.sub(r"\s+", " ", text).strip()[:200]
        why = f"Status code was {status} and not {params['status_code']}: {excerpt}"
    module.fail_json(msg=URL.sub("<URL>", why), **result)


if __name__ == "__main__":
    main()
