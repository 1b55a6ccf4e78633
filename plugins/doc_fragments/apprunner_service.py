# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations


class ModuleDocFragment:
    # The App Runner service a module works on.
    DOCUMENTATION = r"""
options:
  service_arn:
    description: ARN of the App Runner service.
    type: str
    required: true
    aliases: [arn]
"""

    # The App Runner service, or an ECS / Express Mode one (with lacrei.rollback.ecs_service;
    # plugins/module_utils/service_target.py SERVICE_SPEC).
    ANY_PLATFORM = r"""
options:
  service_arn:
    description:
      - ARN of the App Runner service.
      - Exactly one of O(service_arn), O(service) (an ECS service) and O(express_service_arn) (an
        ECS Express Mode service) is required.
    type: str
    aliases: [arn]
"""

    # Waiting for the operation a module starts
    # (plugins/module_utils/apprunner.py WAIT_SPEC and AppRunnerPlatform.started, finish, judge).
    WAIT = r"""
options:
  wait:
    description: Wait for the operation to end.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the operation. On timeout the module fails, and the operation goes on
        in App Runner.
    type: int
    default: 900
"""

    # Which environment variables are secret (plugins/module_utils/env_masking.py SECRET_NAMES_SPEC).
    SECRET_NAMES = r"""
options:
  secret_patterns:
    description:
      - Shell-style patterns (case-insensitive); variables whose names match one are secret and
        their values are never shown.
      - The patterns are names, not secrets themselves.
    type: list
    elements: str
    default: ['*SECRET*', '*PASSWORD*', '*PASSWD*', '*TOKEN*', '*KEY*', '*CREDENTIAL*', '*PRIVATE*', '*DSN*', '*WEBHOOK*',
              '*SESSION*', DATABASE_URL]
"""

    # What AppRunnerPlatform.started and finish record of the operation a module starts.
    OPERATION_RETURN = r"""
operation_id:
  description: Id of the App Runner operation started (null when none was).
  returned: always
  type: str
  sample: 0f3c0a1e5d2b4c6e8a9b
status:
  description:
    - End status of the operation (C(SUCCEEDED); a failed run says which), C(IN_PROGRESS) with
      O(wait=false), null when no operation was started.
  returned: always
  type: str
  sample: SUCCEEDED
deployment_seconds:
  description: How long the operation took according to App Runner (null when not waited for).
  returned: always
  type: float
  sample: 184.2
waited_seconds:
  description: How long the module waited for the operation.
  returned: when an operation was waited for
  type: float
  sample: 186.0
recovered_write:
  description:
    - The answer to UpdateService was lost (a 5xx, a timeout, a dropped connection) and the module
      found the operation its request had started anyway (a new C(UPDATE_SERVICE) operation, the
      service configured as requested); that operation is the one reported and followed.
    - When it cannot be found the module fails saying it cannot tell whether the change happened
      (C(ambiguous_write=true)) and what to check; it does not send the request again.
  returned: when the answer to the module's UpdateService was lost
  type: dict
  sample: {action: update App Runner service arn:... to repo:sha, error: "InternalServiceErrorException: ...",
           operation_id: 0f3c0a1e5d2b4c6e8a9b, found_by: a new UPDATE_SERVICE operation listed after the request}
"""
