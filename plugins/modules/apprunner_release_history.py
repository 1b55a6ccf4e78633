#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: apprunner_release_history
short_description: Which images an AWS App Runner service has run successfully, and its previous good release
description:
  - Answers "which images has this service run successfully before?" by joining three sources of
    evidence, then picks the release C(target=previous) rolls back to.
  - B(Operations) (ListOperations) say which deployments ended C(SUCCEEDED) (C(CREATE_SERVICE),
    C(UPDATE_SERVICE), C(START_DEPLOYMENT)) and which ended C(ROLLBACK_SUCCEEDED), C(ROLLBACK_FAILED)
    or C(FAILED), but not which image each one deployed.
  - "B(The service event log) (CloudWatch Logs group C(/aws/apprunner/<name>/<id>/service)) names the
    image of each deployment (C(Deployment with ID : <op> started), C(Deployment Artifact ... [Image URL],
    [Image Tag]), C(... completed successfully) / C(... failed)). Used when the group exists."
  - B(The audit trail) of this collection (O(audit_log_path), one JSON line per run) names the image
    each of our runs deployed (RV(releases[].evidence) source C(audit)) with its operation id, and the
    image it found running when it started (source C(observed)).
  - "The rule: an image is B(known good) when its most recent evidence is a success (a SUCCEEDED
    deployment of it, or it was seen running); an image whose most recent deployment failed or was
    rolled back is excluded. RV(previous) is the newest known-good image (by ECR push time) that was
    pushed B(before) the image running now; never the current image, never a newer one. So running
    C(target=previous) again after a rollback moves one known-good release further back, or, when no
    older image is known good, RV(previous) is null with RV(previous_reason) and nothing should change."
  - "The same question for an ECS service (O(service), O(cluster), O(container)) or an ECS Express Mode
    service (O(express_service_arn)), with the same answer: there the evidence is B(the service
    deployments) (ListServiceDeployments, the image each one deployed; C(SUCCESSFUL) a success,
    C(ROLLBACK_SUCCESSFUL) or C(ROLLBACK_FAILED) a failure, the 20 most recent) and the audit trail."
version_added: "0.1.0"
options:
  audit_log_path:
    description:
      - The collection's audit trail (JSON lines written by the C(lacrei.rollback.audit) callback).
        A missing file is no evidence, not an error.
    type: path
  event_log_group:
    description:
      - CloudWatch Logs group of the service's event log. Defaults to
        C(/aws/apprunner/<service name>/<service id>/service). A missing group is no evidence.
    type: str
  use_event_log:
    description: Read the App Runner service event log from CloudWatch Logs.
    type: bool
    default: true
extends_documentation_fragment:
  - lacrei.rollback.apprunner_service.any_platform
  - lacrei.rollback.ecs_service
  - lacrei.rollback.aws
notes:
  - Read-only; supports check mode.
  - Images are matched by digest through the ECR repository the service runs from, so an image
    deployed by tag and later pinned by digest is one image.
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Find the release to roll back to
  lacrei.rollback.apprunner_release_history:
    service_arn: "{{ service_arn }}"
    audit_log_path: "{{ audit_log_path }}"
  register: history

- name: The same for an ECS service
  lacrei.rollback.apprunner_release_history:
    cluster: lacrei
    service: lacrei-saude-backend-ecs
    audit_log_path: "{{ audit_log_path }}"
  register: ecs_history

- name: Refuse when no earlier good release is known
  ansible.builtin.assert:
    that: history.previous is not none
    fail_msg: "{{ history.previous_reason }}"

- name: Show it
  ansible.builtin.debug:
    msg: "previous good release: {{ history.previous.tag }} pushed {{ history.previous.pushed_at }}"
"""

RETURN = r"""
current:
  description: The image the service is configured with now.
  returned: always
  type: dict
  contains:
    image_identifier: {description: Image identifier., type: str, sample: "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:3f9c2ab0..."}
    digest: {description: Its digest (null when not in ECR)., type: str, sample: "sha256:5e9f..."}
    tag: {description: Its git SHA tag (else its first tag; null when unknown)., type: str, sample: 3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d}
    tags: {description: Every tag of the image., type: list, elements: str, sample: [3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d, v1.3.0]}
    pushed_at: {description: "ECR push time (ISO 8601, UTC).", type: str, sample: "2024-05-02T13:45:10+00:00"}
  sample: {}
