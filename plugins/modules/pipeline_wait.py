#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: pipeline_wait
short_description: Wait until the team's pipeline has deployed a pushed commit to an App Runner service
description:
  - After a push (for example the revert pushed by M(lacrei.rollback.git_revert)), waits until the
    App Runner service runs the image tagged with the commit's SHA and no operation is in progress,
    or until the pipeline says it failed.
  - The pipeline's outcome is read from its CloudWatch Logs stream (group O(log_group), stream = the
    full commit SHA) when O(log_group) is given; a line starting with C(PIPELINE FAILED) ends the wait
    as a failure that quotes the pipeline's log. Without O(log_group) only the service is watched and
    a failed pipeline shows as a timeout.
  - Uses the collection's one App Runner poller (interval from 0.5 s, growing to 1 s). Never changes
    anything; in check mode it reports without waiting.
version_added: "0.2.0"
options:
  commit:
    description: The full SHA of the pushed commit; the image tag the pipeline deploys.
    type: str
    required: true
  log_group:
    description: CloudWatch Logs group the pipeline writes to (one stream per commit SHA).
    type: str
  timeout:
    description: Seconds to wait before failing (the deployment goes on).
    type: int
    default: 900
extends_documentation_fragment:
  - lacrei.rollback.apprunner_service
  - lacrei.rollback.aws
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Wait for the pipeline to deploy the revert
  lacrei.rollback.pipeline_wait:
    service_arn: "{{ service_arn }}"
    commit: "{{ revert.revert_commit }}"
    log_group: /lacrei/pipeline/lacrei-saude-backend
    timeout: 1200
  register: deployed

- name: Show the deployment
  ansible.builtin.debug:
    msg: "{{ deployed.image_identifier }} by operation {{ deployed.operation_id }}"
"""

RETURN = r"""
image_identifier:
  description: The image the service runs at the end (the commit's image on success).
  returned: always
  type: str
  sample: "123456789012.dkr.ecr.us-east-1.amazonaws.com/lacrei-saude-backend:3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d"
operation_id:
  description: The newest successful App Runner operation once the service runs the commit's image.
  returned: success
  type: str
  sample: 0f3c0a1e5d2b4c6e8a9b
outcome:
  description: C(deployed), C(pipeline_failed), or C(not_waited) in check mode.
  returned: always
  type: str
  sample: deployed
pipeline_log:
  description: The pipeline's log lines for this commit (the last 40), when O(log_group) is given.
  returned: always
  type: list
  elements: str
  sample: ["PIPELINE STARTED for 3f9c...", "PIPELINE SUCCEEDED: ... deployed by operation 0f3c..."]
waited_seconds:
  description: How long the module waited.
  returned: always
  type: float
  sample: 12.5
"""

import re

from ansible_collections.lacrei.rollback.plugins.module_utils import ecr
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner_poller import (
    WaitTimeout, iter_operations, wait_until)
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import AwsActionFailed, aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error

ARGUMENT_SPEC = dict(
    service_arn=dict(type="str", required=True, aliases=["arn"]),
    commit=dict(type="str", required=True),
    log_group=dict(type="str"),
    timeout=dict(type="int", default=900),
)
LOG_LINES = 40
FAILED = "PIPELINE FAILED"


def pipeline_log(logs, group: str | None, commit: str) -> list[str]:
    """The pipeline's lines for ``commit`` so far ([] before its stream exists)."""
    if not group:
        return []
    try:
        with aws_action(f"read the pipeline log {group} stream {commit}"):
            events = logs.get_log_events(logGroupName=group, logStreamName=commit, startFromHead=True,
                                         limit=10000)["events"]
    except AwsActionFailed as exc:
        if exc.code == "ResourceNotFoundException":
            return []
        raise
    return [event["message"] for event in events]


def running(apprunner, arn: str) -> dict:
    with aws_action(f"describe service {arn}"):
        return apprunner.describe_service(ServiceArn=arn)["Service"]


def wait(module, apprunner, logs) -> dict:
    params = module.params
    arn, commit = params["service_arn"], params["commit"]
    seen = {}

    def ended():
        seen["log"] = pipeline_log(logs, params["log_group"], commit)
        seen["service"] = running(apprunner, arn)
        if any(line.startswith(FAILED) for line in seen["log"]):
            return "pipeline_failed"
        image = seen["service"]["SourceConfiguration"]["ImageRepository"]["ImageIdentifier"]
        if ecr.parse_image_identifier(image).tag == commit and seen["service"]["Status"] == "RUNNING":
            return "deployed"
        return None

    try:
        outcome, waited = wait_until(ended, f"the pipeline to deploy {commit} to {arn}", params["timeout"])
    except WaitTimeout as exc:
        raise ActionFailed(f"{exc.msg}; the service runs {image_of(seen.get('service'))}. The pipeline's log: "
                           + (" | ".join(seen.get("log", [])[-5:]) or "nothing yet"),
                           pipeline_log=seen.get("log", [])[-LOG_LINES:],
                           image_identifier=image_of(seen.get("service"))) from None
    result = {"outcome": outcome, "waited_seconds": round(waited, 3), "pipeline_log": seen["log"][-LOG_LINES:],
              "image_identifier": image_of(seen["service"])}
    if outcome == "pipeline_failed":
        failure = next(line for line in seen["log"] if line.startswith(FAILED))
        raise ActionFailed(f"The pipeline failed for {commit}: {failure}. The service runs "
                           f"{result['image_identifier']} ({seen['service']['Status']}).", **result)
    operation = next((op for op in iter_operations(apprunner, arn, limit=20) if op.get("Status") == "SUCCEEDED"), {})
    result["operation_id"] = operation.get("Id") or _logged_operation(seen["log"])
    return result


def image_of(service: dict | None) -> str | None:
    return ((service or {}).get("SourceConfiguration") or {}).get("ImageRepository", {}).get("ImageIdentifier")


def _logged_operation(lines: list[str]) -> str | None:
    match = next((re.search(r"deployed by operation (\S+)", line) for line in lines if "SUCCEEDED" in line), None)
    return match.group(1) if match else None


def main():
    module = aws_module(ARGUMENT_SPEC)
    if not re.fullmatch(r"[0-9a-f]{40}", module.params["commit"]):
        module.fail_json(msg=f"commit must be a full 40-character SHA (the image tag), got {module.params['commit']!r}")
    if module.params["timeout"] <= 0:
        module.fail_json(msg=f"timeout must be a positive number of seconds, got {module.params['timeout']}")
    with fail_on_error(module):
        apprunner = aws_client("apprunner", module.params)
        if module.check_mode:
            module.exit_json(changed=False, outcome="not_waited", waited_seconds=0.0, pipeline_log=[],
                             image_identifier=image_of(running(apprunner, module.params["service_arn"])))
        logs = aws_client("logs", module.params, primary=False) if module.params["log_group"] else None
        result = wait(module, apprunner, logs)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
