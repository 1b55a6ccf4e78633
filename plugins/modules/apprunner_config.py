#!/usr/bin/python
# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: apprunner_config
short_description: Set or restore a service's environment variables and secrets (App Runner or ECS)
description:
  - Sets the service's C(RuntimeEnvironmentVariables) and C(RuntimeEnvironmentSecrets) by a
    read-modify-write of its source configuration; the image and every other setting stay.
  - On ECS (O(service)) the configuration is the container definition's C(environment) and
    C(secrets) (C(valueFrom) references, never values); a change registers a new task definition
    revision from the running one with only those changed, updates the service and follows its
    service deployment (a circuit-breaker or alarm rollback, C(ROLLBACK_SUCCESSFUL), is a
    failure). On ECS Express Mode (O(express_service_arn)) the primary container's are changed
    through C(UpdateExpressGatewayService) and its canary deployment followed.
  - The target comes from exactly one of O(environment_variables) (with O(environment_secrets)),
    O(from_snapshot) (a snapshot saved by M(lacrei.rollback.config_snapshot) or by this module),
    or O(from_git) (an environment file at a commit of the application repository).
  - Before changing anything it saves the running configuration as a snapshot (SSM Parameter Store,
    see M(lacrei.rollback.config_snapshot)), so the configuration before the change is always one
    O(from_snapshot=previous) away. Restores record the snapshot as rolled back from, so
    C(previous) never brings that configuration back.
  - Idempotent; waits for the operation (ECS - the service deployment) and fails unless it ends
    C(SUCCEEDED) (ECS C(SUCCESSFUL)); C(ROLLBACK_SUCCEEDED) is a failure. Refuses, changing nothing, while the service runs another operation.
  - Values of variables whose names match O(secret_patterns) never appear in results or diffs.
version_added: "0.1.0"
options:
  environment_variables:
    description:
      - The variables to set (name -> value). With O(purge=true) they are the whole set.
      - Values of secret-named variables are hidden from the task result, but they pass through
        task arguments; prefer O(environment_secrets) (references) for real secrets.
    type: dict
  environment_secrets:
    description:
      - Secret references to set (name -> Secrets Manager secret or SSM parameter ARN). Left as
        they are when omitted.
    type: dict
  purge:
    description:
      - Remove variables (and, when O(environment_secrets) is given, secrets) not in the target.
      - With O(from_git), secret-named variables running now are always kept.
    type: bool
    default: true
  from_snapshot:
    description: Restore the variables and secrets of this snapshot - a number, C(latest) or C(previous).
    type: str
  from_git:
    description:
      - Restore the variables of an environment file at a commit of a local git checkout. Secret
        references stay as they are, and so do secret-named variables (a file in git holds no real
        secret; its secret-named entries are ignored).
      - Refused, changing nothing, when a required variable is missing, empty or a placeholder.
    type: dict
    suboptions:
      repo_path:
        description: Path of the checkout.
        type: path
        required: true
      ref:
        description: Commit, tag or branch to read the file at.
        type: str
        required: true
      path:
        description: The file's path in the repository.
        type: str
        default: .env.example
      required_variables:
        description: Names that must have real values (default every non-secret variable of the file).
        type: list
        elements: str
  snapshot:
    description: Save the running configuration as a snapshot before changing it.
    type: bool
    default: true
  snapshot_reason:
    description: Why the change is made, stored with the snapshot.
    type: str
extends_documentation_fragment:
  - lacrei.rollback.apprunner_service.any_platform
  - lacrei.rollback.ecs_service
  - lacrei.rollback.apprunner_service.wait
  - lacrei.rollback.apprunner_service.secret_names
  - lacrei.rollback.aws
notes:
  - Supports check mode (predicts the change and resolves the source; no snapshot, no update) and
    diff mode (variables as C(NAME=value) lines, secret values masked; secret references by name
    and ARN).
author:
  - Lacrei Saúde (@lacrei-saude)
