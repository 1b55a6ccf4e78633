# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who the AWS credentials in use belong to (STS GetCallerIdentity, which needs no permission)."""
from __future__ import annotations

from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import aws_action


def caller_identity(client) -> dict:
    with aws_action("get the AWS caller identity"):
        found = client.get_caller_identity()
    return {"account": found.get("Account"), "arn": found.get("Arn"), "user_id": found.get("UserId")}