releases:
  description: Known-good images, newest push first, each with its evidence (the current image included when known good).
  returned: always
  type: list
  elements: dict
  contains:
    tag: {description: Git SHA tag (else first tag)., type: str, sample: 9b1d4e0c0a3f2e1d5c6b7a8f9e0d1c2b3a4f5e6d}
    tags: {description: Every tag of the image., type: list, elements: str, sample: [9b1d4e0c0a3f2e1d5c6b7a8f9e0d1c2b3a4f5e6d, v1.2.0]}
    digest: {description: Image digest., type: str, sample: "sha256:01b4..."}
    image_uri: {description: C(repository_uri:tag)., type: str, sample: "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:9b1d4e0c..."}
    pushed_at: {description: ECR push time., type: str, sample: "2024-04-25T12:00:00+00:00"}
    current: {description: Whether the service runs it now., type: bool, sample: false}
    last_success_at: {description: Time of its most recent success evidence., type: str, sample: "2024-04-25T12:10:00+00:00"}
    evidence:
      description: "What says it ran: source (operation, event_log, audit, observed), outcome, at, operation_id, operation_type."
      type: list
      elements: dict
      sample: [{source: event_log, outcome: succeeded, operation_id: 0f3c0a1e, operation_type: CREATE_SERVICE}]
  sample: []
excluded:
  description: Images left out because their most recent deployment failed, with that evidence.
  returned: always
  type: list
  elements: dict
  sample: [{tag: 6365d101..., reason: "deployment 8d2e... ended ROLLBACK_SUCCEEDED at 2024-05-02T13:49:02+00:00"}]
previous:
  description: The previous good release (same keys as an element of RV(releases)); null when none is known.
  returned: always
  type: dict
  sample: {tag: 9b1d4e0c0a3f2e1d5c6b7a8f9e0d1c2b3a4f5e6d, tags: [9b1d4e0c..., v1.2.0]}
previous_release:
  description:
    - The previous good release as a release record (the shape P(lacrei.rollback.ecr_image_info#module)'s
      RV(lacrei.rollback.ecr_image_info#module:release) has); null when none is known.
    - C(ran) is the time of its most recent success evidence.
  returned: always
  type: dict
  sample: {sha: 9b1d4e0c0a3f2e1d5c6b7a8f9e0d1c2b3a4f5e6d, version: v1.2.0}
previous_reason:
  description: Why RV(previous) is null (null otherwise).
  returned: always
  type: str
  sample: "No earlier good release known for lacrei-saude-backend: ..."
sources:
  description: How much each source contributed.
  returned: always
  type: dict
  sample: {operations: 4, event_log: "/aws/apprunner/api/8fe1/service (12 lines)", audit_log: "3 entries"}
platform:
  description: C(apprunner), C(ecs) or C(ecs_express).
  returned: always
  type: str
  sample: apprunner
"""

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.ecs_history import ecs_release_history
from ansible_collections.lacrei.rollback.plugins.module_utils.service_target import (
    SERVICE_RULES, SERVICE_SPEC, platform_for)
from ansible_collections.lacrei.rollback.plugins.module_utils.release_history import release_history

ARGUMENT_SPEC = dict(
    **SERVICE_SPEC,
    audit_log_path=dict(type="path"),
    event_log_group=dict(type="str"),
    use_event_log=dict(type="bool", default=True),
)


def history(params: dict) -> dict:
    ecr_client = aws_client("ecr", params, primary=False)
    platform, service = platform_for(params)
    if platform.name != "apprunner":
        return dict(ecs_release_history(platform, platform.describe(service), ecr_client, params["audit_log_path"]),
                    platform=platform.name)
    logs = aws_client("logs", params, primary=False) if params["use_event_log"] else None
    return dict(release_history(platform, platform.describe(service), ecr_client, logs,
                                params["audit_log_path"], params["event_log_group"]), platform=platform.name)


def main():
    module = aws_module(ARGUMENT_SPEC, **SERVICE_RULES)
    with fail_on_error(module):
        result = history(module.params)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