"""

EXAMPLES = r"""
- name: Restore the configuration before the last change
  lacrei.rollback.apprunner_config:
    service_arn: "{{ service_arn }}"
    from_snapshot: previous
  diff: true

- name: Restore the variables of .env.example as of a commit
  lacrei.rollback.apprunner_config:
    service_arn: "{{ service_arn }}"
    from_git:
      repo_path: "{{ app_repo_path }}"
      ref: 4f2c1ab
      path: .env.example

- name: Turn a feature off (the configuration before is snapshotted first)
  lacrei.rollback.apprunner_config:
    service_arn: "{{ service_arn }}"
    environment_variables:
      FEATURE_APPOINTMENTS: "off"
    purge: false
    snapshot_reason: "incident 42: appointments off"
"""

RETURN = r"""
extends_documentation_fragment:
  - lacrei.rollback.apprunner_service.operation_return
platform:
  description: What runs the service - apprunner, ecs or ecs_express.
  returned: always
  type: str
  sample: ecs
registered_task_definition:
  description: ECS - the task definition revision registered for the change.
  returned: when a revision was registered
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:task-definition/lacrei-saude-backend-ecs:7
deployment_arn:
  description: ECS - the service deployment the change started (also in C(operation_id)).
  returned: when changed and not in check mode, on ECS
  type: str
  sample: arn:aws:ecs:us-east-1:123456789012:service-deployment/lacrei-sandbox/lacrei-saude-backend-ecs/Abc
service_name:
  description: The service name (App Runner or ECS).
  returned: always
  type: str
  sample: lacrei-saude-backend
source:
  description: Where the target came from (C(arguments), C(snapshot) with its version, C(git) with the commit).
  returned: always
  type: dict
  sample: {kind: snapshot, version: 3, resolution: "snapshot 3 is the newest configuration that differs ..."}
variable_changes:
  description: Names of the variables added, removed and changed (predicted in check mode).
  returned: always
  type: dict
  sample: {added: [], removed: [], changed: [FEATURE_APPOINTMENTS]}
secret_changes:
  description: Names of the secret references added, removed and changed.
  returned: always
  type: dict
  sample: {added: [], removed: [], changed: []}
environment_variables:
  description: The variables configured at the end (the prediction in check mode), secret values masked.
  returned: always
  type: dict
  sample: {FEATURE_APPOINTMENTS: "on", DJANGO_SECRET_KEY: "********"}
environment_secret_names:
  description: Names of the secret references configured at the end.
  returned: always
  type: list
  elements: str
  sample: [DATABASE_URL]
snapshot:
  description: The snapshot of the configuration before the change (null when none was taken).
  returned: always
  type: dict
  sample: {version: 5, name: /lacrei-rollback/lacrei-saude-backend/config/5, trigger: before-config-rollback}
