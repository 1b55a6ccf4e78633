#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: aws_caller_info
short_description: Who the AWS credentials in use belong to (STS GetCallerIdentity)
description:
  - Returns the account, ARN and user id of the credentials boto3 resolves, for the audit trail.
  - GetCallerIdentity needs no IAM permission.
version_added: "0.1.0"
options: {}
extends_documentation_fragment:
  - lacrei.rollback.aws
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Record who runs the rollback
  lacrei.rollback.aws_caller_info:
  register: caller
"""

RETURN = r"""
account:
  description: AWS account id.
  returned: always
  type: str
  sample: "123456789012"
arn:
  description: ARN of the caller (user or assumed role).
  returned: always
  type: str
  sample: arn:aws:sts::123456789012:assumed-role/Deployer/maria
user_id:
  description: Unique id of the caller.
  returned: always
  type: str
  sample: AROAEXAMPLE:maria
"""

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.caller_identity import caller_identity
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error


def main():
    module = aws_module({})
    with fail_on_error(module):
        result = caller_identity(aws_client("sts", module.params))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
