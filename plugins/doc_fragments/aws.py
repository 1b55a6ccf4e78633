# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # AWS connection options shared by every lacrei.rollback AWS module
    # (plugins/module_utils/aws_client.py AWS_CONNECTION_SPEC).
    DOCUMENTATION = r"""
options:
  region:
    description:
      - The AWS region.
      - When not set, E(AWS_REGION), then E(AWS_DEFAULT_REGION), then the profile's region, and last
        the region of the C(service_arn) the module was given, if any. Empty variables count as unset.
      - The collection's playbooks set it from the inventory variable C(aws_region) through the
        action group C(lacrei.rollback.aws) in C(module_defaults).
    type: str
    aliases: [aws_region]
  profile:
    description:
      - A named profile from the AWS config and credentials files.
      - When not set, E(AWS_PROFILE) or the default credential chain applies.
      - The collection's playbooks set it from the inventory variable C(aws_profile), when defined.
    type: str
    aliases: [aws_profile]
  endpoint_url:
    description:
      - Endpoint URL of the module's main service (App Runner for C(apprunner_*) modules, ECS for
        C(ecs_*) modules, ECR for C(ecr_*) modules).
      - When not set, boto3 honours E(AWS_ENDPOINT_URL_<SERVICE>) (for example
        E(AWS_ENDPOINT_URL_APPRUNNER), E(AWS_ENDPOINT_URL_ECR)) and E(AWS_ENDPOINT_URL); other
        services a module reads always come from there.
    type: str
    aliases: [aws_endpoint_url]
  access_key:
    description:
      - AWS access key id. When not set, the default credential chain applies.
      - Must be given together with O(secret_key).
    type: str
    aliases: [aws_access_key_id]
  secret_key:
    description:
      - AWS secret access key. Never logged.
    type: str
    aliases: [aws_secret_access_key]
  session_token:
    description:
      - AWS session token for temporary credentials. Never logged.
    type: str
    aliases: [aws_session_token]
  retry_mode:
    description:
      - botocore retry mode. Both retry throttling errors and 5xx answers with jittered
        exponential backoff; C(adaptive) also rate-limits the client side.
    type: str
    choices: [standard, adaptive]
    default: standard
  max_attempts:
    description:
      - Maximum attempts per AWS call, the first one included.
    type: int
    default: 8
requirements:
  - python >= 3.11
  - boto3
notes:
  - AWS access uses boto3's standard configuration; the sandbox is only other endpoints.
  - Every AWS module of the collection is in the action group C(lacrei.rollback.aws), so a play sets
    region and profile once with C(module_defaults) C(group/lacrei.rollback.aws).
"""
