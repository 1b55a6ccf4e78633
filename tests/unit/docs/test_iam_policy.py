"""docs/iam-policy.json grants exactly the AWS calls the collection's code makes.

The calls are read from the plugins' source: for every AWS service the modules open a client
for, each of that client's API methods (from botocore's own service model) that the source
calls, or paginates, is an IAM action. The policy must grant each one (else a real run fails
with AccessDenied) and nothing else (least privilege). A permission that is no API call but that a
call needs (iam:PassRole, for ecs:RegisterTaskDefinition of a revision with task or execution
roles: every new release the guarded deploy ships on ECS) is granted only with that call, and only
towards the service that takes the role.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import botocore.session

REPO = Path(__file__).resolve().parents[3]
POLICY = REPO / "docs" / "iam-policy.json"
# botocore service name -> IAM action prefix.
# A permission that is no API call -> the call that needs it.
NEEDED_BY = {"iam:PassRole": "ecs:RegisterTaskDefinition"}
IAM_PREFIX = {"apprunner": "apprunner", "ecr": "ecr", "cloudwatch": "cloudwatch", "logs": "logs",
              "ssm": "ssm", "ecs": "ecs", "sts": "sts", "secretsmanager": "secretsmanager", "sns": "sns"}


def plugin_sources() -> str:
    return "\n".join(path.read_text() for path in (REPO / "plugins").rglob("*.py"))


def services_used(source: str) -> set[str]:
    return set(re.findall(r"aws_client\(\s*\"([a-z0-9-]+)\"", source))


def actions_called(source: str) -> set[str]:
    session = botocore.session.get_session()
    actions = set()
    for service in services_used(source):
        model = session.get_service_model(service)
        for operation in model.operation_names:
            method = botocore.xform_name(operation)
            if re.search(rf"\.{method}\(|get_paginator\(\s*\"{method}\"", source):
                actions.add(f"{IAM_PREFIX[service]}:{operation}")
    return actions


def granted_actions() -> set[str]:
    policy = json.loads(POLICY.read_text())
    granted = set()
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = statement["Action"]
        granted.update([actions] if isinstance(actions, str) else actions)
    return granted


def test_the_code_calls_aws_at_all():
    # Guards the scan itself: an empty scan would make the comparison below meaningless.
    called = actions_called(plugin_sources())
    assert {"apprunner:UpdateService", "ecr:DescribeImages"} <= called


def test_policy_grants_every_call_the_code_makes():
    missing = actions_called(plugin_sources()) - granted_actions()
    assert not missing, f"docs/iam-policy.json lacks {sorted(missing)}"


def test_policy_grants_nothing_the_code_does_not_call():
    called = actions_called(plugin_sources())
    needed = {permission for permission, call in NEEDED_BY.items() if call in called}
    unused = granted_actions() - called - needed
    assert not unused, f"docs/iam-policy.json grants calls no module makes: {sorted(unused)}"


def test_task_roles_are_passed_to_ecs_tasks_only():
    assert "ecs:RegisterTaskDefinition" in actions_called(plugin_sources())  # what needs the permission
    [statement] = [s for s in json.loads(POLICY.read_text())["Statement"] if "iam:PassRole" in str(s["Action"])]
    assert statement["Action"] == "iam:PassRole" and statement["Resource"] != "*"
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
