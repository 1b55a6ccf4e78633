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
    description: Read the service event log from CloudWatch Logs.
    type: bool
    default: true
extends_documentation_fragment:
  - lacrei.rollback.apprunner_service
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
"""

import json
import os
import re
from datetime import datetime, timezone

from ansible_collections.lacrei.rollback.plugins.module_utils import ecr
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner import AppRunnerPlatform
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner_poller import iter_operations
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_client import aws_client, aws_module
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import AwsActionFailed, aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed, fail_on_error
from ansible_collections.lacrei.rollback.plugins.module_utils.timefmt import iso8601

ARGUMENT_SPEC = dict(
    service_arn=dict(type="str", required=True, aliases=["arn"]),
    audit_log_path=dict(type="path"),
    event_log_group=dict(type="str"),
    use_event_log=dict(type="bool", default=True),
)
DEPLOYMENT_TYPES = frozenset({"CREATE_SERVICE", "UPDATE_SERVICE", "START_DEPLOYMENT"})
FAILED_STATUSES = frozenset({"FAILED", "ROLLBACK_SUCCEEDED", "ROLLBACK_FAILED"})
STARTED = re.compile(r"Deployment with ID : (\S+) started")
ARTIFACT = re.compile(r"Deployment Artifact: .*\[Image URL: ([^\]]+)\], \[Image Tag: ([^\]]+)\]")
ENDED = re.compile(r"Deployment with ID : (\S+) (completed successfully|failed)")
EPOCH = datetime.fromtimestamp(0, timezone.utc)


def _when(value) -> datetime:
    """A comparable UTC datetime from a datetime, epoch milliseconds or ISO text (epoch if unknown)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value / 1000, timezone.utc)
    try:
        return _when(datetime.fromisoformat(value))
    except (TypeError, ValueError):
        return EPOCH


def identifier(uri: str, ref: str) -> str:
    return f"{uri}@{ref}" if ref.startswith("sha256:") else ecr.image_uri(uri, ref)


# -- the sources ----------------------------------------------------------------------------
def parse_event_log(events) -> dict:
    """operation id -> {"image", "outcome" (succeeded|failed|None), "at"} from service event lines."""
    deployments, current = {}, None
    for event in events:
        message, at = event.get("message", ""), event.get("timestamp")
        started, artifact, ended = STARTED.search(message), ARTIFACT.search(message), ENDED.search(message)
        if started:
            current = started.group(1)
            deployments[current] = {"image": None, "outcome": None, "at": at}
        elif artifact and current in deployments:
            deployments[current]["image"] = identifier(artifact.group(1).strip(), artifact.group(2).strip())
        elif ended and ended.group(1) in deployments:
            outcome = "succeeded" if ended.group(2).startswith("completed") else "failed"
            deployments[ended.group(1)].update(outcome=outcome, at=at)
    return deployments


def read_event_log(client, group: str):
    """The group's events, oldest first; None when the group does not exist."""
    events = []
    try:
        with aws_action(f"read the service event log {group}"):
            for page in client.get_paginator("filter_log_events").paginate(logGroupName=group):
                events.extend(page.get("events") or [])
    except AwsActionFailed as exc:
        if exc.code == "ResourceNotFoundException":
            return None
        raise
    return sorted(events, key=lambda e: e.get("timestamp") or 0)


def read_audit_log(path: str | None, service_arn: str) -> list:
    """This service's entries of the audit trail (unreadable lines skipped)."""
    if not path or not os.path.exists(path):
        return []
    entries = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("service_arn") == service_arn:
                entries.append(entry)
    return entries


# -- evidence -------------------------------------------------------------------------------
def evidence(source, outcome, at, image, operation=None, detail=None) -> dict:
    item = {"source": source, "outcome": outcome, "at": _when(at), "image": image}
    if operation:
        item.update(operation_id=operation.get("Id"), operation_type=operation.get("Type"),
                    operation_status=operation.get("Status"))
    if detail:
        item["detail"] = detail
    return item


def operation_outcome(operation: dict | None, fallback: str | None) -> str | None:
    if operation is None:
        return fallback
    if operation.get("Status") == "SUCCEEDED" and operation.get("Type") in DEPLOYMENT_TYPES:
        return "succeeded"
    return "failed" if operation.get("Status") in FAILED_STATUSES else None


def event_log_evidence(deployments: dict, operations: dict) -> list:
    found = []
    for op_id, deployment in deployments.items():
        operation = operations.get(op_id)
        outcome = operation_outcome(operation, deployment["outcome"])
        if deployment["image"] and outcome:
            at = (operation or {}).get("EndedAt") or deployment["at"]
            found.append(evidence("event_log", outcome, at, deployment["image"], operation or {"Id": op_id}))
    return found


def audit_evidence(entries: list, operations: dict) -> list:
    found = []
    for entry in entries:
        if entry.get("from_image"):
            found.append(evidence("observed", "succeeded", entry.get("when"), entry["from_image"],
                                  detail="running when an audited run started"))
        op_id, image = entry.get("operation_id"), entry.get("to_image")
        if op_id and image:
            operation = operations.get(op_id)
            fallback = {"SUCCEEDED": "succeeded"}.get(entry.get("deploy_status"),
                                                      "failed" if entry.get("deploy_status") in FAILED_STATUSES else None)
            outcome = operation_outcome(operation, fallback)
            if outcome:
                at = (operation or {}).get("EndedAt") or entry.get("finished_at") or entry.get("when")
                found.append(evidence("audit", outcome, at, image, operation or {"Id": op_id}))
    return found