"""

import getpass

from ansible_collections.lacrei.rollback.plugins.module_utils import config_snapshots as snaps
from ansible_collections.lacrei.rollback.plugins.module_utils import env_file
from ansible_collections.lacrei.rollback.plugins.module_utils import env_masking as masking
from ansible_collections.lacrei.rollback.plugins.module_utils import service_target
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner import WAIT_SPEC
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.git import GitRepo
from ansible_collections.lacrei.rollback.plugins.module_utils.input_checks import refuse_bad_params

ARGUMENT_SPEC = dict(
    **service_target.SERVICE_SPEC,
    environment_variables=dict(type="dict"),
    environment_secrets=dict(type="dict", no_log=False),  # references (ARNs), not secret values
    purge=dict(type="bool", default=True),
    from_snapshot=dict(type="str"),
    from_git=dict(type="dict", options=dict(
        repo_path=dict(type="path", required=True),
        ref=dict(type="str", required=True),
        path=dict(type="str", default=".env.example"),
        required_variables=dict(type="list", elements="str"),
    )),
    snapshot=dict(type="bool", default=True),
    snapshot_reason=dict(type="str"),
    **masking.SECRET_NAMES_SPEC,
    **WAIT_SPEC,
)
# What must not reach git, a path or SSM as it is: checked before any call.
INPUT_KINDS = {"from_snapshot": "config_version", "from_git.repo_path": "path", "from_git.ref": "git_ref",
               "from_git.path": "relative_path", "snapshot_reason": "line"}
MODULE_RULES = dict(
    mutually_exclusive=[["environment_variables", "from_snapshot", "from_git"],
                        ["environment_secrets", "from_snapshot", "from_git"],
                        *service_target.SERVICE_RULES["mutually_exclusive"]],
    required_one_of=[["environment_variables", "environment_secrets", "from_snapshot", "from_git"],
                     *service_target.SERVICE_RULES["required_one_of"]],
)


def merged(current: dict, given: dict | None, purge: bool) -> dict:
    if given is None:
        return dict(current)
    given = {name: str(value) for name, value in given.items()}
    return given if purge else {**current, **given}


def from_arguments(params: dict, current: dict) -> tuple[dict, dict]:
    target = {"environment_variables": merged(current["environment_variables"], params["environment_variables"],
                                              params["purge"]),
              "environment_secrets": merged(current["environment_secrets"], params["environment_secrets"],
                                            params["purge"])}
    return target, {"kind": "arguments"}


def from_snapshot(params: dict, current: dict, store) -> tuple[dict, dict]:
    snapshots = store.list()
    found, why = snaps.pick(store, snapshots, params["from_snapshot"].strip(), current)
    return found.environment, {"kind": "snapshot", "version": found.version, "taken_at": found.taken_at,
                               "reason": found.reason, "resolution": why}


def from_git(module, current: dict) -> tuple[dict, dict]:
    spec, patterns = module.params["from_git"], module.params["secret_patterns"]
    repo = GitRepo(module, spec["repo_path"])
    repo.ensure_repository()
    source = f"{spec['path']} at {spec['ref']} in {spec['repo_path']}"
    parsed = env_file.parse(repo.show_file(spec["ref"], spec["path"]), source)
    plain = {name: value for name, value in parsed.items() if not masking.is_secret(name, patterns)}
    variables = env_file.require_usable(plain, source, spec["required_variables"])
    running = current["environment_variables"]
    kept = {n: v for n, v in running.items() if masking.is_secret(n, patterns) or not module.params["purge"]}
    target = {"environment_variables": {**kept, **variables}, "environment_secrets": dict(current["environment_secrets"])}
    return target, {"kind": "git", "ref": spec["ref"], "commit": repo.resolve(spec["ref"]), "path": spec["path"],
                    "ignored_secret_names": sorted(set(parsed) - set(plain))}


def desired(module, current: dict, store) -> tuple[dict, dict]:
    params = module.params
    if params["from_snapshot"]:
        return from_snapshot(params, current, store)
    if params["from_git"]:
        return from_git(module, current)
    return from_arguments(params, current)


def diff_lines(env: dict, patterns, changed_secret_names=()) -> str:
    lines = [f"{name}={value}{' (changed)' if name in changed_secret_names else ''}"
             for name, value in masking.masked(env["environment_variables"], patterns).items()]
    lines += [f"secret {name} -> {arn}" for name, arn in sorted(env["environment_secrets"].items())]
    return "\n".join(lines) + "\n"


def diff_of(before: dict, after: dict, changes: dict, patterns, service: str) -> dict:
    masked_changed = [n for n in changes["changed"] if masking.is_secret(n, patterns)]
    return {"before": diff_lines(before, patterns), "after": diff_lines(after, patterns, masked_changed),
            "before_header": f"{service} (running)", "after_header": f"{service} (target)"}


def rollback_marks(source: dict) -> dict:
    if source["kind"] == "snapshot":
        return {"trigger": "before-config-rollback", "rolled_back_from": True, "restored_to": {"version": source["version"]},
                "reason": f"before restoring configuration snapshot {source['version']}"}
    if source["kind"] == "git":
        return {"trigger": "before-config-rollback", "rolled_back_from": True,
                "restored_to": {k: source[k] for k in ("ref", "commit", "path")},
                "reason": f"before restoring {source['path']} at {source['ref']}"}
    return {"trigger": "before-config-change", "rolled_back_from": False, "restored_to": None,
            "reason": "before a configuration change"}


def save_snapshot(module, store, current: dict, source: dict):
    marks = rollback_marks(source)
    if module.params["snapshot_reason"]:
        marks["reason"] = module.params["snapshot_reason"]
    return store.save(current, marks["trigger"], marks["reason"], marks["rolled_back_from"], marks["restored_to"],
                      taken_by=getpass.getuser())


def image_configuration(target: dict) -> dict:
    """The keys to write; empty maps are removed rather than sent empty."""
    return {"RuntimeEnvironmentVariables": target["environment_variables"] or None,
            "RuntimeEnvironmentSecrets": target["environment_secrets"] or None}


def apply(module, platform, service: str, target: dict, result: dict) -> dict:
    if platform.name != "apprunner":
        return apply_on_ecs(module, platform, service, target, result)
    params, arn = module.params, service
    platform.started(result, platform.configure(arn, image_configuration(target)))
    if not params["wait"]:
        return result
    service = platform.finish(arn, result, params["wait_timeout"])
    before = (result["snapshot"] or {}).get("version")
    return platform.judge(result, f"Configuration change of App Runner service {arn}",
                          f"the service now has variables {', '.join(service['environment_variable_names'])}; "
                          f"the configuration before this run is snapshot {before}")


def apply_on_ecs(module, platform, service: str, target: dict, result: dict) -> dict:
    """A new task definition revision (Express Mode: the primary container) with the target's
    environment and secrets, and its service deployment followed."""
    params = module.params
    before = (result["snapshot"] or {}).get("version")
    result = platform.start_and_wait(
        service, lambda: platform.configure(service, target["environment_variables"], target["environment_secrets"]),
        result, timeout=params["wait_timeout"] if params["wait"] else None,
        what=f"Configuration change of {platform.kind} {service} (the configuration before is snapshot {before})")
    return dict(result, operation_id=result["deployment_arn"], deployment_seconds=result.get("waited_seconds"))


def configure(module, platform, service: str) -> dict:
    params, patterns = module.params, module.params["secret_patterns"]
    current, store = snaps.open_store(params, platform, service)
    before = snaps.environment_of(current)
    module.no_log_values.update(masking.secret_values(before["environment_variables"], patterns))
    target, source = desired(module, current, store)
    module.no_log_values.update(masking.secret_values(target["environment_variables"], patterns))
    changes = masking.env_changes(before["environment_variables"], target["environment_variables"])
    secret_changes = masking.env_changes(before["environment_secrets"], target["environment_secrets"])
    result = dict(changed=False, platform=platform.name, service_name=current["service_name"], source=source, variable_changes=changes,
                  secret_changes=secret_changes, snapshot=None, operation_id=None, status=None, deployment_seconds=None,
                  environment_variables=masking.masked(target["environment_variables"], patterns),
                  environment_secret_names=sorted(target["environment_secrets"]))
    if module._diff:
        result["diff"] = diff_of(before, target, changes, patterns, current["service_name"])
    if not (masking.has_changes(changes) or masking.has_changes(secret_changes)):
        return dict(result, environment_variables=masking.masked(before["environment_variables"], patterns))
    platform.ensure_idle(service, current["status"])
    if module.check_mode:
        return dict(result, changed=True)
    if params["snapshot"]:
        result["snapshot"] = save_snapshot(module, store, current, source).summary(patterns)
    return apply(module, platform, service, target, result)


def main():
    module = aws_module(ARGUMENT_SPEC, **MODULE_RULES)
    refuse_bad_params(module, INPUT_KINDS)
    with fail_on_error(module):
        result = configure(module, *service_target.platform_for(module.params))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
