# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which images an App Runner service ran successfully, and its previous good release.

Three sources of evidence (ListOperations, the service event log in CloudWatch Logs, this
collection's audit trail) joined on the ECR image digest; the rule is in
``apprunner_release_history``'s documentation. Used by that module and by
``app_rollback_preflight`` (``target=previous``).
"""
from __future__ import annotations

import json
import os
import re
from datetime import datetime, timezone

from ansible_collections.lacrei.rollback.plugins.module_utils import ecr
from ansible_collections.lacrei.rollback.plugins.module_utils.apprunner_poller import iter_operations
from ansible_collections.lacrei.rollback.plugins.module_utils.aws_errors import AwsActionFailed, aws_action
from ansible_collections.lacrei.rollback.plugins.module_utils.failures import ActionFailed
from ansible_collections.lacrei.rollback.plugins.module_utils.releases import release_record
from ansible_collections.lacrei.rollback.plugins.module_utils.timefmt import iso8601

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


def audit_evidence(entries: list, judge_run) -> list:
    """From the audit trail, on any platform: the image running when a run started, and the image a
    run deployed, judged by ``judge_run(operation id, entry)`` -> (outcome or None, when, operation)."""
    found = []
    for entry in entries:
        if entry.get("from_image"):
            found.append(evidence("observed", "succeeded", entry.get("when"), entry["from_image"],
                                  detail="running when an audited run started"))
        op_id, image = entry.get("operation_id"), entry.get("to_image")
        if op_id and image:
            outcome, at, operation = judge_run(op_id, entry)
            if outcome:
                found.append(evidence("audit", outcome, at, image, operation))
    return found


def by_operations(operations: dict):
    """``audit_evidence``'s judge on App Runner: the operation as ListOperations shows it now, else
    the status the run recorded."""
    def judge(op_id: str, entry: dict) -> tuple:
        operation = operations.get(op_id)
        recorded = entry.get("deploy_status")
        fallback = {"SUCCEEDED": "succeeded"}.get(recorded, "failed" if recorded in FAILED_STATUSES else None)
        at = (operation or {}).get("EndedAt") or entry.get("finished_at") or entry.get("when")
        return operation_outcome(operation, fallback), at, operation or {"Id": op_id}
    return judge


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


# -- the history ----------------------------------------------------------------------------
def default_log_group(service: dict) -> str:
    service_id = service["service_arn"].rsplit("/", 1)[-1]
    return f"/aws/apprunner/{service['service_name']}/{service_id}/service"


def running_catalog(service: dict, ecr_client, kind: str = "App Runner service") -> tuple:
    """(the parsed reference of the image ``service`` runs, the Catalog of its ECR repository)."""
    ref = ecr.parse_image_identifier(service["image_identifier"] or "")
    if not ref.registry_id:
        raise ActionFailed(f"{kind} {service['service_arn']} does not run a private ECR image "
                           f"({service['image_identifier']}); its release history cannot be read")
    return ref, Catalog(ref.repository_uri, ecr.image_details(ecr_client, ref.repository, ref.registry_id))


def summarize(catalog: Catalog, ref, service: dict, items: list, sources: dict) -> dict:
    """The history's answer from the evidence ``items`` (the shape ``release_history`` returns)."""
    current = catalog.find(service["image_identifier"])
    good, excluded = judge(catalog, items, current)
    previous, reason = pick_previous(catalog, good, current, service["service_name"])
    unknown = {"tag": ref.tag, "tags": [], "digest": ref.digest, "pushed_at": None}
    current_view = dict(catalog.describe(current) if current else unknown, image_identifier=service["image_identifier"])
    current_view.pop("image_uri", None)
    previous_release = None
    if previous is not None:
        previous_release = release_record(catalog.repository_uri, catalog.by_digest[previous["digest"]],
                                          ran=previous.get("last_success_at"))
    return {"current": current_view, "releases": good, "excluded": excluded, "previous": previous,
            "previous_release": previous_release, "previous_reason": reason, "sources": sources}


def release_history(platform, service: dict, ecr_client, logs_client=None, audit_log_path: str | None = None,
                    event_log_group: str | None = None) -> dict:
    """Known-good releases of ``service`` (``platform.describe``) and the previous good one.

    ``logs_client`` None leaves the service event log out. ``previous_release`` is the previous
    good release as a release record (``ran``: its last success), None when none is known.
    """
    arn = service["service_arn"]
    ref, catalog = running_catalog(service, ecr_client)
    operations = {op["Id"]: op for op in iter_operations(platform.client, arn)}
    items, sources = [], {"operations": len(operations)}
    if logs_client is not None:
        group = event_log_group or default_log_group(service)
        events = read_event_log(logs_client, group)
        sources["event_log"] = f"{group} ({len(events)} lines)" if events is not None else f"{group} (absent)"
        items += event_log_evidence(parse_event_log(events or []), operations)
    entries = read_audit_log(audit_log_path, arn)
    sources["audit_log"] = f"{len(entries)} entries" if audit_log_path else "not given"
    items += audit_evidence(entries, by_operations(operations))
    return summarize(catalog, ref, service, items, sources)
