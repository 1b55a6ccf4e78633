# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which images an ECS service (or ECS Express Mode service) ran successfully, and its previous
good release: the evidence is its service deployments (ListServiceDeployments, each with the image
it deployed) and this collection's audit trail, judged as ``release_history`` judges App Runner's
(the same ``judge`` and ``pick_previous`` on the ECR catalog, the same answer's shape).
"""
from __future__ import annotations

from ansible_collections.lacrei.rollback.plugins.module_utils.release_history import (
    audit_evidence as shared_audit_evidence, evidence, read_audit_log, running_catalog, summarize)

# How many service deployments, newest first, are read as evidence.
HISTORY_LIMIT = 20
# A STOPPED deployment was superseded or aborted: no evidence either way about its image.
FAILED = frozenset({"ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"})


def outcome_of(status: str | None) -> str | None:
    if status == "SUCCESSFUL":
        return "succeeded"
    return "failed" if status in FAILED else None


def as_operation(arn: str | None, status: str | None) -> dict:
    """A service deployment in the keys the shared judgement names in its reasons."""
    return {"Id": arn, "Type": "SERVICE_DEPLOYMENT", "Status": status}


def deployment_evidence(deployments: list) -> list:
    found = []
    for deployment in deployments:
        outcome = outcome_of(deployment["status"])
        if deployment.get("image") and outcome:
            at = deployment["finished_at"] or deployment["started_at"] or deployment["created_at"]
            found.append(evidence("service_deployment", outcome, at, deployment["image"],
                                  as_operation(deployment["arn"], deployment["status"])))
    return found


def audit_evidence(entries: list, deployments: dict) -> list:
    """From the audit trail (``release_history.audit_evidence``): the image running when a run
    started, and the image a run deployed, judged by its service deployment's status as ECS lists it
    now or as the run recorded it."""
    def judge(arn: str, entry: dict) -> tuple:
        status = (deployments.get(arn) or {}).get("status") or entry.get("deploy_status")
        return outcome_of(status), entry.get("finished_at") or entry.get("when"), as_operation(arn, status)
    return shared_audit_evidence(entries, judge)


def ecs_release_history(platform, service: dict, ecr_client, audit_log_path: str | None = None,
                        limit: int = HISTORY_LIMIT) -> dict:
    """Known-good releases of ``service`` (``platform.describe``) and the previous good one, in
    ``release_history``'s shape; ``sources`` says how many service deployments and audit entries."""
    ref, catalog = running_catalog(service, ecr_client, platform.kind)
    deployments = platform.deployments.history(service["service_arn"], limit, platform.container)
    entries = read_audit_log(audit_log_path, service["service_arn"])
    items = deployment_evidence(deployments) + audit_evidence(entries, {d["arn"]: d for d in deployments})
    sources = {"service_deployments": len(deployments),
               "audit_log": f"{len(entries)} entries" if audit_log_path else "not given"}
    return summarize(catalog, ref, service, items, sources)