# -- the judgement --------------------------------------------------------------------------
class Catalog:
    """The ECR images of the service's repository, found by tag or digest."""

    def __init__(self, repository_uri: str, images: list):
        self.repository_uri = repository_uri
        self.images = images
        self.by_digest = {image["digest"]: image for image in images}
        self.by_tag = {tag: image for image in images for tag in image["tags"]}

    def find(self, image_identifier: str | None) -> dict | None:
        if not image_identifier:
            return None
        ref = ecr.parse_image_identifier(image_identifier)
        if ref.repository_uri != self.repository_uri:
            return None
        return self.by_digest.get(ref.digest) if ref.digest else self.by_tag.get(ref.tag or "latest")

    def describe(self, image: dict) -> dict:
        tag = next((t for t in image["tags"] if ecr.FULL_SHA.match(t)), (image["tags"] or [None])[0])
        return {"tag": tag, "tags": image["tags"], "digest": image["digest"], "pushed_at": image["pushed_at"],
                "image_uri": ecr.image_uri(self.repository_uri, tag) if tag else None}


def public(item: dict) -> dict:
    shown = {key: value for key, value in item.items() if key != "image"}
    shown["at"] = iso8601(item["at"]) if item["at"] != EPOCH else None
    return shown


def judge(catalog: Catalog, items: list, current: dict | None) -> tuple[list, list]:
    """(known-good releases, excluded images), newest push first."""
    per_digest = {}
    for item in items:
        image = catalog.find(item["image"])
        if image:
            per_digest.setdefault(image["digest"], []).append(item)
    good, excluded = [], []
    for image in catalog.images:
        found = sorted(per_digest.get(image["digest"], []), key=lambda i: i["at"])
        if not found:
            continue
        entry = dict(catalog.describe(image), current=image is current,
                     evidence=[public(i) for i in found])
        latest = found[-1]
        if latest["outcome"] == "succeeded":
            entry["last_success_at"] = public(latest)["at"]
            good.append(entry)
        else:
            entry["reason"] = (f"deployment {latest.get('operation_id')} ended "
                               f"{latest.get('operation_status') or 'failed'} at {public(latest)['at']}")
            excluded.append(entry)
    return good, excluded


def pick_previous(catalog: Catalog, good: list, current: dict | None,
                  service_name: str) -> tuple[dict | None, str | None]:
    """The first known-good image after the current one in push order (newest first)."""
    if current is None:
        return None, (f"The image {service_name} runs now is not in its ECR repository, so no release can be "
                      "called older than it; give the SHA to roll back to (-e sha=...).")
    position = {image["digest"]: index for index, image in enumerate(catalog.images)}
    older = [entry for entry in good if position[entry["digest"]] > position[current["digest"]]]
    if older:
        return older[0], None
    known = ", ".join(entry["tag"] for entry in good) or "none"
    return None, (f"No earlier good release known for {service_name}: no image pushed before the current one "
                  f"({current['pushed_at']}) has a successful deployment on record (known good: {known}). "
                  "Nothing was changed; give the SHA to roll back to (-e sha=...).")


# -- the module -----------------------------------------------------------------------------
def default_log_group(service: dict) -> str:
    service_id = service["service_arn"].rsplit("/", 1)[-1]
    return f"/aws/apprunner/{service['service_name']}/{service_id}/service"


def release_history(params: dict, platform) -> dict:
    arn = params["service_arn"]
    service = platform.describe(arn)
    ref = ecr.parse_image_identifier(service["image_identifier"] or "")
    if not ref.registry_id:
        raise ActionFailed(f"App Runner service {arn} does not run a private ECR image "
                           f"({service['image_identifier']}); its release history cannot be read")
    ecr_client = aws_client("ecr", params, primary=False)
    catalog = Catalog(ref.repository_uri, ecr.image_details(ecr_client, ref.repository, ref.registry_id))
    operations = {op["Id"]: op for op in iter_operations(platform.client, arn)}
    items, sources = [], {"operations": len(operations)}
    if params["use_event_log"]:
        group = params["event_log_group"] or default_log_group(service)
        events = read_event_log(aws_client("logs", params, primary=False), group)
        sources["event_log"] = f"{group} ({len(events)} lines)" if events is not None else f"{group} (absent)"
        items += event_log_evidence(parse_event_log(events or []), operations)
    entries = read_audit_log(params["audit_log_path"], arn)
    sources["audit_log"] = f"{len(entries)} entries" if params["audit_log_path"] else "not given"
    items += audit_evidence(entries, operations)
    current = catalog.find(service["image_identifier"])
    good, excluded = judge(catalog, items, current)
    previous, reason = pick_previous(catalog, good, current, service["service_name"])
    unknown = {"tag": ref.tag, "tags": [], "digest": ref.digest, "pushed_at": None}
    current_view = dict(catalog.describe(current) if current else unknown, image_identifier=service["image_identifier"])
    current_view.pop("image_uri", None)
    return {"current": current_view, "releases": good, "excluded": excluded, "previous": previous,
            "previous_reason": reason, "sources": sources}


def main():
    module = aws_module(ARGUMENT_SPEC)
    with fail_on_error(module):
        result = release_history(module.params, AppRunnerPlatform(aws_client("apprunner", module.params)))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
