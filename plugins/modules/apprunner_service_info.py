#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: apprunner_service_info
short_description: Describe an AWS App Runner service, the image it runs and its recent operations
description:
  - Returns the status of an App Runner service, the image identifier it runs and that image's
    digest (looked up in ECR when the identifier names a tag), port, start command, the names of
    its environment variables and secrets, its health check and its recent operations.
  - Environment variable values are returned only with O(include_env_values=true); secret values
    are never read (only the names and the ARNs they refer to).
version_added: "0.1.0"
options:
  include_env_values:
    description:
      - Also return the values of the plain environment variables (RV(service.environment_variables))
        and the ARNs the secrets refer to (RV(service.environment_secrets)).
    type: bool
    default: false
  operations_limit:
    description: How many of the most recent operations to return.
    type: int
    default: 5
  resolve_digest:
    description: Look the digest of a tagged image identifier up in ECR.
    type: bool
    default: true
extends_documentation_fragment:
  - lacrei.rollback.apprunner_service
  - lacrei.rollback.aws
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Record what the API service runs before rolling back
  lacrei.rollback.apprunner_service_info:
    service_arn: "{{ service_arn }}"
    operations_limit: 3
  register: before

- name: Show the current image and the last operation
  ansible.builtin.debug:
    msg: "{{ before.service.image_identifier }} ({{ before.service.image_digest }}); last: {{ before.operations[0].status }}"
"""

RETURN = r"""
service:
  description: The service as App Runner describes it, in snake_case.
  returned: always
  type: dict
  contains:
    service_name: {description: Service name., type: str, sample: consultas-api}
    service_arn: {description: Service ARN., type: str, sample: "arn:aws:apprunner:us-east-1:123456789012:service/consultas-api/8fe1"}
    service_url: {description: Default domain of the service., type: str, sample: abc123.us-east-1.awsapprunner.com}
    status: {description: Service status., type: str, sample: RUNNING}
    image_identifier: {description: Image the service is configured to run., type: str,
                       sample: "123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas-api:3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d"}
    image_repository_type: {description: ECR or ECR_PUBLIC., type: str, sample: ECR}
    image_digest: {description: Digest of that image (null when it could not be resolved; see warnings)., type: str, sample: "sha256:5e9f..."}
    image_repository: {description: Repository URI part of the image identifier., type: str, sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas-api}
    image_tag: {description: Tag part of the image identifier (null when pinned by digest)., type: str, sample: 3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d}
    port: {description: Port the container listens on., type: str, sample: "8000"}
    start_command: {description: Start command override., type: str, sample: gunicorn consultas.wsgi}
    environment_variable_names: {description: Names of the plain environment variables., type: list, elements: str, sample: [DJANGO_SETTINGS_MODULE]}
    environment_secret_names: {description: Names of the environment secrets., type: list, elements: str, sample: [DATABASE_URL]}
    environment_variables: {description: Plain environment variables., type: dict, returned: when O(include_env_values=true), sample: {DEBUG: "0"}}
    environment_secrets: {description: Secret name -> ARN it refers to (never the value)., type: dict, returned: when O(include_env_values=true),
                          sample: {DATABASE_URL: "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}}
    health_check: {description: Health check configuration., type: dict, sample: {protocol: HTTP, path: /health/, interval: 5}}
    cpu: {description: vCPU setting., type: str, sample: "1024"}
    memory: {description: Memory setting., type: str, sample: "2048"}
    updated_at: {description: "Last update (ISO 8601, UTC).", type: str, sample: "2024-05-02T13:45:10+00:00"}
  sample: {}
operations:
  description: The most recent operations, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    id: {description: Operation id., type: str, sample: 0f3c0a1e5d2b4c6e8a9b}
    type: {description: Operation type., type: str, sample: UPDATE_SERVICE}
    status: {description: Operation status., type: str, sample: SUCCEEDED}
    started_at: {description: "Start (ISO 8601, UTC).", type: str, sample: "2024-05-02T13:45:10+00:00"}
    ended_at: {description: "End (ISO 8601, UTC; null while running).", type: str, sample: "2024-05-02T13:49:02+00:00"}
  sample: []
"""

from ansible_collections.lacrei.rollback.plugins.module_utils import ecr
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner import AppRunnerPlatform
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error

ARGUMENT_SPEC = dict(
    service_arn=dict(type="str", required=True, aliases=["arn"]),
    include_env_values=dict(type="bool", default=False),
    operations_limit=dict(type="int", default=5),
    resolve_digest=dict(type="bool", default=True),
)


def image_details(module, service: dict) -> dict:
    """Repository, tag and digest of the service's image; a warning when the digest is unknown."""
    identifier = service["image_identifier"]
    if not identifier:
        return {}
    ref = ecr.parse_image_identifier(identifier)
    details = {"image_repository": ref.repository_uri, "image_tag": ref.tag, "image_digest": ref.digest}
    if ref.digest is None and module.params["resolve_digest"] and service["image_repository_type"] == "ECR":
        try:
            details["image_digest"] = ecr.digest_of(aws_client("ecr", module.params, primary=False), identifier)
        except ActionFailed as exc:
            module.warn(f"Digest of the service's image unknown: {exc.msg}")
    return details


def service_info(module, platform) -> dict:
    arn = module.params["service_arn"]
    service = platform.describe(arn, module.params["include_env_values"])
    service.update(image_details(module, service))
    return {"service": service, "operations": platform.list_operations(arn, module.params["operations_limit"])}


def main():
    module = aws_module(ARGUMENT_SPEC)
    with fail_on_error(module):
        result = service_info(module, AppRunnerPlatform(aws_client("apprunner", module.params)))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
