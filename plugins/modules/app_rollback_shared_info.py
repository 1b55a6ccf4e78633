#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: app_rollback_shared_info
short_description: Read once what every service's rollback preflight of one AWS account shares
description:
  - In a fleet run (several App Runner services rolled back by one play), every service's
    P(lacrei.rollback.app_rollback_preflight#module) would ask STS who runs it and list the same ECR
    repository. This module reads both once; its registered result is passed to each preflight as
    O(lacrei.rollback.app_rollback_preflight#module:shared).
  - A caller identity that cannot be found is not an error (RV(caller_unknown) says why; each
    preflight warns as it would alone). A listing that fails is not an error either
    (RV(listing_error)); each preflight then reads the repository itself and refuses as it would alone.
version_added: "0.2.0"
options:
  repository:
    description: Name of the ECR repository to list (the one a git SHA is resolved in). Without it, only the caller.
    type: str
  registry_id:
    description: AWS account id of that repository's registry, when it is not the caller's own.
    type: str
extends_documentation_fragment:
  - lacrei.rollback.aws
notes:
  - Read-only; supports check mode (it runs the same reads).
  - Run it once (C(run_once)) with the AWS settings the services share; a service whose credentials,
    region or repository differ must not be given its result.
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Read the caller and the ECR listing once for every service
  lacrei.rollback.app_rollback_shared_info:
    repository: consultas-api
  run_once: true
  register: shared

- name: Decide each service's rollback with it
  lacrei.rollback.app_rollback_preflight:
    service_arn: "{{ service_arn }}"
    sha: 3f9c2ab
    repository: consultas-api
    shared: "{{ shared }}"
  register: preflight
"""

RETURN = r"""
caller_arn:
  description: ARN of the AWS caller (null when it could not be found).
  returned: always
  type: str
  sample: arn:aws:sts::123456789012:assumed-role/Deployer/maria
caller_unknown:
  description: Why the caller is unknown (null when it is known).
  returned: always
  type: str
  sample: "AWS caller identity unknown: ..."
repository:
  description: O(repository), as given.
  returned: always
  type: str
  sample: consultas-api
registry_id:
  description: O(registry_id), as given.
  returned: always
  type: str
  sample: null
repository_uri:
  description: The repository's URI (null without O(repository) or when the listing failed).
  returned: always
  type: str
  sample: 123456789012.dkr.ecr.us-east-1.amazonaws.com/consultas-api
images:
  description:
    - Every image of the repository, newest push first, as P(lacrei.rollback.ecr_image_info#module) lists
      them (C(tags), C(digest), C(pushed_at), C(size_bytes)); null without O(repository) or when the listing failed.
  returned: always
  type: list
  elements: dict
  sample: [{tags: [3f9c2ab04c5e0b7e4d8f1a2b3c4d5e6f7a8b9c0d, v1.2.0], digest: "sha256:5e9f..."}]
listing_error:
  description: Why the listing failed (null when it did not, or without O(repository)).
  returned: always
  type: str
  sample: "describe ECR repository consultas-api failed: RepositoryNotFoundException ..."
"""

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.rollback_preflight import Clients, shared_reads

ARGUMENT_SPEC = dict(
    repository=dict(type="str"),
    registry_id=dict(type="str"),
)


def main():
    module = aws_module(ARGUMENT_SPEC)
    params = module.params
    with fail_on_error(module):
        clients = Clients(ecr=aws_client("ecr", params) if params["repository"] else None,
                          sts=aws_client("sts", params, primary=False))
        shared = shared_reads(clients, params["repository"], params["registry_id"])
    module.exit_json(changed=False, **shared)


if __name__ == "__main__":
    main()
